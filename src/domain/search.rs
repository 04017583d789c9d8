//! Finding a procedure by the words a citizen types on the kiosk or a phone: with or
//! without diacritics (`chứng thực`, `chung thuc`, even `chưng thưc` with the wrong tone
//! marks), and with a small typo (`khai sinhh`). Ranking puts the exact name first, then
//! names containing the phrase, then names with every word, then matches found only in
//! the papers or the result. The words citizens use ("sao y", "giấy độc thân") are
//! translated into the catalogue's, and words typed without spaces ("khaisinh") match.

use std::collections::HashMap;

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

/// What citizens say, folded, and the words the catalogue uses for it. A citizen asks
/// for a "bản sao y" or to "công chứng" a paper where the commune "chứng thực" it; a
/// "giấy độc thân" is the certificate of marital status; a death is "báo tử".
const CITIZEN_WORDS: &[(&str, &str)] = &[
    ("sao y ban chinh", "chung thuc ban sao"),
    ("ban sao y", "chung thuc ban sao"),
    ("sao y", "chung thuc ban sao"),
    ("photo cong chung", "chung thuc ban sao"),
    ("cong chung", "chung thuc"),
    ("giay doc than", "tinh trang hon nhan"),
    ("xac nhan doc than", "tinh trang hon nhan"),
    ("doc than", "tinh trang hon nhan"),
    ("lam giay khai sinh", "khai sinh"),
    ("giay khai sinh", "khai sinh"),
    ("bao tu", "khai tu"),
    ("giay chung tu", "khai tu"),
    ("giay phep kinh doanh", "ho kinh doanh"),
    ("mo cua hang", "ho kinh doanh"),
    ("dang ky kinh doanh", "ho kinh doanh"),
    ("giay ket hon", "ket hon"),
    ("lay vo", "ket hon"),
    ("lay chong", "ket hon"),
];

/// The query with a citizen's words put into the catalogue's (`None` when none apply).
fn official_words(q: &str) -> Option<String> {
    let padded = format!(" {q} ");
    for (said, official) in CITIZEN_WORDS {
        let needle = format!(" {said} ");
        if padded.contains(&needle) {
            return Some(
                padded
                    .replacen(&needle, &format!(" {official} "), 1)
                    .trim()
                    .to_string(),
            );
        }
    }
    None
}

/// Does `phrase` occur in `text` starting at a word (so `khai` finds `khai sinh` but
/// `hai` ranks below it)?
fn at_word_start(text: &str, phrase: &str) -> bool {
    text.match_indices(phrase)
        .any(|(i, _)| i == 0 || text.as_bytes()[i - 1] == b' ')
}

/// Score of one procedure for a folded query (higher is better), `None` when it does not
/// match at all. Equal scores are ordered by how often the procedure is asked for, then
/// by catalogue order (see [`search_ranked`]), never by name length: "khai" must find the
/// birth registration a commune does every day before the death registration.
pub fn score(p: &ProcedureSnapshot, folded_query: &str) -> Option<u32> {
    let q = folded_query.trim();
    if q.is_empty() {
        return None;
    }
    let direct = score_words(p, q);
    let translated = official_words(q)
        .and_then(|o| score_words(p, &o))
        .map(|s| s.saturating_sub(50));
    direct.max(translated)
}

fn score_words(p: &ProcedureSnapshot, q: &str) -> Option<u32> {
    let name = fold(&p.name);
    let words: Vec<&str> = q.split(' ').collect();
    if name == q {
        return Some(1000);
    }
    if p.code.to_lowercase() == q {
        return Some(900);
    }
    if at_word_start(&name, q) {
        return Some(800);
    }
    // Typed without spaces ("khaisinh", "kethon"): the same phrase once spaces are gone.
    let joined_q: String = q.chars().filter(|c| *c != ' ').collect();
    if joined_q.chars().count() >= 5 {
        let joined_name: String = name.chars().filter(|c| *c != ' ').collect();
        if joined_name.contains(&joined_q) {
            return Some(700);
        }
    }
    if name.contains(q) {
        return Some(600);
    }
    if all_words_in(&words, &name, true) {
        return Some(500);
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

/// The procedures matching `query`, best first; ties keep catalogue order.
pub fn search<'a>(procedures: &'a [ProcedureSnapshot], query: &str) -> Vec<&'a ProcedureSnapshot> {
    search_ranked(procedures, query, &HashMap::new())
}

/// The procedures matching `query`, best first; among equal matches, the ones received
/// most often (`asked`: dossiers per procedure code, e.g. over the last year) first, then
/// catalogue order.
pub fn search_ranked<'a>(
    procedures: &'a [ProcedureSnapshot],
    query: &str,
    asked: &HashMap<String, u64>,
) -> Vec<&'a ProcedureSnapshot> {
    let q = fold(query);
    let mut hits: Vec<(u32, u64, usize, &ProcedureSnapshot)> = procedures
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            score(p, &q).map(|s| (s, asked.get(&p.code).copied().unwrap_or(0), i, p))
        })
        .collect();
    hits.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    hits.into_iter().map(|(_, _, _, p)| p).collect()
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

    #[test]
    fn a_word_start_ranks_by_catalogue_order_not_name_length() {
        // Both names contain "khai" at a word; the catalogue lists birth first.
        let r = names("khai");
        assert_eq!(r[0], "Đăng ký khai sinh", "{r:?}");
        assert_eq!(r[1], "Đăng ký khai tử", "{r:?}");
    }

    #[test]
    fn what_people_ask_for_most_comes_first_among_equals() {
        let cat = demo_catalogue(&[1, 2, 3, 4]);
        let death = cat.iter().find(|p| p.name == "Đăng ký khai tử").unwrap();
        let asked = HashMap::from([(death.code.clone(), 5u64)]);
        let r: Vec<&str> = search_ranked(&cat, "khai", &asked)
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(r[0], "Đăng ký khai tử");
        // A better match still beats a more frequent one.
        let r = search_ranked(&cat, "khai sinh", &asked);
        assert_eq!(r[0].name, "Đăng ký khai sinh");
    }

    #[test]
    fn citizens_words_and_words_without_spaces_find_the_procedure() {
        assert_eq!(names("sao y")[0], "Chứng thực bản sao từ bản chính");
        assert_eq!(names("bản sao y")[0], "Chứng thực bản sao từ bản chính");
        assert_eq!(names("công chứng")[0], "Chứng thực bản sao từ bản chính");
        assert_eq!(names("giấy độc thân")[0], "Xác nhận tình trạng hôn nhân");
        assert_eq!(names("khaisinh")[0], "Đăng ký khai sinh");
        assert_eq!(names("kethon")[0], "Đăng ký kết hôn");
        // A short query is never read as joined words: "hon" finds names with that word
        // (kết hôn, hôn nhân), not every name whose letters run together into it.
        let cat = demo_catalogue(&[1, 2, 3, 4]);
        let joined_only = cat.iter().filter(|p| {
            let n = fold(&p.name);
            !n.split(' ').any(|w| w.starts_with("hon")) && n.replace(' ', "").contains("hon")
        });
        for p in joined_only {
            assert!(score_words(p, "hon").is_none_or(|s| s < 700), "{}", p.name);
        }
    }
}
