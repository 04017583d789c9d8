//! The offline voice: recorded/synthesized clips (embedded, or an admin's own set in
//! `<data dir>/voice/`) concatenated in the order the speech rules give, after a chime.

use std::collections::HashMap;
use std::path::Path;

use rust_embed::RustEmbed;

use crate::domain::speech::{self, SpeechSettings};
use crate::render::wav::concat_wav;

#[derive(RustEmbed)]
#[folder = "assets/audio/vi/"]
struct EmbeddedVoice;

/// Silence between clips, milliseconds.
const GAP_MS: u32 = 60;

pub struct VoiceBank {
    clips: HashMap<String, Vec<u8>>,
}

fn parse_index(tsv: &str) -> Vec<(String, String)> {
    tsv.lines()
        .skip(1)
        .filter_map(|l| {
            let (k, f) = l.split_once('\t')?;
            // Keys are compared NFC-lowercased, whatever form the admin's file uses.
            Some((speech::nfc_lower(k.trim()), f.trim().to_string()))
        })
        .collect()
}

impl VoiceBank {
    /// The admin's clip set in `<data>/voice/clips.tsv` wins when present and complete
    /// enough to load; otherwise the embedded set.
    pub fn load(data_dir: &Path) -> VoiceBank {
        let dir = data_dir.join("voice");
        if let Ok(tsv) = std::fs::read_to_string(dir.join("clips.tsv")) {
            let mut clips = HashMap::new();
            for (k, f) in parse_index(&tsv) {
                if f.contains('/') || f.contains("..") {
                    continue;
                }
                if let Ok(b) = std::fs::read(dir.join(&f)) {
                    clips.insert(k, b);
                }
            }
            if clips.contains_key("chime") {
                return VoiceBank { clips };
            }
        }
        Self::embedded()
    }

    pub fn embedded() -> VoiceBank {
        let mut clips = HashMap::new();
        if let Some(idx) = EmbeddedVoice::get("clips.tsv") {
            let tsv = String::from_utf8_lossy(&idx.data).into_owned();
            for (k, f) in parse_index(&tsv) {
                if let Some(b) = EmbeddedVoice::get(&f) {
                    clips.insert(k, b.data.into_owned());
                }
            }
        }
        VoiceBank { clips }
    }

    pub fn has(&self, key: &str) -> bool {
        self.clips.contains_key(key)
    }

    /// The announcement of `ticket` at counter `counter_no` as one WAV.
    pub fn announce(
        &self,
        ticket: &str,
        counter_no: u32,
        counter_name: &str,
        s: &SpeechSettings,
    ) -> Result<Vec<u8>, String> {
        let words = speech::announcement_words(ticket, counter_no, counter_name, s);
        let keys = speech::clip_sequence(&words, &|k: &str| self.has(k))
            .map_err(|e| format!("Thiếu đoạn âm thanh cho từ \"{}\"", e.word))?;
        let mut parts: Vec<&[u8]> = Vec::with_capacity(keys.len() + 1);
        if let Some(chime) = self.clips.get("chime") {
            parts.push(chime);
        }
        for k in &keys {
            if let Some(c) = self.clips.get(k) {
                parts.push(c);
            }
        }
        concat_wav(&parts, GAP_MS).map_err(|e| format!("Không ghép được âm thanh: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_bank_announces_every_demo_number() {
        let bank = VoiceBank::embedded();
        assert!(bank.has("chime"));
        let s = SpeechSettings::default();
        for n in ["A001", "B015", "C999", "D105"] {
            let wav = bank.announce(n, 2, "Quầy số 2", &s).unwrap();
            let clip = crate::render::wav::parse_wav(&wav).unwrap();
            // Chime plus the phrase said twice: several seconds of 16 kHz mono.
            assert!(
                clip.data.len() > 16_000 * 2 * 4,
                "{n}: {} bytes",
                clip.data.len()
            );
        }
    }

    #[test]
    fn an_admin_clip_set_in_the_data_dir_wins_and_nfd_keys_match() {
        let dir = tempfile::tempdir().unwrap();
        let voice = dir.path().join("voice");
        std::fs::create_dir_all(&voice).unwrap();
        let embedded = VoiceBank::embedded();
        let chime = embedded.clips.get("chime").unwrap().clone();
        std::fs::write(voice.join("c.wav"), &chime).unwrap();
        // "một" written decomposed (NFD): o + combining circumflex + combining dot below.
        std::fs::write(
            voice.join("clips.tsv"),
            "key\tfile\nchime\tc.wav\nmo\u{302}\u{323}t\tc.wav\n",
        )
        .unwrap();
        let bank = VoiceBank::load(dir.path());
        assert!(bank.has("một"));
        assert!(!bank.has("hai"));
        // Without a usable set the embedded one is used.
        assert!(VoiceBank::load(std::path::Path::new("/nonexistent")).has("hai"));
    }
}
