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
