//! The national status codes (1–10) and reception channels.

use std::fmt;

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

// Status and channel: serialized as the national integer codes, because that is what the
// provincial sync (QCVN 120:2019 packets) and every report speak.

/// A dossier's status, exactly the national `TrangThaiHoSo` enum. Flags such as "overdue"
/// are deliberately not statuses: they are derived from dates (§5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// 1 — filed online, not yet checked by the desk.
    New = 1,
    /// 2 — accepted at the desk (Mẫu 01 issued); the statutory clock runs.
    Accepted = 2,
    /// 3 — refused at reception (Mẫu 03). Terminal.
    Refused = 3,
    /// 4 — being processed.
    InProgress = 4,
    /// 5 — waiting for the citizen's supplementary documents (Mẫu 02); the clock pauses.
    SupplementRequested = 5,
    /// 6 — waiting for the citizen's financial obligations (fees, taxes); the clock pauses.
    FeesDue = 6,
    /// 7 — withdrawn at the citizen's request. Terminal.
    Withdrawn = 7,
    /// 8 — processing stopped (Mẫu 05). Terminal.
    Stopped = 8,
    /// 9 — result ready, waiting to be handed over.
    Resolved = 9,
    /// 10 — result handed over. Terminal.
    Returned = 10,
}

impl Status {
    /// Every status, in code order (tables and tests iterate over it).
    pub const ALL: [Status; 10] = [
        Status::New,
        Status::Accepted,
        Status::Refused,
        Status::InProgress,
        Status::SupplementRequested,
        Status::FeesDue,
        Status::Withdrawn,
        Status::Stopped,
        Status::Resolved,
        Status::Returned,
    ];

    /// The national integer code.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The status of a national code; `None` outside 1–10.
    pub fn from_code(code: u8) -> Option<Status> {
        Status::ALL.iter().copied().find(|s| s.code() == code)
    }

    /// The label used by the national portal and printed on forms.
    pub fn label_vi(self) -> &'static str {
        match self {
            Status::New => "Mới đăng ký",
            Status::Accepted => "Được tiếp nhận",
            Status::Refused => "Không được tiếp nhận",
            Status::InProgress => "Đang xử lý",
            Status::SupplementRequested => "Yêu cầu bổ sung giấy tờ",
            Status::FeesDue => "Yêu cầu thực hiện nghĩa vụ tài chính",
            Status::Withdrawn => "Công dân yêu cầu rút hồ sơ",
            Status::Stopped => "Dừng xử lý",
            Status::Resolved => "Đã xử lý xong",
            Status::Returned => "Đã trả kết quả",
        }
    }

    /// No action can leave these. `Resolved` (9) is not terminal: the result still has to
    /// be handed over.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Status::Refused | Status::Withdrawn | Status::Stopped | Status::Returned
        )
    }

    /// Statuses in which the statutory clock waits for the citizen.
    pub fn is_paused(self) -> bool {
        matches!(self, Status::SupplementRequested | Status::FeesDue)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label_vi())
    }
}

/// How the dossier was filed: the national `KenhThucHien`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    Direct = 1,
    Online = 2,
    Postal = 3,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Direct, Channel::Online, Channel::Postal];

    pub fn code(self) -> u8 {
        self as u8
    }

    pub fn from_code(code: u8) -> Option<Channel> {
        Channel::ALL.iter().copied().find(|c| c.code() == code)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Channel::Direct => "Trực tiếp",
            Channel::Online => "Trực tuyến",
            Channel::Postal => "Qua dịch vụ bưu chính",
        }
    }
}

/// Serde as the bare national integer, rejecting unknown codes on the way in.
macro_rules! serde_as_code {
    ($ty:ident, $what:literal) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_u8(self.code())
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let code = u8::deserialize(d)?;
                $ty::from_code(code)
                    .ok_or_else(|| de::Error::custom(format!("{} không hợp lệ: {code}", $what)))
            }
        }
    };
}
serde_as_code!(Status, "mã trạng thái hồ sơ");
serde_as_code!(Channel, "mã kênh thực hiện");
