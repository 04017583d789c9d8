//! Why a dossier action is refused.

use super::*;

// Errors.

/// Dossier rule violations, with messages shown to officers as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DossierError {
    #[error("Không thể {} khi hồ sơ đang ở trạng thái \"{}\"", action.label_vi(), from.label_vi())]
    IllegalTransition { action: ActionKind, from: Status },
    #[error("Cần ghi rõ lý do khi {}", action.label_vi())]
    ReasonRequired { action: ActionKind },
    #[error("Chưa xác định người thực hiện thao tác")]
    ActorRequired,
    #[error("Cần chọn cán bộ nhận hồ sơ")]
    OfficerRequired,
    #[error("Hồ sơ đang do {holder} giữ, {from} không thể chuyển")]
    NotHolder { holder: String, from: String },
    #[error("Người giao và người nhận hồ sơ trùng nhau")]
    SameOfficer,
    #[error("Phiếu yêu cầu bổ sung phải liệt kê ít nhất một giấy tờ, có tên và số lượng")]
    MissingPapersRequired,
    #[error("Thời hạn không được sớm hơn thời điểm thực hiện")]
    DueBeforeNow,
    #[error("Hồ sơ chưa được tiếp nhận nên chưa có ngày hẹn trả")]
    NoDeadlineYet,
    #[error("Đã gửi văn bản xin lỗi và hẹn lại ngày trả kết quả; chỉ được hẹn lại một lần")]
    ApologyAlreadySent,
    #[error("Ngày hẹn trả mới phải sau ngày hẹn trả hiện tại")]
    NewDueNotLater,
    #[error("Thời điểm thao tác sớm hơn thao tác trước đó của hồ sơ")]
    TimeWentBackwards,
    #[error("Mã cơ quan \"{0}\" không hợp lệ: chỉ gồm chữ in hoa, chữ số và dấu chấm")]
    InvalidAgency(String),
    #[error("Mã hồ sơ \"{code}\" không hợp lệ: {reason}")]
    InvalidDossierCode { code: String, reason: &'static str },
    #[error("Thông tin thủ tục không hợp lệ: {0}")]
    InvalidSnapshot(&'static str),
}

impl DossierError {
    /// Stable machine code for APIs and logs (messages may be reworded, codes may not).
    pub fn code(&self) -> &'static str {
        match self {
            DossierError::IllegalTransition { .. } => "illegal_transition",
            DossierError::ReasonRequired { .. } => "reason_required",
            DossierError::ActorRequired => "actor_required",
            DossierError::OfficerRequired => "officer_required",
            DossierError::NotHolder { .. } => "not_holder",
            DossierError::SameOfficer => "same_officer",
            DossierError::MissingPapersRequired => "missing_papers_required",
            DossierError::DueBeforeNow => "due_before_now",
            DossierError::NoDeadlineYet => "no_deadline_yet",
            DossierError::ApologyAlreadySent => "apology_already_sent",
            DossierError::NewDueNotLater => "new_due_not_later",
            DossierError::TimeWentBackwards => "time_went_backwards",
            DossierError::InvalidAgency(_) => "invalid_agency",
            DossierError::InvalidDossierCode { .. } => "invalid_dossier_code",
            DossierError::InvalidSnapshot(_) => "invalid_snapshot",
        }
    }
}
