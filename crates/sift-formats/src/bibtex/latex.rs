//! LaTeX markup in BibTeX field values, turned into plain Unicode text.
//!
//! Accents become a base letter plus a combining mark (`\"o` is `o` + U+0308), which
//! `normalize::text` later composes to NFC. Formatting commands (`\emph`, `\textbf`, unknown
//! ones) are dropped and their argument text kept; protective braces (`{DNA}`) disappear; math
//! keeps its content, with Greek letters and common symbols spelled out. The conversion never
//! fails: whatever it does not understand stays in the text.

/// Nesting deeper than this is not followed; such input is not bibliographic data, and a
/// bounded depth keeps the recursion off the end of the stack.
const MAX_DEPTH: usize = 64;

/// Converts a field value written in LaTeX to plain text. Whitespace is left as it comes; the
/// caller tidies it with `normalize::text`.
pub(crate) fn to_unicode(latex: &str) -> String {
    if !latex.contains(['\\', '{', '}', '$', '~', '-', '`', '\'']) {
        return latex.to_string();
    }
    let mut converter = Converter { chars: latex.chars().collect(), pos: 0, math: false, depth: 0 };
    let mut out = String::with_capacity(latex.len());
    converter.sequence(&mut out, false);
    out
}

/// Reads a verbatim field (DOI, URL, eprint id), where LaTeX does not apply: braces go, a
/// backslash before a non-letter (`\_`, `\%`) goes, and a `\url{..}` wrapper goes.
pub(crate) fn verbatim(latex: &str) -> String {
    let mut out = String::with_capacity(latex.len());
    let mut chars = latex.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' | '}' => {}
            '\\' => match chars.peek() {
                Some(next) if next.is_ascii_alphabetic() => {
                    // A command name such as `\url`: dropped, its argument stays.
                    while chars.peek().is_some_and(char::is_ascii_alphabetic) {
                        chars.next();
                    }
                }
                Some(_) => out.extend(chars.next()),
                None => {}
            },
            _ => out.push(c),
        }
    }
    out
}

struct Converter {
    chars: Vec<char>,
    pos: usize,
    math: bool,
    depth: usize,
}

impl Converter {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    /// Converts until the end of the input, or the `}` closing the current group.
    fn sequence(&mut self, out: &mut String, in_group: bool) {
        while let Some(c) = self.peek() {
            self.pos += 1;
            match c {
                '}' if in_group => return,
                // A stray closing brace means nothing in text.
                '}' => {}
                '{' => self.group(out),
                '\\' => self.command(out),
                '$' => {
                    if self.peek() == Some('$') {
                        self.pos += 1;
                    }
                    self.math = !self.math;
                }
                '~' => out.push(' '),
                '-' => {
                    let mut n = 1;
                    while self.peek() == Some('-') && n < 3 {
                        self.pos += 1;
                        n += 1;
                    }
                    out.push_str(match n {
                        3 => "\u{2014}",
                        2 => "\u{2013}",
                        _ => "-",
                    });
                }
                '`' if self.peek() == Some('`') => {
                    self.pos += 1;
                    out.push('\u{201c}');
                }
                '\'' if self.peek() == Some('\'') => {
                    self.pos += 1;
                    out.push('\u{201d}');
                }
                // Superscript and subscript marks: the script's text stays.
                '^' | '_' if self.math => {}
                _ => out.push(c),
            }
        }
    }

    /// A `{...}` group, its opening brace already read: the braces only protect or scope.
    fn group(&mut self, out: &mut String) {
        if self.depth >= MAX_DEPTH {
            return;
        }
        self.depth += 1;
        let math = self.math;
        self.sequence(out, true);
        self.math = math;
        self.depth -= 1;
    }

    /// Reads a group's text without converting it (a URL inside `\url{..}`).
    fn raw_group(&mut self) -> Option<String> {
        self.skip_spaces();
        if self.peek() != Some('{') {
            return None;
        }
        self.pos += 1;
        let mut depth = 1;
        let mut text = String::new();
        while let Some(c) = self.peek() {
            self.pos += 1;
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                '\\' => {
                    // `\%`, `\_` and friends inside a URL are escapes.
                    if let Some(next) = self.peek().filter(|n| !n.is_ascii_alphabetic()) {
                        self.pos += 1;
                        text.push(next);
                    } else {
                        text.push(c);
                    }
                    continue;
                }
                _ => {}
            }
            text.push(c);
        }
        Some(text)
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(|c| c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            self.pos += 1;
        }
    }

    /// A command, its backslash already read.
    fn command(&mut self, out: &mut String) {
        let Some(c) = self.peek() else {
            return;
        };
        if !c.is_ascii_alphabetic() {
            self.pos += 1;
            match c {
                '"' | '\'' | '`' | '^' | '~' | '=' | '.' => {
                    let mark = accent_mark(&c.to_string()).unwrap_or('\u{308}');
                    self.skip_spaces();
                    self.accent(out, mark);
                }
                // A forced line break or an explicit space.
                '\\' | ' ' | '\n' | '\r' | '\t' | ',' | ';' | ':' | '>' => out.push(' '),
                // Discretionary hyphen, italic correction, negative thin space, spacing fix.
                '-' | '/' | '!' | '@' => {}
                _ => out.push(c),
            }
            return;
        }
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            self.pos += 1;
        }
        let name: String = self.chars[start..self.pos].iter().collect();
        if let Some(mark) = accent_mark(&name) {
            self.skip_spaces();
            self.accent(out, mark);
            return;
        }
        if let Some(symbol) = symbol(&name) {
            out.push_str(symbol);
            // TeX swallows the spaces after a control word: `\ss e` is "ße". In math the
            // spaces are kept, since TeX spaces math by itself (`$p \leq 0.05$`).
            if !self.math {
                self.skip_spaces();
            }
            return;
        }
        match name.as_str() {
            "url" | "path" | "nolinkurl" | "doi" => {
                if let Some(url) = self.raw_group() {
                    out.push_str(&url);
                }
            }
            // `\href{url}{text}`: the text is what a reader sees.
            "href" => {
                self.raw_group();
            }
            // Environment names and labels are not text.
            "begin" | "end" | "label" => {
                self.raw_group();
            }
            // Elsevier writes characters it could not encode as `\ElsevierGlyph{2014}` (hex).
            "ElsevierGlyph" => {
                if let Some(code) = self.raw_group() {
                    match u32::from_str_radix(code.trim(), 16).ok().and_then(char::from_u32) {
                        Some(ch) => out.push(ch),
                        None => out.push_str(&code),
                    }
                }
            }
            // Any other command (formatting, unknown): the name goes, and so do the spaces after
            // it, as in TeX; arguments are read as ordinary groups and so keep their text.
            _ => self.skip_spaces(),
        }
    }

    /// Puts `mark` on the first character of the accent's argument: a group, a command such
    /// as `\i`, or a single character.
    fn accent(&mut self, out: &mut String, mark: char) {
        if self.depth >= MAX_DEPTH {
            return;
        }
        self.depth += 1;
        let mut base = String::new();
        match self.peek() {
            Some('{') => {
                self.pos += 1;
                self.group(&mut base);
            }
            Some('\\') => {
                self.pos += 1;
                self.command(&mut base);
            }
            Some('}') | Some('$') | None => {}
            Some(c) => {
                self.pos += 1;
                base.push(c);
            }
        }
        self.depth -= 1;
        let mut chars = base.chars();
        if let Some(first) = chars.next() {
            // An accent on a dotless i or j means the ordinary letter with that accent.
            out.push(match first {
                '\u{131}' => 'i',
                '\u{237}' => 'j',
                other => other,
            });
            out.push(mark);
            out.extend(chars);
        }
    }
}

/// The combining character for an accent command.
fn accent_mark(name: &str) -> Option<char> {
    Some(match name {
        "\"" => '\u{308}',
        "'" => '\u{301}',
        "`" => '\u{300}',
        "^" => '\u{302}',
        "~" => '\u{303}',
        "=" => '\u{304}',
        "." => '\u{307}',
        "u" => '\u{306}',
        "v" => '\u{30c}',
        "H" => '\u{30b}',
        "c" => '\u{327}',
        "k" => '\u{328}',
        "r" => '\u{30a}',
        "d" => '\u{323}',
        "b" => '\u{331}',
        "t" => '\u{361}',
        _ => return None,
    })
}

/// Commands that stand for a character or a short text.
fn symbol(name: &str) -> Option<&'static str> {
    Some(match name {
        "aa" => "å",
        "AA" => "Å",
        "ae" => "æ",
        "AE" => "Æ",
        "o" => "ø",
        "O" => "Ø",
        "oe" => "œ",
        "OE" => "Œ",
        "ss" => "ß",
        "SS" => "SS",
        "l" => "ł",
        "L" => "Ł",
        "i" => "\u{131}",
        "j" => "\u{237}",
        "dh" => "ð",
        "DH" => "Ð",
        "th" => "þ",
        "TH" => "Þ",
        "ng" => "ŋ",
        "NG" => "Ŋ",
        "dj" => "đ",
        "DJ" => "Đ",
        "textasciitilde" => "~",
        "textasciicircum" => "^",
        "textbackslash" => "\\",
        "textbar" => "|",
        "textless" => "<",
        "textgreater" => ">",
        "textunderscore" => "_",
        "textbraceleft" => "{",
        "textbraceright" => "}",
        "textdollar" => "$",
        "textquotesingle" => "'",
        "textquotedbl" => "\"",
        "textasciigrave" => "`",
        "textendash" => "\u{2013}",
        "textemdash" => "\u{2014}",
        "textquoteleft" => "\u{2018}",
        "textquoteright" => "\u{2019}",
        "textquotedblleft" => "\u{201c}",
        "textquotedblright" => "\u{201d}",
        "quotesinglbase" => "\u{201a}",
        "quotedblbase" => "\u{201e}",
        "guillemotleft" | "guillemetleft" => "«",
        "guillemotright" | "guillemetright" => "»",
        "textbullet" => "•",
        "textdagger" | "dag" => "†",
        "textdaggerdbl" | "ddag" => "‡",
        "textregistered" => "®",
        "texttrademark" => "™",
        "textcopyright" | "copyright" => "©",
        "textdegree" | "degree" => "°",
        "textcelsius" | "celsius" => "℃",
        "textperthousand" | "permil" => "‰",
        "textellipsis" | "ldots" | "dots" => "…",
        "textperiodcentered" => "·",
        "textsection" | "S" => "§",
        "textparagraph" | "P" => "¶",
        "pounds" | "textsterling" => "£",
        "euro" | "texteuro" => "€",
        "textyen" => "¥",
        "textmu" | "micro" => "µ",
        "texttimes" => "×",
        "textdiv" => "÷",
        "textpm" => "±",
        "textonehalf" => "½",
        "textonequarter" => "¼",
        "textthreequarters" => "¾",
        "textinterrobang" => "‽",
        "textinterrobangdown" => "⸘",
        "textexclamdown" => "¡",
        "textquestiondown" => "¿",
        "slash" => "/",
        "hyphen" => "-",
        "quad" | "qquad" | "enspace" | "thinspace" | "space" => " ",
        "LaTeX" => "LaTeX",
        "LaTeXe" => "LaTeX2e",
        "TeX" => "TeX",
        "BibTeX" => "BibTeX",
        // Greek, as titles write it in math mode.
        "alpha" => "α",
        "beta" => "β",
        "gamma" => "γ",
        "delta" => "δ",
        "epsilon" | "varepsilon" => "ε",
        "zeta" => "ζ",
        "eta" => "η",
        "theta" => "θ",
        "vartheta" => "ϑ",
        "iota" => "ι",
        "kappa" => "κ",
        "lambda" => "λ",
        "mu" => "μ",
        "nu" => "ν",
        "xi" => "ξ",
        "pi" => "π",
        "varpi" => "ϖ",
        "rho" | "varrho" => "ρ",
        "sigma" => "σ",
        "varsigma" => "ς",
        "tau" => "τ",
        "upsilon" => "υ",
        "phi" => "ϕ",
        "varphi" => "φ",
        "chi" => "χ",
        "psi" => "ψ",
        "omega" => "ω",
        "Gamma" => "Γ",
        "Delta" => "Δ",
        "Theta" => "Θ",
        "Lambda" => "Λ",
        "Xi" => "Ξ",
        "Pi" => "Π",
        "Sigma" => "Σ",
        "Upsilon" => "Υ",
        "Phi" => "Φ",
        "Psi" => "Ψ",
        "Omega" => "Ω",
        // Mathematical symbols common in titles and abstracts.
        "pm" => "±",
        "mp" => "∓",
        "times" => "×",
        "div" => "÷",
        "cdot" => "·",
        "leq" | "le" => "≤",
        "geq" | "ge" => "≥",
        "neq" | "ne" => "≠",
        "ll" => "≪",
        "gg" => "≫",
        "approx" => "≈",
        "sim" => "∼",
        "simeq" => "≃",
        "equiv" => "≡",
        "propto" => "∝",
        "infty" => "∞",
        "partial" => "∂",
        "nabla" => "∇",
        "sum" => "∑",
        "prod" => "∏",
        "int" => "∫",
        "sqrt" => "√",
        "to" | "rightarrow" => "→",
        "leftarrow" | "gets" => "←",
        "leftrightarrow" => "↔",
        "Rightarrow" => "⇒",
        "Leftarrow" => "⇐",
        "Leftrightarrow" => "⇔",
        "uparrow" => "↑",
        "downarrow" => "↓",
        "circ" => "°",
        "bullet" => "•",
        "prime" => "′",
        "ell" => "ℓ",
        "hbar" => "ℏ",
        "in" => "∈",
        "notin" => "∉",
        "subset" => "⊂",
        "subseteq" => "⊆",
        "cup" => "∪",
        "cap" => "∩",
        "forall" => "∀",
        "exists" => "∃",
        "emptyset" => "∅",
        "langle" => "⟨",
        "rangle" => "⟩",
        "lbrace" => "{",
        "rbrace" => "}",
        "backslash" => "\\",
        "%" => "%",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sift_domain::biblio::normalize;

    /// Converts and tidies, as the reader does.
    fn plain(latex: &str) -> String {
        normalize::text(&to_unicode(latex)).unwrap_or_default()
    }

    #[test]
    fn accents_in_every_spelling() {
        for (input, want) in [
            (r#"\"o"#, "ö"),
            (r#"{\"o}"#, "ö"),
            (r#"\"{o}"#, "ö"),
            (r#"{\" o}"#, "ö"),
            (r"\'e", "é"),
            (r"\`a", "à"),
            (r"\^a", "â"),
            (r"\~n", "ñ"),
            (r"\=a", "ā"),
            (r"\.z", "ż"),
            (r"\u{g}", "ğ"),
            (r"\v{c}", "č"),
            (r"\v c", "č"),
            (r"\H{o}", "ő"),
            (r"\c{c}", "ç"),
            (r"\k{a}", "ą"),
            (r"\r{a}", "å"),
            (r"\d{s}", "ṣ"),
            (r"\b{b}", "ḇ"),
            (r"\'{\i}", "í"),
            (r"\'\i", "í"),
            (r"\^{\j}", "ĵ"),
            (r#"Mar{\'i}a Corbal{\'{a}}n"#, "María Corbalán"),
            (r"Bar{\i}\c{s}", "Barış"),
        ] {
            assert_eq!(plain(input), want, "input {input:?}");
        }
    }

    #[test]
    fn special_letters_and_escapes() {
        assert_eq!(
            plain(r"{\aa} {\AA} {\ae} {\AE} {\o} {\O} {\ss} {\l} {\L} {\oe} {\OE}"),
            "å Å æ Æ ø Ø ß ł Ł œ Œ"
        );
        assert_eq!(plain(r"Stra\ss e"), "Straße");
        assert_eq!(plain(r"a\&b\%c\$d\#e\_f\{g\}"), "a&b%c$d#e_f{g}");
        assert_eq!(plain(r"\textasciitilde{}\textasciicircum{}\textbackslash{}"), "~^\\");
        assert_eq!(plain(r"{\textless}i{\textgreater}x{\textless}/i{\textgreater}"), "<i>x</i>");
    }

    #[test]
    fn dashes_ties_and_quotes() {
        assert_eq!(plain("1--10"), "1\u{2013}10");
        assert_eq!(plain("a---b"), "a\u{2014}b");
        assert_eq!(plain("a-b"), "a-b");
        assert_eq!(plain("D.~E.~Knuth"), "D. E. Knuth");
        assert_eq!(plain("``quoted''"), "\u{201c}quoted\u{201d}");
        assert_eq!(plain("---~"), "\u{2014}");
    }

    #[test]
    fn formatting_commands_keep_their_text() {
        assert_eq!(plain(r"\textit{Tetrix subulata} and \emph{x}"), "Tetrix subulata and x");
        assert_eq!(plain(r"\textbf{b}\textsc{sc}\mathrm{rm}"), "bscrm");
        assert_eq!(plain(r"{\textit{i}\textbf{b}\textsuperscript{sup}\textsubscript{sub}}"), "ibsupsub");
        assert_eq!(plain(r"a\it b{\bf c}"), "abc");
        assert_eq!(plain(r"a\begin{it}b\end{it}c"), "abc");
        assert_eq!(plain(r"unknown: \unknown"), "unknown:");
        assert_eq!(plain(r"\foo{kept}"), "kept");
    }

    #[test]
    fn protective_braces_go() {
        assert_eq!(plain("{DNA} methylation in {{Cocker}} {S}paniels"), "DNA methylation in Cocker Spaniels");
        assert_eq!(plain("}{stray"), "stray");
    }

    #[test]
    fn math_keeps_its_content() {
        assert_eq!(plain("$e=mc^2$"), "e=mc2");
        assert_eq!(plain(r"$\alpha$-synuclein and $\beta$-amyloid"), "α-synuclein and β-amyloid");
        assert_eq!(plain(r"$^{sup}_{sub}$"), "supsub");
        assert_eq!(plain(r"37$^\circ$C, $p \leq 0.05$, $\Phi$"), "37°C, p ≤ 0.05, Φ");
    }

    #[test]
    fn urls_and_links() {
        assert_eq!(plain(r"url: \url{https://example.org/a_b~c--d}"), "url: https://example.org/a_b~c--d");
        assert_eq!(plain(r"href: \href{https://example.org}{Example}"), "href: Example");
        assert_eq!(plain(r"\ElsevierGlyph{2014}"), "\u{2014}");
        assert_eq!(verbatim(r"{10.1000/a\_b}"), "10.1000/a_b");
        assert_eq!(verbatim(r"\url{https://x.org/a%2Fb}"), "https://x.org/a%2Fb");
    }

    #[test]
    fn hostile_input_does_not_panic() {
        for input in
            ["\\", "\\\"", "{{{{", "}}}}", "$", "\\'{", "\\c", "\\url{", "\\href", "-", "\\ElsevierGlyph{zz}"]
        {
            let _ = to_unicode(input);
            let _ = verbatim(input);
        }
        let deep = "{".repeat(100_000) + "x" + &"}".repeat(100_000);
        assert_eq!(plain(&deep), "x");
        let accents = "\\'".repeat(50_000);
        let _ = to_unicode(&accents);
    }
}
