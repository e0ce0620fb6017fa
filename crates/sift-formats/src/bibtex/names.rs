//! BibTeX name lists (`author`, `editor`) split into people, and each name into family and
//! given parts.
//!
//! Names are separated by the word `and` (any case) outside braces. Each name is written
//! `First von Last`, `von Last, First` or `von Last, Jr, First`; the von part (words that start
//! in lower case, like `van der` or `de`) joins the family name, so `Ludwig van Beethoven` has
//! family `van Beethoven`. A name wholly in braces (`{World Health Organization}`) is a
//! corporate author, kept whole as the family name. BibLaTeX's extended form
//! `family=Ackooij, given=W., prefix=van` is read too. `and others` (et al.) adds nobody.

use sift_domain::Author;
use sift_domain::biblio::normalize;

use super::latex;

/// Parses a name list as written in the file (LaTeX markup included).
pub(crate) fn parse_names(raw: &str) -> Vec<Author> {
    split_names(raw).into_iter().filter_map(parse_name).collect()
}

/// Splits at the word `and` outside braces.
fn split_names(raw: &str) -> Vec<&str> {
    let words = words(raw, |c| c.is_whitespace());
    let mut names = Vec::new();
    let mut first_word: Option<(usize, usize)> = None;
    for &(start, end) in &words {
        if raw[start..end].eq_ignore_ascii_case("and") {
            if let Some((name_start, name_end)) = first_word.take() {
                names.push(&raw[name_start..name_end]);
            }
            continue;
        }
        first_word = Some(match first_word {
            Some((name_start, _)) => (name_start, end),
            None => (start, end),
        });
    }
    if let Some((start, end)) = first_word {
        names.push(&raw[start..end]);
    }
    names
}

/// Byte ranges of the words of `text`, split at characters matching `is_separator` outside
/// braces.
fn words(text: &str, is_separator: impl Fn(char) -> bool) -> Vec<(usize, usize)> {
    let mut words = Vec::new();
    let mut depth: usize = 0;
    let mut start: Option<usize> = None;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if depth == 0 && !escaped && is_separator(c) {
            if let Some(s) = start.take() {
                words.push((s, i));
            }
            continue;
        }
        if start.is_none() {
            start = Some(i);
        }
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if let Some(s) = start {
        words.push((s, text.len()));
    }
    words
}

/// Splits at commas outside braces.
fn comma_parts(name: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth: usize = 0;
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in name.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(name[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(name[start..].trim());
    parts
}

fn parse_name(name: &str) -> Option<Author> {
    let name = name.trim().trim_matches(',').trim();
    if name.is_empty() || name.eq_ignore_ascii_case("others") {
        return None;
    }
    if is_wholly_braced(name) {
        return text(name).map(|family| Author::new(family, None));
    }
    let parts = comma_parts(name);
    if let Some(author) = extended_name(&parts) {
        return Some(author);
    }
    let (von_last, jr, first) = match parts.as_slice() {
        [whole] => return first_von_last(whole),
        [von_last, first] => (*von_last, "", *first),
        [von_last, jr, first, ..] => (*von_last, *jr, *first),
        [] => return None,
    };
    // In `von Last` the von part simply leads the family name, so the family is the whole part.
    let family = text(von_last);
    let given = match (text(first), text(jr)) {
        (Some(first), Some(jr)) => Some(format!("{first}, {jr}")),
        (first, None) => first,
        (None, jr) => jr,
    };
    finish(family, given)
}

/// `First von Last`: the von part is the run of lower-case words before the last word.
fn first_von_last(name: &str) -> Option<Author> {
    let words = words_of(name);
    let last = words.len().checked_sub(1)?;
    let von_start = words[..last].iter().position(|w| starts_lower(w));
    let family_start = match von_start {
        Some(start) => start,
        None => last,
    };
    let first = words[..family_start].join(" ");
    let family = words[family_start..].join(" ");
    finish(text(&family), text(&first))
}

/// BibLaTeX's `family=..., given=..., prefix=..., suffix=...` form.
fn extended_name(parts: &[&str]) -> Option<Author> {
    let mut family = None;
    let mut given = None;
    let mut prefix = None;
    let mut suffix = None;
    for part in parts.iter().filter(|p| !p.is_empty()) {
        let (key, value) = part.split_once('=')?;
        let key = key.trim();
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-') {
            return None;
        }
        let value = Some(value.trim());
        match key.to_ascii_lowercase().as_str() {
            "family" => family = value,
            "given" => given = value,
            "prefix" => prefix = value,
            "suffix" => suffix = value,
            _ => {}
        }
    }
    let family = match (prefix.and_then(text), family.and_then(text)) {
        (Some(prefix), Some(family)) => Some(format!("{prefix} {family}")),
        (None, family) => family,
        (prefix, None) => prefix,
    };
    let given = match (given.and_then(text), suffix.and_then(text)) {
        (Some(given), Some(suffix)) => Some(format!("{given}, {suffix}")),
        (given, None) => given,
        (None, suffix) => suffix,
    };
    finish(family, given)
}

fn finish(family: Option<String>, given: Option<String>) -> Option<Author> {
    match (family, given) {
        (Some(family), given) => Some(Author::new(family, given)),
        // "Madonna," and similar: the one name there is becomes the family name.
        (None, Some(given)) => Some(Author::new(given, None)),
        (None, None) => None,
    }
}

fn words_of(text: &str) -> Vec<&str> {
    words(text, |c| c.is_whitespace() || c == '~').into_iter().map(|(s, e)| &text[s..e]).collect()
}

/// Whether `{...}` encloses the whole name.
fn is_wholly_braced(name: &str) -> bool {
    if !name.starts_with('{') || !name.ends_with('}') {
        return false;
    }
    let mut depth: usize = 0;
    let mut escaped = false;
    for (i, c) in name.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '{' => depth += 1,
            '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i == name.len() - 1;
                }
            }
            _ => {}
        }
    }
    false
}

/// Whether a word starts in lower case, BibTeX's test for the von part: the first letter
/// outside braces decides; an accent command (`{\"o}`) counts as its letter; other braced text
/// is skipped, so `{Adedeji}` has no case and is not a von word.
fn starts_lower(word: &str) -> bool {
    let mut chars = word.char_indices().peekable();
    let mut depth: usize = 0;
    while let Some((i, c)) = chars.next() {
        match c {
            '{' if depth == 0 && chars.peek().is_some_and(|(_, next)| *next == '\\') => {
                // A special character: its letter decides.
                return latex::to_unicode(&word[i..])
                    .chars()
                    .find(|c| c.is_alphabetic())
                    .is_some_and(char::is_lowercase);
            }
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            '\\' if depth == 0 => {
                return latex::to_unicode(&word[i..])
                    .chars()
                    .find(|c| c.is_alphabetic())
                    .is_some_and(char::is_lowercase);
            }
            c if depth == 0 && c.is_alphabetic() => return c.is_lowercase(),
            _ => {}
        }
    }
    false
}

/// LaTeX to tidy text; `None` when nothing is left.
fn text(latex: &str) -> Option<String> {
    normalize::text(&latex::to_unicode(latex))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(raw: &str) -> Vec<String> {
        parse_names(raw).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn three_name_orders() {
        assert_eq!(names("Smith, John"), ["Smith, John"]);
        assert_eq!(names("John Smith"), ["Smith, John"]);
        assert_eq!(names("Ludwig van Beethoven"), ["van Beethoven, Ludwig"]);
        assert_eq!(names("van Beethoven, Ludwig"), ["van Beethoven, Ludwig"]);
        assert_eq!(names("Jean de la Fontaine"), ["de la Fontaine, Jean"]);
        assert_eq!(names("Ford, Jr., Henry"), ["Ford, Henry, Jr."]);
        assert_eq!(names("de Lorimier, Alexandre"), ["de Lorimier, Alexandre"]);
        assert_eq!(names("Danti Lopez, I."), ["Danti Lopez, I."]);
        assert_eq!(names("Aristotle"), ["Aristotle"]);
        assert_eq!(names("Souza, Luciana Moreira Sá de"), ["Souza, Luciana Moreira Sá de"]);
    }

    #[test]
    fn and_splits_outside_braces_in_any_case() {
        assert_eq!(
            names("Bird, R.B. and Armstrong, R.C. AND Hassager, O."),
            ["Bird, R.B.", "Armstrong, R.C.", "Hassager, O."]
        );
        assert_eq!(
            names("Michael D. Ekstrand and\n  John T. Riedl"),
            ["Ekstrand, Michael D.", "Riedl, John T."]
        );
        assert_eq!(names("{a and b} and c and D E"), ["a and b", "c", "E, D"]);
        assert_eq!(names("Smith, J. and others"), ["Smith, J."]);
        assert_eq!(names("A and ,"), ["A"]);
        assert_eq!(names("Sandand, A. and Andrews, B."), ["Sandand, A.", "Andrews, B."]);
    }

    #[test]
    fn corporate_names_stay_whole() {
        assert_eq!(
            parse_names("{World Health Organization}"),
            [Author::new("World Health Organization", None)]
        );
        assert_eq!(names("{R Core Team}"), ["R Core Team"]);
        assert_eq!(names("Patwari, N. and {Yanwei Wang}"), ["Patwari, N.", "Yanwei Wang"]);
    }

    #[test]
    fn latex_in_names() {
        assert_eq!(
            names(r#"von Helmh\"oltz, Herm\"an\~n and von Helmh{\"o}ltz, Herm{\"a}n{\~n}"#),
            ["von Helmhöltz, Hermänñ", "von Helmhöltz, Hermänñ"]
        );
        assert_eq!(names(r"Jean Laid{\'e} and Ben Loaeb"), ["Laidé, Jean", "Loaeb, Ben"]);
        assert_eq!(names(r"K. B. {Adedeji} and Y. {Hamam}"), ["Adedeji, K. B.", "Hamam, Y."]);
        assert_eq!(names(r#"{\"O}zt{\"u}rk, Ay{\c{s}}e"#), ["Öztürk, Ayşe"]);
        assert_eq!(names("D.~E.~Knuth"), ["Knuth, D. E."]);
    }

    #[test]
    fn biblatex_extended_names() {
        assert_eq!(
            names("family=Ackooij, given=W., prefix=van, useprefix=true and Danti Lopez, I."),
            ["van Ackooij, W.", "Danti Lopez, I."]
        );
        assert_eq!(names("given=A, family=B"), ["B, A"]);
        assert_eq!(names("given=A=B, family=C"), ["C, A=B"]);
        assert_eq!(names("given=A, family=B, given=C"), ["B, C"]);
    }
}
