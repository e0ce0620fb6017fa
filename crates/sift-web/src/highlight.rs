//! Highlighting a review's include and exclude keywords in a record's text, producing
//! HTML-escaped text with `<mark>` around matches.

/// Escapes `text` for HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `text` escaped, with case-insensitive matches of `include` words marked `class="kw-in"`
/// and of `exclude` words `class="kw-out"`. A keyword matches whole words ("rat" marks "rat"
/// but not "rate"); ending it with `*` makes it match word starts ("child*" marks
/// "children"), as in database search syntax.
pub fn highlight(text: &str, include: &[String], exclude: &[String]) -> String {
    let lower = text.to_lowercase();
    if lower.len() != text.len() {
        // Lower-casing changed byte offsets (rare scripts); mark nothing rather than mis-mark.
        return escape(text);
    }
    // (lower-cased word, class, matches word starts)
    let words: Vec<(String, &str, bool)> = include
        .iter()
        .map(|w| (w, "kw-in"))
        .chain(exclude.iter().map(|w| (w, "kw-out")))
        .map(|(w, class)| {
            let prefix = w.ends_with('*');
            (w.trim_end_matches('*').to_lowercase(), class, prefix)
        })
        .filter(|(w, _, _)| !w.is_empty())
        .collect();
    let mut out = String::with_capacity(text.len() + 32);
    let mut i = 0;
    let mut plain_start = 0;
    while i < text.len() {
        let at_boundary = i == 0 || !text[..i].chars().next_back().is_some_and(char::is_alphanumeric);
        let found = at_boundary
            .then(|| {
                words
                    .iter()
                    .filter(|(w, _, prefix)| {
                        let end = i + w.len();
                        lower[i..].starts_with(w.as_str())
                            && text.is_char_boundary(end)
                            && (*prefix || !text[end..].chars().next().is_some_and(char::is_alphanumeric))
                    })
                    .max_by_key(|(w, _, _)| w.len())
            })
            .flatten();
        match found {
            Some((word, class, _)) => {
                out.push_str(&escape(&text[plain_start..i]));
                let end = i + word.len();
                out.push_str(&format!("<mark class=\"{class}\">{}</mark>", escape(&text[i..end])));
                i = end;
                plain_start = end;
            }
            None => i += text[i..].chars().next().map_or(1, char::len_utf8),
        }
    }
    out.push_str(&escape(&text[plain_start..]));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_keywords_and_escapes_everything_else() {
        let got = highlight(
            "Exercise <b>for</b> children & rats; a rat; exercised",
            &["exercise".into(), "child*".into()],
            &["rat".into()],
        );
        assert_eq!(
            got,
            "<mark class=\"kw-in\">Exercise</mark> &lt;b&gt;for&lt;/b&gt; <mark class=\"kw-in\">child</mark>ren &amp; rats; a <mark class=\"kw-out\">rat</mark>; exercised"
        );
    }

    #[test]
    fn matches_only_at_word_starts() {
        assert_eq!(highlight("pirate", &[], &["rat".into()]), "pirate");
        assert_eq!(highlight("rate", &[], &["rat".into()]), "rate", "whole words unless starred");
    }
}
