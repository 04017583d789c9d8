//! Versioned record codec: one version byte, then JSON. A reader that meets a version it
//! does not know fails loudly instead of guessing; migrations rewrite old versions.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// The record format written today.
pub const RECORD_VERSION: u8 = 1;

#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("empty record")]
    Empty,
    #[error("record version {0} is unknown to this program")]
    UnknownVersion(u8),
    #[error("record body: {0}")]
    Json(#[from] serde_json::Error),
}

pub fn encode<T: Serialize + ?Sized>(v: &T) -> Result<Vec<u8>, CodecError> {
    let mut out = vec![RECORD_VERSION];
    serde_json::to_writer(&mut out, v)?;
    Ok(out)
}

pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
    match bytes.split_first() {
        None => Err(CodecError::Empty),
        Some((&RECORD_VERSION, body)) => Ok(serde_json::from_slice(body)?),
        Some((&v, _)) => Err(CodecError::UnknownVersion(v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let b = encode(&vec![1u32, 2]).unwrap();
        assert_eq!(b[0], RECORD_VERSION);
        assert_eq!(decode::<Vec<u32>>(&b).unwrap(), vec![1, 2]);
        assert!(matches!(decode::<u32>(&[]), Err(CodecError::Empty)));
        assert!(matches!(
            decode::<u32>(&[9, b'1']),
            Err(CodecError::UnknownVersion(9))
        ));
        assert!(matches!(
            decode::<u32>(&[1, b'x']),
            Err(CodecError::Json(_))
        ));
    }
}
