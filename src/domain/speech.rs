//! Vietnamese speech for queue calls: turning a ticket number and a counter into
//! the list of words the TV board says, and those words into pre-recorded clips.
//!
//! Why a pure module: the reading rules (DOMAIN.md §2, "Voice" and "Reading
//! numbers") are the part most likely to be wrong in subtle, regional ways, so they
//! are kept free of I/O and clocks and are unit-tested row by row. The audio side
//! only needs to know which clip keys exist (`clip_sequence` takes a predicate), so
//! the same code works with the shipped espeak-ng clips and with a center's own
//! recordings.
//!
//! Words are always lowercase NFC strings, one syllable per word (Vietnamese is
//! written syllable by syllable, and the clip set is recorded per syllable), so
//! `"hai mươi mốt"` is `["hai", "mươi", "mốt"]`. Clip keys are those words joined by
//! single spaces.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

// ---------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------

/// How the digits of a ticket number are read. Numbering is unregulated, so each
/// center picks: digit by digit is unambiguous for letter+digits tickets
/// (`A015` → "a, không, một, năm"); full reading suits numeric blocks
/// (`1005` → "một nghìn không trăm linh năm").
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum NumberMode {
    /// Each digit on its own: "không", "một", "năm".
    #[default]
    Digits,
    /// The digit group read as a number: "mười lăm".
    Full,
}

/// Word for a zero in the tens place when units follow (105): northern/standard
/// "linh", southern "lẻ".
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum ZeroTens {
    /// "một trăm linh năm".
    #[default]
    Linh,
    /// "một trăm lẻ năm".
    Le,
}

/// Word for 1000: "nghìn" (north, standard) or "ngàn" (south).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Thousand {
    /// "một nghìn".
    #[default]
    Nghin,
    /// "một ngàn".
    Ngan,
}

/// Word for a units 4 after "mươi" (24, 34…): "tư" (default) or "bốn".
/// After "mười" (14) it is always "bốn", as DOMAIN.md's table says.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Four {
    /// "hai mươi tư".
    #[default]
    Tu,
    /// "hai mươi bốn".
    Bon,
}

/// Word for a units 5 after "mươi" (25, 35…): "lăm" (default) or the northern
/// "nhăm". After "mười" (15) it is always "lăm": nobody says "mười nhăm".
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Five {
    /// "hai mươi lăm".
    #[default]
    Lam,
    /// "hai mươi nhăm".
    Nham,
}

/// Per-center voice settings. Every field has a default so a partial config
/// (or an older one) still loads.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct SpeechSettings {
    /// Digit by digit, or the digit group read in full.
    pub number_mode: NumberMode,
    /// "linh" / "lẻ" for an empty tens place.
    pub zero_tens: ZeroTens,
    /// "nghìn" / "ngàn".
    pub thousand: Thousand,
    /// "tư" / "bốn" after "mươi".
    pub four_after_tens: Four,
    /// "lăm" / "nhăm" after "mươi".
    pub five_after_ten: Five,
    /// Spoken form of each prefix letter, e.g. `"b" → "bê"`. Lookups are
    /// case-insensitive (and NFC-insensitive). A letter missing here falls back to
    /// the built-in default, then to the letter itself.
    pub letter_names: BTreeMap<String, String>,
    /// Call phrase. Placeholders: `{số}` ticket number (per `number_mode`),
    /// `{quầy}` counter number (always read in full), `{tên quầy}` counter name.
    /// The ASCII spellings `{so}`, `{quay}`, `{ten quay}` are accepted too, for
    /// admins typing without a Vietnamese keyboard.
    pub template: String,
    /// How many times the phrase is said (DOMAIN.md: twice). 0 is treated as 1:
    /// a call nobody hears is a bug, not a setting.
    pub repeat: u8,
}

/// The default call phrase from DOMAIN.md §2.
pub const DEFAULT_TEMPLATE: &str = "Xin mời công dân có số thứ tự {số} đến quầy số {quầy}";

/// Built-in spoken names of the Latin letters used as ticket prefixes (the
/// Vietnamese way of saying them, as heard in practice).
const DEFAULT_LETTER_NAMES: [(&str, &str); 21] = [
    ("a", "a"),
    ("b", "bê"),
    ("c", "xê"),
    ("d", "dê"),
    ("đ", "đê"),
    ("e", "e"),
    ("g", "giê"),
    ("h", "hát"),
    ("k", "ca"),
    ("l", "e lờ"),
    ("m", "em mờ"),
    ("n", "en nờ"),
    ("p", "pê"),
    ("q", "quy"),
    ("r", "e rờ"),
    ("s", "ét sì"),
    ("t", "tê"),
    ("u", "u"),
    ("v", "vê"),
    ("x", "ích xì"),
    ("y", "i dài"),
];

impl Default for SpeechSettings {
    fn default() -> Self {
        SpeechSettings {
            number_mode: NumberMode::default(),
            zero_tens: ZeroTens::default(),
            thousand: Thousand::default(),
            four_after_tens: Four::default(),
            five_after_ten: Five::default(),
            letter_names: DEFAULT_LETTER_NAMES
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
            template: DEFAULT_TEMPLATE.to_string(),
            repeat: 2,
        }
    }
}

// ---------------------------------------------------------------------------
// Normalisation (lowercase + NFC for Vietnamese)
// ---------------------------------------------------------------------------

/// Vietnamese vowels by row (base letter + optional modifier mark) and column
/// (no tone, grave, acute, hook above, tilde, dot below). Used to compose
/// decomposed (NFD) input or "precomposed base + combining tone" input (as typed by
/// some keyboards and produced by Windows-1258 conversion) into NFC.
const VOWEL_ROWS: [(&str, char, Option<char>); 12] = [
    ("aàáảãạ", 'a', None),
    ("ăằắẳẵặ", 'a', Some('\u{306}')),
    ("âầấẩẫậ", 'a', Some('\u{302}')),
    ("eèéẻẽẹ", 'e', None),
    ("êềếểễệ", 'e', Some('\u{302}')),
    ("iìíỉĩị", 'i', None),
    ("oòóỏõọ", 'o', None),
    ("ôồốổỗộ", 'o', Some('\u{302}')),
    ("ơờớởỡợ", 'o', Some('\u{31b}')),
    ("uùúủũụ", 'u', None),
    ("ưừứửữự", 'u', Some('\u{31b}')),
    ("yỳýỷỹỵ", 'y', None),
];

/// Combining tone marks in `VOWEL_ROWS` column order (column = index + 1).
const TONE_MARKS: [char; 5] = ['\u{300}', '\u{301}', '\u{309}', '\u{303}', '\u{323}'];

/// Combining marks that change the vowel itself (circumflex, breve, horn).
const MODIFIER_MARKS: [char; 3] = ['\u{302}', '\u{306}', '\u{31b}'];

fn is_combining(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
}

/// (base, modifier, tone column) of a Vietnamese vowel, precomposed or not.
fn vowel_parts(c: char) -> Option<(char, Option<char>, usize)> {
    VOWEL_ROWS.iter().find_map(|(row, base, modifier)| {
        row.chars()
            .position(|x| x == c)
            .map(|col| (*base, *modifier, col))
    })
}

fn vowel_compose(base: char, modifier: Option<char>, tone: usize) -> Option<char> {
    VOWEL_ROWS
        .iter()
        .find(|(_, b, m)| *b == base && *m == modifier)
        .and_then(|(row, _, _)| row.chars().nth(tone))
}

/// Lowercases `s` and composes Vietnamese letters to NFC.
///
/// Why not a Unicode library: this module stays std-only. The composition covers
/// every Vietnamese letter (the only text the voice can say); other combining
/// sequences are left as they are. Marks are accepted in any order (IMEs differ),
/// which is slightly more lenient than strict NFC.
pub fn nfc_lower(s: &str) -> String {
    let lower = s.to_lowercase();
    let chars: Vec<char> = lower.chars().collect();
    let mut out = String::with_capacity(lower.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut j = i + 1;
        while j < chars.len() && is_combining(chars[j]) {
            j += 1;
        }
        let marks = &chars[i + 1..j];
        if marks.is_empty() {
            out.push(c);
        } else {
            match compose_with_marks(c, marks) {
                Some(composed) => out.push(composed),
                None => out.extend(&chars[i..j]),
            }
        }
        i = j;
    }
    out
}

fn compose_with_marks(c: char, marks: &[char]) -> Option<char> {
    let (base, mut modifier, mut tone) = vowel_parts(c)?;
    for m in marks {
        if MODIFIER_MARKS.contains(m) && modifier.is_none() {
            modifier = Some(*m);
        } else if let Some(p) = TONE_MARKS.iter().position(|t| t == m) {
            if tone != 0 {
                return None;
            }
            tone = p + 1;
        } else {
            return None;
        }
    }
    vowel_compose(base, modifier, tone)
}

/// Splits free text (template literal parts, counter names, letter names) into
/// lowercase NFC words. Punctuation separates words and is dropped. Runs of ASCII
/// digits inside text are read as a number in full ("Quầy 3" → "quầy ba"), so the
/// voice never meets a digit it has no clip for.
fn text_words(text: &str, s: &SpeechSettings, out: &mut Vec<String>) {
    let norm = nfc_lower(text);
    let mut word = String::new();
    let mut digits = String::new();
    for c in norm.chars() {
        if c.is_ascii_digit() {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            digits.push(c);
        } else if c.is_alphanumeric() || is_combining(c) {
            flush_digits_full(&mut digits, s, out);
            word.push(c);
        } else {
            flush_digits_full(&mut digits, s, out);
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
        }
    }
    flush_digits_full(&mut digits, s, out);
    if !word.is_empty() {
        out.push(word);
    }
}

/// Reads an accumulated run of ASCII digits in full and clears it. A run too long
/// for `u64` is read digit by digit instead (still speakable, never panics).
fn flush_digits_full(digits: &mut String, s: &SpeechSettings, out: &mut Vec<String>) {
    if digits.is_empty() {
        return;
    }
    match digits.parse::<u64>() {
        Ok(n) => out.extend(read_number_full(n, s)),
        Err(_) => out.extend(digits.chars().filter_map(digit_word).map(str::to_string)),
    }
    digits.clear();
}

// ---------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------

const DIGIT_WORDS: [&str; 10] = [
    "không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín",
];

fn digit_word(c: char) -> Option<&'static str> {
    c.to_digit(10).map(|d| DIGIT_WORDS[d as usize])
}

fn push(out: &mut Vec<String>, w: &str) {
    out.push(w.to_string());
}

/// Reads one group of three digits (0..=999, non-zero).
///
/// `full` = the group is not the leading one of the number, so an empty hundreds
/// place is spoken ("một nghìn không trăm linh một") and a lone units digit gets
/// "linh" ("một nghìn không trăm linh năm"). The leading group is read naturally
/// ("năm", "mười lăm", "một trăm linh năm").
fn read_group(v: u64, full: bool, s: &SpeechSettings, out: &mut Vec<String>) {
    let h = (v / 100) as usize;
    let t = ((v / 10) % 10) as usize;
    let u = (v % 10) as usize;
    let has_hundreds = full || h > 0;
    if has_hundreds {
        push(out, DIGIT_WORDS[h]);
        push(out, "trăm");
    }
    match t {
        0 => {
            if u > 0 {
                if has_hundreds {
                    push(
                        out,
                        match s.zero_tens {
                            ZeroTens::Linh => "linh",
                            ZeroTens::Le => "lẻ",
                        },
                    );
                }
                // After "linh"/"lẻ" every digit keeps its own name (105 "linh năm").
                push(out, DIGIT_WORDS[u]);
            }
        }
        1 => {
            push(out, "mười");
            match u {
                0 => {}
                // 15: "lăm" after "mười" in every region.
                5 => push(out, "lăm"),
                // 11 "mười một", 14 "mười bốn": the digit's own name.
                _ => push(out, DIGIT_WORDS[u]),
            }
        }
        _ => {
            push(out, DIGIT_WORDS[t]);
            push(out, "mươi");
            match u {
                0 => {}
                1 => push(out, "mốt"),
                4 => push(
                    out,
                    match s.four_after_tens {
                        Four::Tu => "tư",
                        Four::Bon => "bốn",
                    },
                ),
                5 => push(
                    out,
                    match s.five_after_ten {
                        Five::Lam => "lăm",
                        Five::Nham => "nhăm",
                    },
                ),
                _ => push(out, DIGIT_WORDS[u]),
            }
        }
    }
}

/// Reads `n < 1_000_000_000` as millions / thousands / units groups. Zero groups
/// are silent ("một nghìn một trăm", "một triệu"); every group after the first
/// spoken one is read in full ("một triệu không trăm linh năm").
fn read_below_billion(n: u64, leading: bool, s: &SpeechSettings, out: &mut Vec<String>) {
    let thousand = match s.thousand {
        Thousand::Nghin => "nghìn",
        Thousand::Ngan => "ngàn",
    };
    let groups = [
        (n / 1_000_000, Some("triệu")),
        ((n / 1_000) % 1_000, Some(thousand)),
        (n % 1_000, None),
    ];
    let mut first = leading;
    for (g, unit) in groups {
        if g == 0 {
            continue;
        }
        read_group(g, !first, s, out);
        if let Some(unit) = unit {
            push(out, unit);
        }
        first = false;
    }
}

fn read_leading(n: u64, s: &SpeechSettings, out: &mut Vec<String>) {
    const BILLION: u64 = 1_000_000_000;
    if n >= BILLION {
        // "tỷ" groups recurse: 10^18 is "một tỷ tỷ", as Vietnamese says it.
        read_leading(n / BILLION, s, out);
        push(out, "tỷ");
        read_below_billion(n % BILLION, false, s, out);
    } else {
        read_below_billion(n, true, s, out);
    }
}

/// Full Vietnamese reading of `n`, one word per syllable, following DOMAIN.md's
/// table and the regional switches in `s`.
///
/// Examples (defaults): 0 "không", 15 "mười lăm", 21 "hai mươi mốt",
/// 24 "hai mươi tư", 105 "một trăm linh năm", 1001 "một nghìn không trăm linh một",
/// 1100 "một nghìn một trăm", 1_000_000 "một triệu". Any `u64` is readable
/// (billions are "tỷ").
pub fn read_number_full(n: u64, s: &SpeechSettings) -> Vec<String> {
    let mut out = Vec::new();
    if n == 0 {
        push(&mut out, DIGIT_WORDS[0]);
    } else {
        read_leading(n, s, &mut out);
    }
    out
}

// ---------------------------------------------------------------------------
// Tickets
// ---------------------------------------------------------------------------

/// Spoken words of a prefix letter: the center's setting, else the built-in
/// default, else the letter itself (so an unconfigured "o" is said "o" and, if
/// there is no clip for it, `clip_sequence` names it).
fn letter_words(letter: &str, s: &SpeechSettings, out: &mut Vec<String>) {
    let configured = s
        .letter_names
        .iter()
        .find(|(k, _)| nfc_lower(k.trim()) == letter)
        .map(|(_, v)| v.as_str());
    let builtin = || {
        DEFAULT_LETTER_NAMES
            .iter()
            .find(|(k, _)| *k == letter)
            .map(|(_, v)| *v)
    };
    match configured.or_else(builtin) {
        Some(name) => {
            let before = out.len();
            text_words(name, s, out);
            if out.len() == before {
                // An empty configured name would make the letter silent; say it.
                out.push(letter.to_string());
            }
        }
        None => out.push(letter.to_string()),
    }
}

/// Words for a ticket number such as `A015`, `A-025`, `B7` or `1005`.
///
/// Letters become their spoken names (split into syllables: "e lờ" → "e", "lờ").
/// Separators (`-`, spaces, dots…) are ignored, so digits on both sides of one
/// join into a single group. Digits are read per `s.number_mode`: one by one
/// ("không", "một", "năm"), or each digit group as a number ("A015" → "a", "mười",
/// "lăm"; leading zeros are not spoken in full mode).
pub fn read_ticket(number: &str, s: &SpeechSettings) -> Vec<String> {
    let norm = nfc_lower(number);
    let mut out = Vec::new();
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut Vec<String>| match s.number_mode {
        NumberMode::Full => flush_digits_full(digits, s, out),
        NumberMode::Digits => {
            out.extend(digits.chars().filter_map(digit_word).map(str::to_string));
            digits.clear();
        }
    };
    for c in norm.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else if c.is_alphanumeric() {
            flush(&mut digits, &mut out);
            letter_words(c.encode_utf8(&mut [0u8; 4]), s, &mut out);
        }
        // Anything else is a separator: ignored.
    }
    flush(&mut digits, &mut out);
    out
}

// ---------------------------------------------------------------------------
// Announcement
// ---------------------------------------------------------------------------

/// What a `{…}` placeholder in the template stands for.
enum Placeholder {
    Ticket,
    CounterNo,
    CounterName,
}

fn placeholder(name: &str) -> Option<Placeholder> {
    // `name` is already lowercase NFC; inner spaces are collapsed by the caller.
    match name {
        "số" | "so" => Some(Placeholder::Ticket),
        "quầy" | "quay" => Some(Placeholder::CounterNo),
        "tên quầy" | "ten quay" => Some(Placeholder::CounterName),
        _ => None,
    }
}

/// Words of one call, without the chime: the template filled in and split into
/// lowercase NFC words, punctuation dropped, the whole phrase repeated
/// `s.repeat` times (at least once).
///
/// The counter number is always read in full ("quầy số mười hai"), whatever the
/// ticket mode. Digits typed into the template or counter name are read in full
/// too. An unknown placeholder is kept as ordinary text.
pub fn announcement_words(
    ticket: &str,
    counter_no: u32,
    counter_name: &str,
    s: &SpeechSettings,
) -> Vec<String> {
    let template = nfc_lower(&s.template);
    let mut phrase = Vec::new();
    let mut rest = template.as_str();
    while let Some(open) = rest.find('{') {
        let (before, from_open) = rest.split_at(open);
        text_words(before, s, &mut phrase);
        let after_open = &from_open[1..];
        let Some(close) = after_open.find('}') else {
            // Unclosed brace: the rest is plain text.
            rest = after_open;
            break;
        };
        let inner = &after_open[..close];
        let key = inner.split_whitespace().collect::<Vec<_>>().join(" ");
        match placeholder(&key) {
            Some(Placeholder::Ticket) => phrase.extend(read_ticket(ticket, s)),
            Some(Placeholder::CounterNo) => {
                phrase.extend(read_number_full(u64::from(counter_no), s))
            }
            Some(Placeholder::CounterName) => text_words(counter_name, s, &mut phrase),
            None => text_words(inner, s, &mut phrase),
        }
        rest = &after_open[close + 1..];
    }
    text_words(rest, s, &mut phrase);

    let times = usize::from(s.repeat.max(1));
    let mut out = Vec::with_capacity(phrase.len() * times);
    for _ in 0..times {
        out.extend(phrase.iter().cloned());
    }
    out
}

// ---------------------------------------------------------------------------
// Clips
// ---------------------------------------------------------------------------

/// Longest phrase (in words) tried as a single clip. Real phrase clips are about
/// 7 words ("xin mời công dân có số thứ tự"); the cap bounds the work per call.
pub const MAX_PHRASE_WORDS: usize = 12;

/// A word of the announcement has no clip, neither alone nor inside a phrase clip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingClip {
    /// The word (lowercase NFC) lacking a clip.
    pub word: String,
    /// Its position in the word list.
    pub index: usize,
}

impl fmt::Display for MissingClip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no voice clip for the word \"{}\" (word {} of the announcement)",
            self.word,
            self.index + 1
        )
    }
}

impl std::error::Error for MissingClip {}

/// Maps words to clip keys, greedily taking the longest run of words that has a
/// clip of its own (a phrase recorded as a whole sounds more natural than
/// syllables stitched together), else single words.
///
/// Keys are the lowercase NFC words joined by single spaces. Fails on the first
/// word that has no clip at all, naming it, so an admin can record it.
pub fn clip_sequence(
    words: &[String],
    available: &dyn Fn(&str) -> bool,
) -> Result<Vec<String>, MissingClip> {
    let words: Vec<String> = words.iter().map(|w| nfc_lower(w.trim())).collect();
    let mut keys = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let longest = MAX_PHRASE_WORDS.min(words.len() - i);
        let found = (1..=longest).rev().find_map(|len| {
            let key = words[i..i + len].join(" ");
            available(&key).then_some((key, len))
        });
        match found {
            Some((key, len)) => {
                keys.push(key);
                i += len;
            }
            None => {
                return Err(MissingClip {
                    word: words[i].clone(),
                    index: i,
                })
            }
        }
    }
    Ok(keys)
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn d() -> SpeechSettings {
        SpeechSettings::default()
    }

    fn full(n: u64) -> String {
        read_number_full(n, &d()).join(" ")
    }

    fn full_with(n: u64, s: &SpeechSettings) -> String {
        read_number_full(n, s).join(" ")
    }

    fn ws(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_string).collect()
    }

    // --- DOMAIN.md table, row by row ---

    #[test]
    fn row_11_14_ten_is_muoi_one_stays_mot() {
        assert_eq!(full(11), "mười một");
        assert_eq!(full(14), "mười bốn");
    }

    #[test]
    fn row_15_five_after_muoi_is_lam() {
        assert_eq!(full(15), "mười lăm");
    }

    #[test]
    fn row_21_tens_mươi_and_mốt() {
        assert_eq!(full(21), "hai mươi mốt");
        assert_eq!(read_number_full(21, &d()), ws("hai mươi mốt"));
    }

    #[test]
    fn row_24_four_after_mươi_is_tư_or_bốn() {
        assert_eq!(full(24), "hai mươi tư");
        let s = SpeechSettings {
            four_after_tens: Four::Bon,
            ..d()
        };
        assert_eq!(full_with(24, &s), "hai mươi bốn");
    }

    #[test]
    fn row_105_linh_and_five_stays_năm() {
        assert_eq!(full(105), "một trăm linh năm");
        let s = SpeechSettings {
            zero_tens: ZeroTens::Le,
            ..d()
        };
        assert_eq!(full_with(105, &s), "một trăm lẻ năm");
    }

    #[test]
    fn row_1001_empty_hundreds_không_trăm() {
        assert_eq!(full(1001), "một nghìn không trăm linh một");
        assert_eq!(full(1005), "một nghìn không trăm linh năm");
    }

    #[test]
    fn row_1010() {
        assert_eq!(full(1010), "một nghìn không trăm mười");
    }

    #[test]
    fn row_1100_trailing_zeros_silent() {
        assert_eq!(full(1100), "một nghìn một trăm");
    }

    // --- more numbers ---

    #[test]
    fn small_and_round_numbers() {
        let cases = [
            (0, "không"),
            (1, "một"),
            (4, "bốn"),
            (5, "năm"),
            (9, "chín"),
            (10, "mười"),
            (12, "mười hai"),
            (20, "hai mươi"),
            (25, "hai mươi lăm"),
            (31, "ba mươi mốt"),
            (44, "bốn mươi tư"),
            (55, "năm mươi lăm"),
            (99, "chín mươi chín"),
            (100, "một trăm"),
            (101, "một trăm linh một"),
            (104, "một trăm linh bốn"),
            (110, "một trăm mười"),
            (111, "một trăm mười một"),
            (115, "một trăm mười lăm"),
            (121, "một trăm hai mươi mốt"),
            (999, "chín trăm chín mươi chín"),
            (1000, "một nghìn"),
            (1015, "một nghìn không trăm mười lăm"),
            (1021, "một nghìn không trăm hai mươi mốt"),
            (1999, "một nghìn chín trăm chín mươi chín"),
            (2005, "hai nghìn không trăm linh năm"),
            (10_000, "mười nghìn"),
            (15_000, "mười lăm nghìn"),
            (21_000, "hai mươi mốt nghìn"),
            (100_000, "một trăm nghìn"),
            (105_000, "một trăm linh năm nghìn"),
            (1_000_000, "một triệu"),
            (1_000_001, "một triệu không trăm linh một"),
            (1_005_000, "một triệu không trăm linh năm nghìn"),
            (1_200_300, "một triệu hai trăm nghìn ba trăm"),
            (
                999_999_999,
                "chín trăm chín mươi chín triệu chín trăm chín mươi chín nghìn chín trăm chín mươi chín",
            ),
            (1_000_000_000, "một tỷ"),
            (2_000_000_005, "hai tỷ không trăm linh năm"),
        ];
        for (n, want) in cases {
            assert_eq!(full(n), want, "n = {n}");
        }
    }

    #[test]
    fn every_word_is_one_syllable_and_max_u64_is_readable() {
        for n in [0, 7, 21, 1005, 123_456_789, u64::MAX] {
            for w in read_number_full(n, &d()) {
                assert!(!w.is_empty() && !w.contains(' '), "{n}: {w:?}");
            }
        }
        assert!(full(u64::MAX).starts_with("mười tám tỷ bốn trăm bốn mươi sáu triệu"));
        assert_eq!(full(1_000_000_000_000_000_000), "một tỷ tỷ");
    }

    // --- regional switches ---

    #[test]
    fn switch_thousand_ngàn() {
        let s = SpeechSettings {
            thousand: Thousand::Ngan,
            ..d()
        };
        assert_eq!(full_with(1001, &s), "một ngàn không trăm linh một");
        assert_eq!(full(1001), "một nghìn không trăm linh một");
    }

    #[test]
    fn switch_zero_tens_lẻ() {
        let s = SpeechSettings {
            zero_tens: ZeroTens::Le,
            ..d()
        };
        assert_eq!(full_with(1001, &s), "một nghìn không trăm lẻ một");
        assert_eq!(full_with(1010, &s), "một nghìn không trăm mười");
    }

    #[test]
    fn switch_five_nhăm_only_after_mươi() {
        let s = SpeechSettings {
            five_after_ten: Five::Nham,
            ..d()
        };
        assert_eq!(full_with(25, &s), "hai mươi nhăm");
        assert_eq!(full_with(15, &s), "mười lăm");
        assert_eq!(full_with(105, &s), "một trăm linh năm");
        assert_eq!(full_with(5, &s), "năm");
    }

    #[test]
    fn switch_four_only_after_mươi() {
        let s = SpeechSettings {
            four_after_tens: Four::Bon,
            ..d()
        };
        assert_eq!(full_with(14, &s), "mười bốn");
        assert_eq!(full(14), "mười bốn");
        assert_eq!(full(104), "một trăm linh bốn");
        assert_eq!(full_with(34, &s), "ba mươi bốn");
    }

    #[test]
    fn all_switches_together() {
        let s = SpeechSettings {
            zero_tens: ZeroTens::Le,
            thousand: Thousand::Ngan,
            four_after_tens: Four::Bon,
            five_after_ten: Five::Nham,
            ..d()
        };
        assert_eq!(
            full_with(1_025_104, &s),
            "một triệu không trăm hai mươi nhăm ngàn một trăm lẻ bốn"
        );
    }

    // --- tickets ---

    #[test]
    fn digits_mode_reads_each_digit() {
        assert_eq!(read_ticket("A015", &d()), ws("a không một năm"));
        assert_eq!(read_ticket("1005", &d()), ws("một không không năm"));
        assert_eq!(
            read_ticket("0123456789", &d()),
            ws("không một hai ba bốn năm sáu bảy tám chín")
        );
    }

    #[test]
    fn separators_ignored() {
        assert_eq!(read_ticket("A-025", &d()), ws("a không hai năm"));
        assert_eq!(read_ticket(" b 7 ", &d()), ws("bê bảy"));
        assert_eq!(read_ticket("A.0-2 5", &d()), ws("a không hai năm"));
    }

    #[test]
    fn full_mode_reads_digit_group_as_number() {
        let s = SpeechSettings {
            number_mode: NumberMode::Full,
            ..d()
        };
        assert_eq!(read_ticket("A015", &s), ws("a mười lăm"));
        assert_eq!(read_ticket("1005", &s), ws("một nghìn không trăm linh năm"));
        assert_eq!(read_ticket("B7", &s), ws("bê bảy"));
        assert_eq!(read_ticket("A-025", &s), ws("a hai mươi lăm"));
        assert_eq!(read_ticket("A000", &s), ws("a không"));
        assert_eq!(
            read_ticket("A1-001", &s),
            ws("a một nghìn không trăm linh một")
        );
        // Too long for u64: falls back to digits, never panics.
        let long = "9".repeat(30);
        assert_eq!(read_ticket(&long, &s).len(), 30);
    }

    #[test]
    fn letter_names_default_and_multi_syllable() {
        let s = d();
        assert_eq!(read_ticket("L1", &s), ws("e lờ một"));
        assert_eq!(read_ticket("m", &s), ws("em mờ"));
        assert_eq!(read_ticket("X", &s), ws("ích xì"));
        assert_eq!(read_ticket("Y", &s), ws("i dài"));
        assert_eq!(read_ticket("Đ2", &s), ws("đê hai"));
        assert_eq!(read_ticket("C", &s), ws("xê"));
        assert_eq!(read_ticket("K", &s), ws("ca"));
        assert_eq!(read_ticket("Q", &s), ws("quy"));
        assert_eq!(read_ticket("S", &s), ws("ét sì"));
        assert_eq!(read_ticket("AB", &s), ws("a bê"));
    }

    #[test]
    fn letter_names_admin_set_case_insensitive_with_fallbacks() {
        let mut s = d();
        s.letter_names.clear();
        s.letter_names.insert("B".into(), "Bờ".into());
        s.letter_names.insert("z".into(), "dét".into());
        // Configured, with an uppercase key and value.
        assert_eq!(read_ticket("b1", &s), ws("bờ một"));
        // Not in the map: built-in default.
        assert_eq!(read_ticket("C1", &s), ws("xê một"));
        // Outside both: the letter itself.
        assert_eq!(read_ticket("O1", &s), ws("o một"));
        assert_eq!(read_ticket("Z", &s), ws("dét"));
        // An empty name does not make the letter silent.
        s.letter_names.insert("h".into(), " ".into());
        assert_eq!(read_ticket("H", &s), ws("h"));
    }

    #[test]
    fn default_letter_names_match_brief() {
        let s = d();
        assert_eq!(s.letter_names.len(), 21);
        assert_eq!(s.letter_names["g"], "giê");
        assert_eq!(s.letter_names["h"], "hát");
        assert_eq!(s.letter_names["r"], "e rờ");
        assert_eq!(s.letter_names["n"], "en nờ");
    }

    // --- announcements ---

    #[test]
    fn default_template_digits_repeated_twice() {
        let w = announcement_words("A015", 3, "Văn hóa - Xã hội", &d());
        let once = ws("xin mời công dân có số thứ tự a không một năm đến quầy số ba");
        let mut twice = once.clone();
        twice.extend(once);
        assert_eq!(w, twice);
    }

    #[test]
    fn counter_number_always_full() {
        let s = SpeechSettings { repeat: 1, ..d() };
        let w = announcement_words("1005", 12, "", &s);
        assert_eq!(
            w,
            ws("xin mời công dân có số thứ tự một không không năm đến quầy số mười hai")
        );
        let s = SpeechSettings {
            number_mode: NumberMode::Full,
            repeat: 1,
            ..d()
        };
        let w = announcement_words("1005", 21, "", &s);
        assert_eq!(
            w,
            ws("xin mời công dân có số thứ tự một nghìn không trăm linh năm đến quầy số hai mươi mốt")
        );
    }

    #[test]
    fn template_variant_counter_name() {
        let s = SpeechSettings {
            template: "Kính mời công dân có số thứ tự {số} đến {tên quầy}".into(),
            repeat: 1,
            ..d()
        };
        let w = announcement_words("B7", 1, "Tư pháp - Hộ tịch - Chứng thực", &s);
        assert_eq!(
            w,
            ws("kính mời công dân có số thứ tự bê bảy đến tư pháp hộ tịch chứng thực")
        );
    }

    #[test]
    fn template_variant_comma_dropped() {
        let s = SpeechSettings {
            template: "Xin mời số thứ tự {số}, đến quầy số {quầy}".into(),
            repeat: 1,
            ..d()
        };
        let w = announcement_words("A-025", 4, "", &s);
        assert_eq!(w, ws("xin mời số thứ tự a không hai năm đến quầy số bốn"));
    }

    #[test]
    fn template_variant_shop_wording() {
        let s = SpeechSettings {
            template: "Xin mời khách hàng có số thứ tự {số} đến quầy số {quầy}".into(),
            repeat: 1,
            ..d()
        };
        let w = announcement_words("C2", 2, "", &s);
        assert_eq!(
            w,
            ws("xin mời khách hàng có số thứ tự xê hai đến quầy số hai")
        );
    }

    #[test]
    fn template_odd_inputs() {
        let base = SpeechSettings { repeat: 1, ..d() };
        // ASCII placeholder aliases, uppercase, extra spaces.
        let s = SpeechSettings {
            template: "Mời {SO} tới {  Ten   Quay }, quầy {quay}.".into(),
            ..base.clone()
        };
        assert_eq!(
            announcement_words("A1", 2, "Quầy 2", &s),
            ws("mời a một tới quầy hai quầy hai")
        );
        // Unknown placeholder kept as text; unclosed brace is text.
        let s = SpeechSettings {
            template: "mời {bạn} {số".into(),
            ..base.clone()
        };
        assert_eq!(announcement_words("A1", 2, "", &s), ws("mời bạn số"));
        // Empty template: nothing to say (and no panic).
        let s = SpeechSettings {
            template: String::new(),
            ..base
        };
        assert!(announcement_words("A1", 2, "", &s).is_empty());
    }

    #[test]
    fn repeat_counts() {
        for (r, times) in [(0u8, 1usize), (1, 1), (2, 2), (3, 3)] {
            let s = SpeechSettings { repeat: r, ..d() };
            let w = announcement_words("A1", 1, "", &s);
            assert_eq!(w.len(), times * 14, "repeat {r}");
        }
    }

    #[test]
    fn nfd_input_becomes_nfc() {
        // "Xin mời … quầy" typed in decomposed form (base + combining marks),
        // including a non-canonical mark order, plus a precomposed base + tone.
        let nfd_template = "Xin m\u{6f}\u{31b}\u{300}i {s\u{6f}\u{302}\u{301}} \u{111}e\u{302}\u{301}n qua\u{300}\u{302}y {qua\u{302}\u{300}y}";
        let s = SpeechSettings {
            template: nfd_template.into(),
            repeat: 1,
            ..d()
        };
        let w = announcement_words("A1", 1, "", &s);
        assert_eq!(w, ws("xin mời a một đến quầy một"));
        assert_eq!(nfc_lower("A\u{302}\u{301}N"), "ấn");
        assert_eq!(nfc_lower("\u{1b0}\u{300}"), "ừ");
        assert_eq!(nfc_lower("o\u{31b}\u{323}"), "ợ");
        // Not Vietnamese: left alone.
        assert_eq!(nfc_lower("n\u{303}"), "n\u{303}");
        assert_eq!(nfc_lower("a\u{301}\u{300}"), "a\u{301}\u{300}");
    }

    #[test]
    fn literals_are_precomposed() {
        // Guards against an editor saving this file decomposed.
        for w in DIGIT_WORDS {
            assert!(!w.chars().any(is_combining), "{w:?}");
        }
        for (_, v) in DEFAULT_LETTER_NAMES {
            assert!(!v.chars().any(is_combining), "{v:?}");
        }
        assert!(!DEFAULT_TEMPLATE.chars().any(is_combining));
        assert_eq!("mười".chars().count(), 4);
    }

    // --- clip matcher ---

    fn set(keys: &[&str]) -> BTreeSet<String> {
        keys.iter().map(|k| k.to_string()).collect()
    }

    #[test]
    fn greedy_prefers_longest_phrase() {
        let clips = set(&[
            "xin mời công dân có số thứ tự",
            "xin",
            "mời",
            "công",
            "dân",
            "có",
            "số",
            "thứ",
            "tự",
            "đến quầy số",
            "đến",
            "quầy",
            "a",
            "không",
            "một",
            "năm",
            "ba",
        ]);
        let avail = |k: &str| clips.contains(k);
        let w = announcement_words("A015", 3, "", &SpeechSettings { repeat: 1, ..d() });
        let keys = clip_sequence(&w, &avail).expect("all clips present");
        assert_eq!(
            keys,
            vec![
                "xin mời công dân có số thứ tự",
                "a",
                "không",
                "một",
                "năm",
                "đến quầy số",
                "ba"
            ]
        );
    }

    #[test]
    fn falls_back_to_single_words() {
        let clips = set(&["xin", "mời", "số", "a", "một"]);
        let avail = |k: &str| clips.contains(k);
        let keys = clip_sequence(&ws("xin mời số a một"), &avail).expect("clips");
        assert_eq!(keys, vec!["xin", "mời", "số", "a", "một"]);
    }

    #[test]
    fn partial_phrase_does_not_match() {
        // "đến quầy số" exists but the words say "đến quầy hai": word by word.
        let clips = set(&["đến quầy số", "đến", "quầy", "hai"]);
        let avail = |k: &str| clips.contains(k);
        let keys = clip_sequence(&ws("đến quầy hai"), &avail).expect("clips");
        assert_eq!(keys, vec!["đến", "quầy", "hai"]);
    }

    #[test]
    fn missing_clip_named() {
        let clips = set(&["xin", "mời", "a"]);
        let avail = |k: &str| clips.contains(k);
        let err = clip_sequence(&ws("xin mời a ô"), &avail).unwrap_err();
        assert_eq!(
            err,
            MissingClip {
                word: "ô".into(),
                index: 3
            }
        );
        assert!(err.to_string().contains("\"ô\""));
        // First missing word is the one named.
        let err = clip_sequence(&ws("xin bê mời ô"), &avail).unwrap_err();
        assert_eq!(err.word, "bê");
    }

    #[test]
    fn matcher_normalises_words_and_handles_empty() {
        let clips = set(&["mười"]);
        let avail = |k: &str| clips.contains(k);
        // "MƯỜI" typed decomposed, uppercase, padded.
        let nfd = vec![" MU\u{31b}O\u{31b}\u{300}I ".to_string()];
        assert_eq!(clip_sequence(&nfd, &avail).expect("nfc"), vec!["mười"]);
        assert_eq!(
            clip_sequence(&[], &avail).expect("empty"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn settings_default_values() {
        let s = d();
        assert_eq!(s.number_mode, NumberMode::Digits);
        assert_eq!(s.zero_tens, ZeroTens::Linh);
        assert_eq!(s.thousand, Thousand::Nghin);
        assert_eq!(s.four_after_tens, Four::Tu);
        assert_eq!(s.five_after_ten, Five::Lam);
        assert_eq!(s.template, DEFAULT_TEMPLATE);
        assert_eq!(s.repeat, 2);
    }
}
