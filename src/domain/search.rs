//! Finding a procedure by the words a citizen types on the kiosk or a phone: with or
//! without diacritics (`chứng thực`, `chung thuc`, even `chưng thưc` with the wrong tone
//! marks), and with a small typo (`khai sinhh`). Ranking puts the exact name first, then
//! names containing the phrase, then names with every word, then matches found only in
//! the papers or the result.

use unicode_normalization::UnicodeNormalization;

use super::dossier::ProcedureSnapshot;

/// Lower-case, without tone marks or vowel marks, `đ` → `d`, spaces collapsed:
/// `Đăng ký Khai sinh` → `dang ky khai sinh`.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = true;
    for c in s.nfd() {
        let c = match c {
            'đ' | 'Đ' => 'd',
            // Combining marks (tones, breve, circumflex, horn) are dropped.
            '\u{0300}'..='\u{036f}' => continue,
            c => c,
        };
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    out.trim_end().to_string()
}

/// Edit distance allowed for a query word: none for short words (`xa`, `ho`), one for
/// ordinary ones, two for long ones.
fn tolerance(word: &str) -> usize {
    match word.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Does the query word match a word of the text: equal, a prefix of it (typing is still
/// going on), or within the tolerated edit distance?
fn word_matches(q: &str, w: &str) -> bool {
    if w.starts_with(q) {
        return true;
    }
    let tol = tolerance(q);
    tol > 0 && w.len().abs_diff(q.len()) <= tol && strsim::levenshtein(q, w) <= tol
}

fn all_words_in(query: &[&str], text: &str, typos: bool) -> bool {
    let words: Vec<&str> = text.split(' ').collect();
    query.iter().all(|q| {
        words.iter().any(|w| {
            if typos {
                word_matches(q, w)
            } else {
                w.starts_with(q)
            }
        })
    })
}

/// Score of one procedure for a folded query (higher is better), `None` when it does not
/// match at all.
pub fn score(p: &ProcedureSnapshot, folded_query: &str) -> Option<u32> {
    let q = folded_query.trim();
    if q.is_empty() {
        return None;
    }
    let name = fold(&p.name);
    let words: Vec<&str> = q.split(' ').collect();
    if name == q {
        return Some(1000);
    }
    if p.code.to_lowercase() == q {
        return Some(900);
    }
    if name.contains(q) {
        // Shorter names containing the phrase are closer to what was asked.
        return Some(800 - (name.len().min(300) as u32));
    }
    if all_words_in(&words, &name, true) {
        return Some(500 - (name.len().min(300) as u32));
    }
    let rest = fold(&format!(
        "{} {} {}",
        p.result_type,
        p.papers
            .iter()
            .map(|x| x.name.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        p.code
    ));
    // Papers and results are long texts of common words: there, words must be spelled
    // right (typos are only forgiven against names), or everything matches everything.
    if all_words_in(&words, &format!("{name} {rest}"), false) {
        return Some(100);
    }
    None
}

/// The procedures matching `query`, best first (ties keep catalogue order).
pub fn search<'a>(procedures: &'a [ProcedureSnapshot], query: &str) -> Vec<&'a ProcedureSnapshot> {
    let q = fold(query);
    let mut hits: Vec<(u32, usize, &ProcedureSnapshot)> = procedures
        .iter()
        .enumerate()
        .filter_map(|(i, p)| score(p, &q).map(|s| (s, i, p)))
        .collect();
    hits.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    hits.into_iter().map(|(_, _, p)| p).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalogue::demo_catalogue;

    fn names(q: &str) -> Vec<String> {
        let cat = demo_catalogue(&[1, 2, 3, 4]);
        search(&cat, q).iter().map(|p| p.name.clone()).collect()
    }

    #[test]
    fn folding_drops_every_mark() {
        assert_eq!(fold("Đăng ký  Khai sinh!"), "dang ky khai sinh");
        assert_eq!(fold("CHỨNG THỰC bản sao"), "chung thuc ban sao");
        assert_eq!(fold("chưng thưc"), "chung thuc");
        assert_eq!(fold("Hộ kinh doanh"), "ho kinh doanh");
        assert_eq!(fold("  "), "");
    }

    #[test]
    fn diacritics_do_not_matter() {
        let want = vec!["Chứng thực bản sao từ bản chính".to_string()];
        assert_eq!(names("chứng thực"), want);
        assert_eq!(names("chung thuc"), want);
        assert_eq!(names("chưng thưc"), want);
        assert_eq!(names("CHUNG THUC"), want);
    }

    #[test]
    fn small_typos_are_tolerated() {
        assert_eq!(names("khai sinhh")[0], "Đăng ký khai sinh");
        assert_eq!(names("ket hon")[0], "Đăng ký kết hôn");
        assert_eq!(names("kêt hôn")[0], "Đăng ký kết hôn");
        assert_eq!(names("hon nhan")[0], "Xác nhận tình trạng hôn nhân");
        assert_eq!(names("kinh doan")[0], "Đăng ký thành lập hộ kinh doanh");
        assert!(names("xyz").is_empty());
        assert!(names("").is_empty());
    }

    #[test]
    fn exact_name_first_then_phrase_then_words() {
        // "đăng ký" is in three names; the exact name wins when typed in full.
        let r = names("dang ky khai tu");
        assert_eq!(r[0], "Đăng ký khai tử");
        let r = names("đăng ký");
        assert!(r.len() >= 4, "{r:?}");
        assert!(r.iter().all(|n| fold(n).contains("dang ky")), "{r:?}");
        // A word found only in the papers still finds the procedure, ranked last.
        let r = names("giấy chứng sinh");
        assert_eq!(r, vec!["Đăng ký khai sinh".to_string()]);
        // The national code works too.
        assert_eq!(
            names("1.004873"),
            vec!["Xác nhận tình trạng hôn nhân".to_string()]
        );
    }
}
