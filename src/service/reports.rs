//! Reports: the dossier report (Biểu 06 with the three on-time rates) per area, procedure
//! or officer, over any period, with the period's ratings beside it.
//!
//! Computed by one pass over the dossiers received before the period's end (a read
//! transaction, one record at a time). Aggregates maintained with the events, which make a
//! year's report cost the same at any volume, are the next step (see BENCHMARKS.md).

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveTime};
use serde::Serialize;

use super::{Result, ServiceError, Services};
use crate::domain::rating::RatingSummary;
use crate::domain::report::{self, Facts, GroupBy, Rates, Row};
use crate::domain::time::from_local_naive;

#[derive(Debug, Clone, Serialize)]
pub struct ReportRow {
    pub key: String,
    pub label: String,
    #[serde(flatten)]
    pub row: Row,
    pub rates: Rates,
}

/// The dossier report as the API returns it: the total's columns at the top level.
#[derive(Debug, Clone, Serialize)]
pub struct DossierReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub group: GroupBy,
    pub area: Option<u32>,
    #[serde(flatten)]
    pub total: Row,
    pub rates: Rates,
    pub rows: Vec<ReportRow>,
    pub ratings: RatingSummary,
}

impl Services {
    pub fn dossier_report(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        area: Option<u32>,
        group: GroupBy,
    ) -> Result<DossierReport> {
        if to < from {
            return Err(ServiceError::Invalid(
                "Ngày kết thúc kỳ báo cáo phải sau ngày bắt đầu".into(),
            ));
        }
        if (to - from).num_days() > 3700 {
            return Err(ServiceError::Invalid("Kỳ báo cáo dài quá 10 năm".into()));
        }
        let start = from_local_naive(from.and_time(NaiveTime::MIN));
        let end = from_local_naive(
            to.succ_opt()
                .ok_or_else(|| ServiceError::Invalid("Ngày không hợp lệ".into()))?
                .and_time(NaiveTime::MIN),
        );
        let mut facts = Vec::new();
        self.store
            .read()?
            .scan_dossiers_before(end.timestamp(), |d| {
                if let Some(f) = Facts::of(d).filter(|f| area.is_none_or(|a| f.area == a)) {
                    // Only what can play a part: received in the period, or open at its start.
                    if f.received_at >= start
                        || f.resolved_at.or(f.closed_at).is_none_or(|t| t >= start)
                    {
                        facts.push(f);
                    }
                }
            })?;
        let rep = report::build(&facts, start, end, group);
        let labels: HashMap<String, String> = match group {
            GroupBy::Area => self
                .services()?
                .into_iter()
                .map(|a| (format!("{:06}", a.id), a.name))
                .collect(),
            GroupBy::Procedure => self
                .catalogue()?
                .procedures
                .into_iter()
                .map(|p| (p.code, p.name))
                .collect(),
            GroupBy::Officer => self
                .users()?
                .into_iter()
                .map(|u| (u.username, u.display_name))
                .collect(),
        };
        let (ratings, _) = self.ratings_between(from, to)?;
        Ok(DossierReport {
            from,
            to,
            group,
            area,
            rates: rep.total.rates(),
            total: rep.total,
            rows: rep
                .rows
                .into_iter()
                .map(|(key, row)| ReportRow {
                    label: labels.get(&key).cloned().unwrap_or_else(|| {
                        if key.is_empty() {
                            "(chưa phân công)".into()
                        } else {
                            key.trim_start_matches('0').to_string()
                        }
                    }),
                    key: key.trim_start_matches('0').to_string(),
                    rates: row.rates(),
                    row,
                })
                .collect(),
            ratings,
        })
    }
}

/// The report as CSV with the columns of Biểu 06 (Vietnamese headers), then the rates.
pub fn report_csv(r: &DossierReport) -> String {
    let mut out = String::from(
        "STT,Lĩnh vực / nội dung,Tổng số tiếp nhận,Trực tuyến,Trực tiếp và bưu chính,Kỳ trước chuyển qua,Đã giải quyết,Trước hạn,Đúng hạn,Quá hạn,Đang giải quyết,Trong hạn,Quá hạn (đang giải quyết),Từ chối/rút/dừng,Tỷ lệ A (%),Tỷ lệ B - QĐ 766 (%),Tỷ lệ C (%)\n",
    );
    let esc = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let line = |stt: &str, label: &str, row: &Row, rates: &Rates| {
        format!(
            "{stt},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            esc(label),
            row.received.total,
            row.received.online,
            row.received.direct,
            row.received.carried_over,
            row.resolved.total,
            row.resolved.early,
            row.resolved.on_time,
            row.resolved.late,
            row.in_progress.total,
            row.in_progress.within_deadline,
            row.in_progress.overdue,
            row.closed_other,
            esc(rates.resolved_on_time.percent.as_deref().unwrap_or("")),
            esc(rates.decision_766.percent.as_deref().unwrap_or("")),
            esc(rates.due_on_time.percent.as_deref().unwrap_or("")),
        )
    };
    for (i, row) in r.rows.iter().enumerate() {
        out.push_str(&line(
            &(i + 1).to_string(),
            &row.label,
            &row.row,
            &row.rates,
        ));
    }
    out.push_str(&line("", "Tổng cộng", &r.total, &r.rates));
    out
}

impl Services {
    /// The queue report of local days `from..=to`, groups labelled with names.
    pub fn queue_report(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        target_wait_minutes: u32,
    ) -> Result<crate::domain::queue_report::QueueReport> {
        if to < from {
            return Err(ServiceError::Invalid(
                "Ngày kết thúc kỳ báo cáo phải sau ngày bắt đầu".into(),
            ));
        }
        let tickets = self.store.read()?.tickets_on_days(from, to)?;
        let mut r = crate::domain::queue_report::build(&tickets, target_wait_minutes.clamp(1, 240));
        let areas: HashMap<String, String> = self
            .services()?
            .into_iter()
            .map(|a| (a.id.to_string(), a.name))
            .collect();
        let counters: HashMap<String, String> = self
            .counters()?
            .into_iter()
            .map(|c| (c.id.to_string(), format!("Quầy {} — {}", c.number, c.name)))
            .collect();
        let names: HashMap<String, String> = self
            .users()?
            .into_iter()
            .map(|u| (u.username, u.display_name))
            .collect();
        let label = |groups: &mut Vec<crate::domain::queue_report::Group>,
                     m: &HashMap<String, String>| {
            for g in groups.iter_mut() {
                if let Some(n) = m.get(&g.key) {
                    g.key = format!("{} ({})", n, g.key);
                }
            }
        };
        label(&mut r.by_area, &areas);
        label(&mut r.by_counter, &counters);
        label(&mut r.by_officer, &names);
        Ok(r)
    }
}
