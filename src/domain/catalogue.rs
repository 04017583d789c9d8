//! The procedure catalogue (`danh mục thủ tục hành chính`): what the center can receive,
//! as the province publishes it. Exported and imported as one JSON document so that the
//! province's list (and later a signed data bundle) replaces it wholesale; each procedure
//! carries its own version, bumped when its content changes, and a dossier freezes the
//! version it was received under (see [`ProcedureSnapshot`]).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::dossier::ProcedureSnapshot;

/// The catalogue as exported and imported.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Catalogue {
    /// Bumped on every change; shown on public pages as "danh mục phiên bản N".
    #[serde(default)]
    pub version: u32,
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
    pub procedures: Vec<ProcedureSnapshot>,
}

/// Why an import was refused: every bad entry with its reason, nothing applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueErrors(pub Vec<String>);

impl std::fmt::Display for CatalogueErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Danh mục không hợp lệ: {}", self.0.join("; "))
    }
}

impl Catalogue {
    /// Checks every entry (codes unique, snapshots valid, areas known) and lists all
    /// problems at once.
    pub fn validate(
        procedures: &[ProcedureSnapshot],
        known_areas: &BTreeSet<u32>,
    ) -> Result<(), CatalogueErrors> {
        let mut errors = Vec::new();
        let mut seen = BTreeSet::new();
        for (i, p) in procedures.iter().enumerate() {
            let at = format!("mục {} ({})", i + 1, p.code);
            // The version is assigned on merge, so check the rest with a valid one.
            let probe = ProcedureSnapshot {
                version: p.version.max(1),
                ..p.clone()
            };
            if let Err(e) = probe.validate() {
                errors.push(format!("{at}: {e}"));
            }
            if !seen.insert(p.code.clone()) {
                errors.push(format!("{at}: mã thủ tục bị trùng"));
            }
            if !known_areas.contains(&p.area) {
                errors.push(format!("{at}: lĩnh vực {} không tồn tại", p.area));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(CatalogueErrors(errors))
        }
    }

    /// The catalogue after importing `incoming` (the full new list): unchanged entries keep
    /// their version, changed or new ones get the next version of that code; entries not
    /// in the list are dropped from the catalogue (dossiers keep their snapshots).
    /// Returns the new catalogue and how many entries changed.
    pub fn merged(
        &self,
        incoming: Vec<ProcedureSnapshot>,
        now: DateTime<Utc>,
    ) -> (Catalogue, usize) {
        let old: BTreeMap<&str, &ProcedureSnapshot> = self
            .procedures
            .iter()
            .map(|p| (p.code.as_str(), p))
            .collect();
        let mut changed = 0;
        let mut out = Vec::with_capacity(incoming.len());
        for mut p in incoming {
            match old.get(p.code.as_str()) {
                Some(o) => {
                    p.version = o.version;
                    if **o != p {
                        p.version = o.version + 1;
                        changed += 1;
                    }
                }
                None => {
                    p.version = 1;
                    changed += 1;
                }
            }
            out.push(p);
        }
        changed += old
            .keys()
            .filter(|c| !out.iter().any(|p| p.code == **c))
            .count();
        let (version, updated_at) = if changed > 0 {
            (self.version + 1, Some(now))
        } else {
            (self.version, self.updated_at)
        };
        (
            Catalogue {
                version,
                updated_at,
                procedures: out,
            },
            changed,
        )
    }

    pub fn get(&self, code: &str) -> Option<&ProcedureSnapshot> {
        self.procedures.iter().find(|p| p.code == code)
    }
}

/// The demo's procedure catalogue: the common commune procedures of DOMAIN.md §8. The
/// `Tư pháp` ones carry their national codes; for the other areas DOMAIN.md gives no
/// code, so they use local `DP.*` codes and say so, to be replaced by the province's list.
pub fn demo_catalogue(areas: &[u32; 4]) -> Vec<crate::domain::dossier::ProcedureSnapshot> {
    use crate::domain::dossier::{
        OnlineLevel, Paper, PaperKind, ProcedureSnapshot, StatutoryTime, TimeUnit,
    };
    let paper = |name: &str, kind: PaperKind| Paper {
        name: name.into(),
        kind,
        count: 1,
    };
    let same_day = |extra: u32| StatutoryTime {
        amount: 0,
        unit: TimeUnit::SameDay15h,
        extra_working_days: extra,
    };
    let wd = |n: u32| StatutoryTime {
        amount: n,
        unit: TimeUnit::WorkingDays,
        extra_working_days: 0,
    };
    #[allow(clippy::too_many_arguments)]
    let p = |code: &str,
             name: &str,
             area: u32,
             duration: StatutoryTime,
             fee_vnd: Option<u64>,
             fee_note: &str,
             papers: Vec<Paper>,
             result: &str,
             online: OnlineLevel,
             basis: &str| ProcedureSnapshot {
        code: code.into(),
        name: name.into(),
        area,
        duration,
        fee_vnd,
        fee_note: fee_note.into(),
        papers,
        result_type: result.into(),
        online_level: online,
        legal_basis: basis.into(),
        // The national portal (dichvucong.gov.vn) finds a procedure by its code; the
        // province's catalogue carries each procedure's own page address.
        portal_url: if online == OnlineLevel::InfoOnly {
            String::new()
        } else {
            "https://dichvucong.gov.vn".into()
        },
        // Certified copies are charged by page (Circular 226/2016).
        page_fee: (code == "2.000815").then(crate::domain::ecopy::PageFee::default),
        version: 1,
    };
    const SAMPLE: &str = "Dữ liệu mẫu: thay bằng danh mục thủ tục do tỉnh công bố";
    use PaperKind::*;
    vec![
        p(
            "1.001193",
            "Đăng ký khai sinh",
            areas[0],
            same_day(0),
            Some(0),
            "Miễn lệ phí khi đăng ký đúng hạn; quá hạn theo mức của HĐND tỉnh",
            vec![
                paper("Tờ khai đăng ký khai sinh", Original),
                paper("Giấy chứng sinh hoặc giấy tờ thay thế", Original),
            ],
            "Giấy khai sinh (bản chính)",
            OnlineLevel::Full,
            "Luật Hộ tịch 2014; Nghị định 123/2015/NĐ-CP",
        ),
        p(
            "1.000894",
            "Đăng ký kết hôn",
            areas[0],
            same_day(0),
            Some(0),
            "Miễn lệ phí đăng ký kết hôn trong nước",
            vec![
                paper("Tờ khai đăng ký kết hôn", Original),
                paper(
                    "Giấy xác nhận tình trạng hôn nhân (nếu không thường trú tại xã)",
                    Original,
                ),
            ],
            "Giấy chứng nhận kết hôn",
            OnlineLevel::Partial,
            "Luật Hộ tịch 2014; Nghị định 123/2015/NĐ-CP",
        ),
        p(
            "1.000656",
            "Đăng ký khai tử",
            areas[0],
            same_day(0),
            Some(0),
            "Miễn lệ phí khi đăng ký đúng hạn",
            vec![
                paper("Tờ khai đăng ký khai tử", Original),
                paper("Giấy báo tử hoặc giấy tờ thay thế", Original),
            ],
            "Trích lục khai tử",
            OnlineLevel::Full,
            "Luật Hộ tịch 2014; Nghị định 123/2015/NĐ-CP",
        ),
        p(
            "1.004873",
            "Xác nhận tình trạng hôn nhân",
            areas[0],
            wd(3),
            None,
            "Theo mức của HĐND tỉnh",
            vec![paper(
                "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân",
                Original,
            )],
            "Giấy xác nhận tình trạng hôn nhân",
            OnlineLevel::Full,
            "Luật Hộ tịch 2014; Nghị định 123/2015/NĐ-CP",
        ),
        p(
            "2.000815",
            "Chứng thực bản sao từ bản chính",
            areas[0],
            same_day(2),
            Some(2000),
            "2.000 đồng/trang cho trang 1–2, từ trang 3 là 1.000 đồng/trang, tối đa 200.000 đồng/bản",
            vec![
                paper("Bản chính giấy tờ, văn bản", Original),
                paper("Bản sao cần chứng thực", Copy),
            ],
            "Bản sao được chứng thực từ bản chính",
            OnlineLevel::Partial,
            "Nghị định 23/2015/NĐ-CP; Thông tư 226/2016/TT-BTC",
        ),
        p(
            "DP.VHXH.01",
            "Trợ cấp xã hội hằng tháng",
            areas[1],
            wd(7),
            Some(0),
            "Không thu phí",
            vec![
                paper("Tờ khai đề nghị trợ cấp xã hội", Original),
                paper("Giấy tờ chứng minh thuộc đối tượng hưởng", CertifiedCopy),
            ],
            "Quyết định trợ cấp xã hội",
            OnlineLevel::Partial,
            &format!("Nghị định 20/2021/NĐ-CP. {SAMPLE}"),
        ),
        p(
            "DP.KD.01",
            "Đăng ký thành lập hộ kinh doanh",
            areas[2],
            wd(3),
            None,
            "Theo mức của HĐND tỉnh",
            vec![
                paper("Giấy đề nghị đăng ký hộ kinh doanh", Original),
                paper("Giấy tờ pháp lý của chủ hộ kinh doanh", Copy),
            ],
            "Giấy chứng nhận đăng ký hộ kinh doanh",
            OnlineLevel::Full,
            &format!("Nghị định 168/2025/NĐ-CP. {SAMPLE}"),
        ),
        p(
            "DP.NNMT.01",
            "Đăng ký biến động đất đai",
            areas[3],
            wd(10),
            None,
            "Theo mức của HĐND tỉnh",
            vec![
                paper("Đơn đăng ký biến động đất đai", Original),
                paper("Giấy chứng nhận quyền sử dụng đất đã cấp", Original),
            ],
            "Giấy chứng nhận được xác nhận nội dung biến động",
            OnlineLevel::Partial,
            &format!("Luật Đất đai 2024; Nghị định 151/2025/NĐ-CP. {SAMPLE}"),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::dossier::{OnlineLevel, Paper, PaperKind, StatutoryTime, TimeUnit};
    use chrono::TimeZone;

    fn proc(code: &str, area: u32) -> ProcedureSnapshot {
        ProcedureSnapshot {
            code: code.into(),
            name: format!("Thủ tục {code}"),
            area,
            duration: StatutoryTime {
                amount: 3,
                unit: TimeUnit::WorkingDays,
                extra_working_days: 0,
            },
            fee_vnd: None,
            fee_note: String::new(),
            papers: vec![Paper {
                name: "Tờ khai".into(),
                kind: PaperKind::Original,
                count: 1,
            }],
            result_type: "Giấy xác nhận".into(),
            online_level: OnlineLevel::Partial,
            legal_basis: String::new(),
            portal_url: String::new(),
            page_fee: None,
            version: 0,
        }
    }

    #[test]
    fn validation_lists_every_problem() {
        let areas: BTreeSet<u32> = [1, 2].into();
        let mut bad = proc("1.000001", 1);
        bad.name = " ".into();
        let list = vec![
            proc("1.000001", 1),
            proc("1.000001", 2),
            proc("abc", 1),
            proc("2.000002", 9),
            bad,
        ];
        let errs = Catalogue::validate(&list, &areas).unwrap_err().0;
        assert_eq!(errs.len(), 5, "{errs:?}");
        assert!(errs[0].contains("mục 2") && errs[0].contains("trùng"));
        assert!(errs[1].contains("mục 3") && errs[1].contains("mã thủ tục"));
        assert!(errs[2].contains("lĩnh vực 9"));
        assert!(errs[3].contains("mục 5"), "{errs:?}");
        assert!(errs[4].contains("trùng"));
        assert!(Catalogue::validate(&[proc("1.000001", 1)], &areas).is_ok());
    }

    #[test]
    fn merge_bumps_only_what_changed() {
        let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let t1 = Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap();
        let (c1, n) = Catalogue::default().merged(vec![proc("1.1", 1), proc("1.2", 1)], t0);
        assert_eq!((c1.version, n), (1, 2));
        assert!(c1.procedures.iter().all(|p| p.version == 1));
        // Same content again: nothing changes, not even the date.
        let (same, n) = c1.merged(vec![proc("1.1", 1), proc("1.2", 1)], t1);
        assert_eq!((same.version, n, same.updated_at), (1, 0, Some(t0)));
        // One edited, one dropped, one new.
        let mut edited = proc("1.1", 1);
        edited.fee_vnd = Some(8000);
        let (c2, n) = c1.merged(vec![edited, proc("1.3", 2)], t1);
        assert_eq!((c2.version, n), (2, 3));
        assert_eq!(c2.get("1.1").unwrap().version, 2);
        assert_eq!(c2.get("1.3").unwrap().version, 1);
        assert!(c2.get("1.2").is_none());
        assert_eq!(c2.updated_at, Some(t1));
    }
}
