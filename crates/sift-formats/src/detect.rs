//! Format detection from the first bytes of a file, with its name as a tie-breaker.
//!
//! Content wins over the extension: Web of Science files are often saved as `.ris` or `.txt`,
//! and ASReview's `.txt` demo files are RIS.

use crate::Format;

/// Decides the format of a file from its decoded head and its name.
pub(crate) fn detect(head: &[u8], file_name: &str) -> Result<Format, String> {
    let text = String::from_utf8_lossy(&head[..head.len().min(64 * 1024)]);
    let text = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    let extension = file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();

    if text.starts_with('<') {
        // Cut at a character boundary: byte 8192 may fall inside an accented letter.
        let mut probe_len = text.len().min(8192);
        while !text.is_char_boundary(probe_len) {
            probe_len -= 1;
        }
        let probe = &text[..probe_len];
        if probe.contains("<PubmedArticleSet")
            || probe.contains("<PubmedArticle>")
            || probe.contains("<PubmedBookArticle")
        {
            return Ok(Format::PubmedXml);
        }
        if probe.contains("<records>") || probe.contains("<record>") || probe.contains("<xml><records") {
            return Ok(Format::EndnoteXml);
        }
        if probe.contains("<article") && probe.contains("jats") || probe.contains("<!DOCTYPE article") {
            return Err("this is a JATS full-text article, not a list of references; import the PubMed XML (PubmedArticleSet) or RIS export instead".into());
        }
        return Err("XML that is neither PubMed XML (PubmedArticleSet) nor EndNote XML (<records>)".into());
    }

    let mut n_ris = 0;
    let mut n_medline = 0;
    let mut n_wos = 0;
    let mut n_bibtex = 0;
    let mut saw_pmid = false;
    let mut saw_wos_header = false;
    for line in text.lines().take(400) {
        let line = line.trim_start_matches('\u{feff}');
        let bytes = line.as_bytes();
        if line.starts_with("PMID-") {
            saw_pmid = true;
        }
        if line.starts_with("FN ") || line.starts_with("VR ") {
            saw_wos_header = true;
        }
        if bibtex_entry_start(line) {
            n_bibtex += 1;
        }
        if crate::ris::tag_of(bytes).is_some() {
            n_ris += 1;
        } else if wos_tag(bytes) {
            n_wos += 1;
        }
        if medline_tag(bytes) {
            n_medline += 1;
        }
    }
    if saw_pmid && n_medline > 0 {
        return Ok(Format::Medline);
    }
    if saw_wos_header && n_wos > 0 && n_wos >= n_ris {
        return Ok(Format::WosTagged);
    }
    if n_ris > 0 && n_ris >= n_wos {
        return Ok(Format::Ris);
    }
    if n_bibtex > 0 {
        return Ok(Format::Bibtex);
    }
    if n_wos >= 3 && text.lines().any(|l| l.trim_end() == "ER") {
        return Ok(Format::WosTagged);
    }
    let first_line = text.lines().next().unwrap_or("");
    if looks_like_header(first_line) || matches!(extension.as_str(), "csv" | "tsv" | "tab") {
        return Ok(Format::Csv);
    }
    match extension.as_str() {
        "ris" => Ok(Format::Ris),
        "nbib" => Ok(Format::Medline),
        "ciw" => Ok(Format::WosTagged),
        "bib" => Ok(Format::Bibtex),
        _ => Err(
            "could not tell the format: not RIS, MEDLINE, Web of Science, PubMed or EndNote XML, BibTeX, or CSV with a header; pass --from to say which".into(),
        ),
    }
}

fn bibtex_entry_start(line: &str) -> bool {
    let Some(rest) = line.trim_start().strip_prefix('@') else {
        return false;
    };
    let name_len = rest.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
    name_len > 0 && rest[name_len..].trim_start().starts_with(['{', '('])
}

/// `PMID- 123`, `FAU - ...`, `STAT- ...`: a tag of 3-4 capitals padded to four, then `- `.
/// (Two-letter MEDLINE tags look like RIS; the long ones tell the formats apart.)
fn medline_tag(bytes: &[u8]) -> bool {
    if bytes.len() < 6 || bytes[4] != b'-' || bytes[5] != b' ' {
        return false;
    }
    let n = bytes[..4].iter().take_while(|b| b.is_ascii_uppercase()).count();
    n >= 3 && bytes[n..4].iter().all(|b| *b == b' ')
}

/// `AU Smith, J`: two capitals, one space, then the value.
fn wos_tag(bytes: &[u8]) -> bool {
    bytes.len() >= 4
        && bytes[0].is_ascii_uppercase()
        && (bytes[1].is_ascii_uppercase() || bytes[1].is_ascii_digit())
        && bytes[2] == b' '
        && bytes[3] != b' '
        && bytes[3] != b'-'
}

/// A CSV/TSV header row that names at least two bibliographic columns.
fn looks_like_header(line: &str) -> bool {
    let delimiter = [',', '\t', ';'].into_iter().max_by_key(|d| line.matches(*d).count()).unwrap_or(',');
    if !line.contains(delimiter) {
        return false;
    }
    let known = [
        "title",
        "abstract",
        "authors",
        "author",
        "year",
        "doi",
        "journal",
        "pmid",
        "record_id",
        "id",
        "keywords",
        "publication year",
        "source title",
        "label_included",
        "url",
        "ti",
        "ab",
        "au",
        "py",
    ];
    line.split(delimiter)
        .map(|c| c.trim().trim_matches('"').to_ascii_lowercase())
        .filter(|c| known.contains(&c.as_str()))
        .count()
        >= 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detected(text: &str, name: &str) -> Result<Format, String> {
        detect(text.as_bytes(), name)
    }

    #[test]
    fn formats_are_told_apart_by_content() {
        assert_eq!(detected("TY  - JOUR\nTI  - X\nER  - \n", "a.txt"), Ok(Format::Ris));
        assert_eq!(detected("1.\nTY  - JOUR\nT1  - X\n", "a.ris"), Ok(Format::Ris));
        assert_eq!(detected("PMID- 123\nOWN - NLM\nTI  - X\n", "a.txt"), Ok(Format::Medline));
        assert_eq!(
            detected("FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAU Smith, J\nTI X\nER\n", "a.ris"),
            Ok(Format::WosTagged)
        );
        assert_eq!(detected("<?xml version=\"1.0\"?>\n<PubmedArticleSet>", "a.xml"), Ok(Format::PubmedXml));
        assert_eq!(
            detected("<?xml version=\"1.0\"?><xml><records><record>", "a.xml"),
            Ok(Format::EndnoteXml)
        );
        assert_eq!(detected("% comment\n@article{key,\n title={X}}", "a.txt"), Ok(Format::Bibtex));
        assert_eq!(detected("title,abstract,label_included\nA,B,1\n", "a.txt"), Ok(Format::Csv));
        assert_eq!(detected("record_id;title\n1;A\n", "a.txt"), Ok(Format::Csv));
        assert!(detected("hello world\n", "a.txt").is_err());
    }

    /// Found by `cargo fuzz run detect`: an XML file whose byte 8192 fell inside a multi-byte
    /// character panicked while slicing the probe.
    #[test]
    fn xml_probe_cut_inside_a_multibyte_character() {
        let text = format!("<?xml version=\"1.0\"?>\n<xml><records>{}é<record>", "a".repeat(8192 - 37));
        assert!(!text.is_char_boundary(8192));
        assert_eq!(detected(&text, "a.xml"), Ok(Format::EndnoteXml));
    }
}
