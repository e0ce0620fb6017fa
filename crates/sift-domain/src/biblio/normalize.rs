//! One spelling for each field: DOI, PMID, pages, year, authors, language, free text.
//!
//! Every function takes what an export wrote and returns the normalised value, or `None` when
//! the input holds no such value. None of them panics on any input.

use std::borrow::Cow;

use unicode_normalization::{UnicodeNormalization, is_nfc_quick};

use super::Author;

/// Trims, joins internal runs of whitespace (line breaks included) into one space, drops
/// zero-width and byte-order-mark characters, and puts the text in Unicode NFC. Empty text
/// becomes `None`.
pub fn text(raw: &str) -> Option<String> {
    text_cow(raw).map(Cow::into_owned)
}

/// [`text`] without a copy when the input is already tidy (most values are).
pub fn text_cow(raw: &str) -> Option<Cow<'_, str>> {
    let mut trimmed = raw.trim_ascii();
    if trimmed.as_bytes().first().is_some_and(|b| *b >= 0x80)
        || trimmed.as_bytes().last().is_some_and(|b| *b >= 0x80)
    {
        trimmed = trimmed.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    }
    if trimmed.is_empty() {
        return None;
    }
    // Finding out that text is tidy with a few vectorised scans is several times faster than
    // rebuilding it character by character.
    if is_tidy(trimmed) {
        return Some(Cow::Borrowed(trimmed));
    }
    let mut out = String::with_capacity(trimmed.len());
    let mut pending_space = false;
    for c in trimmed.chars() {
        if c.is_whitespace() {
            pending_space = true;
        } else if matches!(c, '\u{feff}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}') {
            continue;
        } else {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        }
    }
    if out.is_empty() {
        return None;
    }
    match is_nfc_quick(out.chars()) {
        unicode_normalization::IsNormalized::Yes => Some(Cow::Owned(out)),
        _ => Some(Cow::Owned(out.nfc().collect())),
    }
}

/// Whether `s` (already trimmed) has no whitespace but single spaces, no zero-width
/// characters, and only characters that are in NFC whatever surrounds them.
fn is_tidy(s: &str) -> bool {
    let bytes = s.as_bytes();
    if memchr::memchr3(b'\t', b'\n', b'\r', bytes).is_some()
        || memchr::memchr2(0x0b, 0x0c, bytes).is_some()
        || memchr::memmem::find(bytes, b"  ").is_some()
    {
        return false;
    }
    let mut i = 0;
    while let Some(offset) = bytes[i..].iter().position(|b| *b >= 0x80) {
        let start = i + offset;
        let Some(c) = s[start..].chars().next() else { return false };
        let stable = !c.is_whitespace()
            && !matches!(c, '\u{feff}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}')
            && unicode_normalization::char::canonical_combining_class(c) == 0
            && is_nfc_quick(std::iter::once(c)) == unicode_normalization::IsNormalized::Yes;
        if !stable {
            return false;
        }
        i = start + c.len_utf8();
    }
    true
}

/// Finds a DOI in `raw`: a bare DOI, a `doi.org` URL (URL-encoded or not), `doi:10...`, or a
/// MEDLINE `10.1/x [doi]`. Returns it in lower case (DOIs are case-insensitive) without a
/// trailing full stop.
pub fn doi(raw: &str) -> Option<String> {
    let start = find_doi_start(raw)?;
    let rest = &raw[start..];
    // A DOI ends at whitespace, a quote, a brace, or markup (`</a>`, `<br />`). Old SICI-style
    // DOIs hold brackets and angle brackets (`...18<673:ioobhc>2.0.co;2`,
    // `...21[394:GCOARH]2.0.CO;2`), so those end it only when unmatched or starting a tag.
    let bytes = rest.as_bytes();
    let mut end = rest.len();
    let (mut open_angle, mut open_square) = (false, false);
    for (i, c) in rest.char_indices() {
        let next = bytes.get(i + 1).copied();
        let stop = c.is_whitespace()
            || matches!(c, '"' | '{' | '}')
            || (c == '<' && (open_angle || next.is_none_or(|b| b == b'/' || b.is_ascii_alphabetic())))
            || (c == '>' && !open_angle)
            || (c == '[' && open_square)
            || (c == ']' && !open_square);
        if stop {
            end = i;
            break;
        }
        match c {
            '<' => open_angle = true,
            '>' => open_angle = false,
            '[' => open_square = true,
            ']' => open_square = false,
            _ => {}
        }
    }
    let mut candidate = rest[..end].trim_end_matches(['.', ',', ';', ')']).to_string();
    // Some exports space out a SICI's bracket: "...(2000)029 [ 0126:FITEOT]2.0.CO;2".
    let tail = rest[end..].trim_start();
    if end < rest.len()
        && tail.starts_with('[')
        && rest[..end].ends_with(|c: char| c.is_ascii_alphanumeric())
        && let Some(close) = tail.find(']')
    {
        let inner = tail[1..close].trim();
        let after = &tail[close + 1..];
        let after = &after[..after.find(char::is_whitespace).unwrap_or(after.len())];
        if !inner.is_empty() && !inner.contains(char::is_whitespace) && !after.is_empty() {
            candidate = format!("{candidate}[{inner}]{}", after.trim_end_matches(['.', ',', ';']));
        }
    }
    // "10.1000/abc)" keeps its parenthesis only when it opened one inside the DOI.
    if rest[..end].ends_with(')') && candidate.contains('(') {
        candidate.push(')');
    }
    if candidate.contains('%') {
        candidate = percent_decode(&candidate);
    }
    let slash = candidate.find('/')?;
    let prefix = &candidate[3..slash];
    if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    if slash + 1 >= candidate.len() {
        return None;
    }
    Some(candidate.to_lowercase())
}

fn find_doi_start(raw: &str) -> Option<usize> {
    let bytes = raw.as_bytes();
    let mut from = 0;
    while let Some(pos) = raw[from..].find("10.") {
        let at = from + pos;
        let preceded_ok = at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
        let followed_ok = bytes.get(at + 3).is_some_and(u8::is_ascii_digit);
        if preceded_ok && followed_ok {
            return Some(at);
        }
        from = at + 3;
    }
    None
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// A PubMed id: the digits of `PMID: 12345678`, `12345678 [pmid]`, or a bare number.
pub fn pmid(raw: &str) -> Option<String> {
    let t = raw.trim();
    let t = t
        .strip_prefix("PMID:")
        .or_else(|| t.strip_prefix("PMID"))
        .or_else(|| t.strip_prefix("pmid:"))
        .unwrap_or(t)
        .trim();
    let digits: &str = t.split(|c: char| !c.is_ascii_digit()).next().unwrap_or("");
    let rest = t[digits.len()..].trim();
    let rest_ok = rest.is_empty() || rest.eq_ignore_ascii_case("[pmid]") || rest.starts_with('[');
    if digits.is_empty() || digits.len() > 9 || !rest_ok {
        return None;
    }
    let trimmed = digits.trim_start_matches('0');
    if trimmed.is_empty() {
        return None;
    }
    Some(trimmed.to_string())
}

/// A PubMed Central id, `PMC` followed by digits.
pub fn pmcid(raw: &str) -> Option<String> {
    let t = raw.trim();
    let upper = t.to_ascii_uppercase();
    upper.match_indices("PMC").find_map(|(pos, _)| {
        let digits: String = upper[pos + 3..].chars().take_while(char::is_ascii_digit).collect();
        (!digits.is_empty()).then(|| format!("PMC{digits}"))
    })
}

/// Normalises a page range: dashes to `-`, `pp.` dropped, and abbreviated end pages expanded
/// (`1297-306` becomes `1297-1306`, `e12-15` stays as exported when letters differ).
pub fn pages(raw: &str) -> Option<String> {
    let mut t = text_cow(raw)?;
    for prefix in ["pp.", "pp", "p."] {
        if let Some(rest) = t.strip_prefix(prefix) {
            t = Cow::Owned(rest.trim_start().to_string());
            break;
        }
    }
    const DASHES: [char; 6] = ['\u{2013}', '\u{2014}', '\u{2012}', '\u{2010}', '\u{2011}', '\u{2212}'];
    if !t.is_ascii() && t.contains(DASHES) {
        t = Cow::Owned(t.replace(DASHES, "-"));
    }
    if t.contains("--") {
        t = Cow::Owned(t.replace("--", "-"));
    }
    let Some((start, end)) = t.split_once('-') else {
        return if t.is_empty() { None } else { Some(t.into_owned()) };
    };
    let (start, end) = (start.trim(), end.trim());
    if end.is_empty() || start == end {
        return if start.is_empty() { None } else { Some(start.to_string()) };
    }
    if start.is_empty() {
        return Some(end.to_string());
    }
    // Split an optional common letter prefix ("S12-15", "e101-e105") from the digits.
    let (sp, sd) = split_alpha_prefix(start);
    let (ep, ed) = split_alpha_prefix(end);
    let digits_only = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let join = |parts: &[&str]| {
        let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum::<usize>() + 1);
        out.push_str(start);
        out.push('-');
        parts.iter().for_each(|p| out.push_str(p));
        out
    };
    if digits_only(sd) && digits_only(ed) && (ep.is_empty() || ep == sp) && ed.len() < sd.len() {
        return Some(join(&[sp, &sd[..sd.len() - ed.len()], ed]));
    }
    if digits_only(sd) && digits_only(ed) && ep.is_empty() && !sp.is_empty() {
        return Some(join(&[sp, ed]));
    }
    Some(join(&[end]))
}

fn split_alpha_prefix(s: &str) -> (&str, &str) {
    let n = s.bytes().take_while(u8::is_ascii_alphabetic).count();
    s.split_at(n)
}

/// Joins a start and an end page the way exports split them (`SP`/`EP`, `BP`/`EP`).
pub fn page_range(start: Option<&str>, end: Option<&str>) -> Option<String> {
    match (start.map(str::trim).filter(|s| !s.is_empty()), end.map(str::trim).filter(|s| !s.is_empty())) {
        (Some(s), Some(e)) if s.contains('-') || s.contains('\u{2013}') => pages(s).or_else(|| pages(e)),
        (Some(s), Some(e)) => pages(&[s, "-", e].concat()),
        (Some(s), None) => pages(s),
        // An end page alone is no page range: taken as one it would pass for a first page.
        (None, Some(_)) | (None, None) => None,
    }
}

/// The first plausible publication year (1000-2199) in a date such as `2020//`,
/// `2011/05/11`, `2019 Aug 1`, `Spring 1998` or `c2004`.
pub fn year(raw: &str) -> Option<i32> {
    let bytes = raw.as_bytes();
    let mut i = 0;
    while i + 4 <= bytes.len() {
        let window = &bytes[i..i + 4];
        let before_ok = i == 0 || !bytes[i - 1].is_ascii_digit();
        let after_ok = bytes.get(i + 4).is_none_or(|b| !b.is_ascii_digit());
        if before_ok && after_ok && window.iter().all(u8::is_ascii_digit) {
            let y = (window[0] - b'0') as i32 * 1000
                + (window[1] - b'0') as i32 * 100
                + (window[2] - b'0') as i32 * 10
                + (window[3] - b'0') as i32;
            if (1000..2200).contains(&y) {
                return Some(y);
            }
        }
        i += 1;
    }
    None
}

/// Parses one author as exports write them: `Family, Given` (RIS, EndNote, WoS, `FAU`),
/// `Family GA` (MEDLINE `AU`, Scopus), or a corporate name. Returns `None` for empty input.
pub fn author(raw: &str) -> Option<Author> {
    let t = text_cow(raw)?;
    let t = t.trim_end_matches([',', ';']).trim();
    if t.is_empty() {
        return None;
    }
    if let Some((family, given)) = t.split_once(',') {
        let family = family.trim();
        let given = given.trim().trim_start_matches(',').trim();
        if family.is_empty() {
            return text(given).map(|g| Author::new(g, None));
        }
        return Some(Author::new(family, text(given)));
    }
    // "Smith JA" / "Smith J.A." / "van der Berg AB": a trailing run of initials.
    if let Some((family, initials)) = t.rsplit_once(' ')
        && looks_like_initials(initials)
        && !family.is_empty()
    {
        return Some(Author::new(family.trim(), Some(initials.to_string())));
    }
    Some(Author::new(t, None))
}

fn looks_like_initials(s: &str) -> bool {
    let letters: Vec<char> = s.chars().filter(|c| *c != '.' && *c != '-').collect();
    !letters.is_empty() && letters.len() <= 4 && letters.iter().all(|c| c.is_uppercase())
}

/// Splits a list of authors written in one field, as CSV exports do: `A, B; C, D`, or
/// `A and B`, or Scopus' older `Smith J., Doe A.`.
pub fn author_list(raw: &str) -> Vec<Author> {
    let t = raw.trim();
    if t.is_empty() {
        return Vec::new();
    }
    let parts: Vec<&str> = if t.contains(';') {
        t.split(';').collect()
    } else if t.contains(" and ") {
        t.split(" and ").collect()
    } else if t.contains('\n') {
        t.split('\n').collect()
    } else if t.matches(',').count() >= 1 && t.split(',').all(author_without_comma_has_initials) {
        t.split(',').collect()
    } else {
        vec![t]
    };
    parts.into_iter().filter_map(author).collect()
}

fn author_without_comma_has_initials(part: &str) -> bool {
    let p = part.trim();
    match p.rsplit_once(' ') {
        Some((family, initials)) => !family.is_empty() && looks_like_initials(initials),
        None => false,
    }
}

/// The English name of a language given as an ISO 639 code (`eng`, `en`, `ger`, `dan`) or a
/// name in any case; unknown values are returned tidied but otherwise as exported.
pub fn language(raw: &str) -> Option<String> {
    let t = text(raw)?;
    let key = t.to_ascii_lowercase();
    let name = match key.as_str() {
        "en" | "eng" | "english" => "English",
        "da" | "dan" | "danish" => "Danish",
        "de" | "ger" | "deu" | "german" => "German",
        "fr" | "fre" | "fra" | "french" => "French",
        "es" | "spa" | "spanish" => "Spanish",
        "it" | "ita" | "italian" => "Italian",
        "pt" | "por" | "portuguese" => "Portuguese",
        "nl" | "dut" | "nld" | "dutch" => "Dutch",
        "sv" | "swe" | "swedish" => "Swedish",
        "no" | "nor" | "nob" | "nno" | "norwegian" => "Norwegian",
        "fi" | "fin" | "finnish" => "Finnish",
        "pl" | "pol" | "polish" => "Polish",
        "ru" | "rus" | "russian" => "Russian",
        "ja" | "jpn" | "japanese" => "Japanese",
        "zh" | "chi" | "zho" | "chinese" => "Chinese",
        "ko" | "kor" | "korean" => "Korean",
        "tr" | "tur" | "turkish" => "Turkish",
        "cs" | "cze" | "ces" | "czech" => "Czech",
        "hu" | "hun" | "hungarian" => "Hungarian",
        "el" | "gre" | "ell" | "greek" => "Greek",
        "he" | "heb" | "hebrew" => "Hebrew",
        "ar" | "ara" | "arabic" => "Arabic",
        "fa" | "per" | "fas" | "persian" => "Persian",
        "und" => return None,
        _ => {
            let mut chars = t.chars();
            return chars.next().map(|first| first.to_uppercase().chain(chars).collect());
        }
    };
    Some(name.to_string())
}

/// An ISSN as `NNNN-NNNX` when the value holds one; other values are kept tidied.
pub fn issn(raw: &str) -> Option<String> {
    let t = text(raw)?;
    let compact: String = t.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    if compact.len() == 8 && compact[..7].bytes().all(|b| b.is_ascii_digit()) {
        let last = compact.as_bytes()[7];
        if last.is_ascii_digit() || last == b'X' || last == b'x' {
            let mut out = String::with_capacity(9);
            out.push_str(&compact[..4]);
            out.push('-');
            out.push_str(&compact[4..7]);
            out.push(char::from(last.to_ascii_uppercase()));
            return Some(out);
        }
    }
    Some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_collapses_whitespace_and_composes() {
        assert_eq!(text("  a\n   b\t c  ").as_deref(), Some("a b c"));
        assert_eq!(text("\u{feff}Title").as_deref(), Some("Title"));
        assert_eq!(text("Se\u{301}ance").as_deref(), Some("Séance"));
        assert_eq!(text(" \n "), None);
        assert_eq!(text("plain").as_deref(), Some("plain"));
    }

    #[test]
    fn dois_lose_prefixes_and_case() {
        for (input, want) in [
            ("10.1002/JRSM.1411", Some("10.1002/jrsm.1411")),
            ("https://doi.org/10.1002/jrsm.1411", Some("10.1002/jrsm.1411")),
            ("http://dx.doi.org/10.4236/ojf.2020.101008", Some("10.4236/ojf.2020.101008")),
            ("doi:10.1000/xyz.", Some("10.1000/xyz")),
            ("10.1002/jrsm.1411 [doi]", Some("10.1002/jrsm.1411")),
            ("https://doi.org/10.1016%2Fj.x.2020.1", Some("10.1016/j.x.2020.1")),
            ("10.1016/S0140-6736(20)30183-5", Some("10.1016/s0140-6736(20)30183-5")),
            (
                "10.1892/0891-6640(2004)18<673:IOOBHC>2.0.CO;2",
                Some("10.1892/0891-6640(2004)18<673:ioobhc>2.0.co;2"),
            ),
            ("<a href=x>10.1000/abc</a>", Some("10.1000/abc")),
            ("10.1000/abc>", Some("10.1000/abc")),
            (
                "10.1651/0891-6640(2007)21[394:GCOARH]2.0.CO;2",
                Some("10.1651/0891-6640(2007)21[394:gcoarh]2.0.co;2"),
            ),
            ("10.1186/2047-2382-3-19<br />", Some("10.1186/2047-2382-3-19")),
            ("10.1000/abc]", Some("10.1000/abc")),
            (
                "10.1639/0044-7447(2000)029 [ 0126:FITEOT]2.0.CO;2",
                Some("10.1639/0044-7447(2000)029[0126:fiteot]2.0.co;2"),
            ),
            ("10.1002/jrsm.1411 [doi]", Some("10.1002/jrsm.1411")),
            ("S0140-6736(20)30183-5 [pii]", None),
            ("10.", None),
            ("", None),
        ] {
            assert_eq!(doi(input).as_deref(), want, "input {input:?}");
        }
    }

    #[test]
    fn pmids_are_digits() {
        assert_eq!(pmid("PMID: 32336025").as_deref(), Some("32336025"));
        assert_eq!(pmid("32336025 [pmid]").as_deref(), Some("32336025"));
        assert_eq!(pmid("L2005123456"), None);
        assert_eq!(pmid("WOS:000123"), None);
        assert_eq!(pmcid("PMC7123456").as_deref(), Some("PMC7123456"));
        assert_eq!(pmcid("pmc: PMC12"), Some("PMC12".into()));
    }

    #[test]
    fn pages_expand_abbreviated_ends() {
        for (input, want) in [
            ("1297-306", "1297-1306"),
            ("1297-1306", "1297-1306"),
            ("1297–306", "1297-1306"),
            ("pp. 12-5", "12-15"),
            ("123--129", "123-129"),
            ("e0123", "e0123"),
            ("S12-5", "S12-S15"),
            ("e101-e105", "e101-e105"),
            ("12-12", "12"),
            ("99-101", "99-101"),
        ] {
            assert_eq!(pages(input).as_deref(), Some(want), "input {input:?}");
        }
        assert_eq!(page_range(Some("1297"), Some("306")).as_deref(), Some("1297-1306"));
        assert_eq!(page_range(Some("1297-306"), Some("306")).as_deref(), Some("1297-1306"));
        assert_eq!(page_range(None, None), None);
    }

    #[test]
    fn years_come_from_any_date_shape() {
        assert_eq!(year("2020//"), Some(2020));
        assert_eq!(year("2011/05/11"), Some(2011));
        assert_eq!(year("2019 Aug 1"), Some(2019));
        assert_eq!(year("c2004"), Some(2004));
        assert_eq!(year("12345"), None);
        assert_eq!(year("n.d."), None);
    }

    #[test]
    fn authors_parse_in_every_shape() {
        let a = |f: &str, g: Option<&str>| Some(Author::new(f, g.map(String::from)));
        assert_eq!(author("Smith, John A."), a("Smith", Some("John A.")));
        assert_eq!(author("Smith JA"), a("Smith", Some("JA")));
        assert_eq!(author("van der Berg AB"), a("van der Berg", Some("AB")));
        assert_eq!(author("WHO Study Group"), a("WHO Study Group", None));
        assert_eq!(author("Alceste, F"), a("Alceste", Some("F")));
        assert_eq!(author("  "), None);
        let list = author_list("Smith J., Doe A.");
        assert_eq!(list.len(), 2);
        assert_eq!(author_list("Rotter, Carina; Whittaker, Danielle").len(), 2);
        assert_eq!(author_list("Smith, J and Doe, A").len(), 2);
    }

    #[test]
    fn languages_get_english_names() {
        assert_eq!(language("eng").as_deref(), Some("English"));
        assert_eq!(language("ENGLISH").as_deref(), Some("English"));
        assert_eq!(language("dan").as_deref(), Some("Danish"));
        assert_eq!(language("klingon").as_deref(), Some("Klingon"));
        assert_eq!(issn("0028 4793").as_deref(), Some("0028-4793"));
    }
}
