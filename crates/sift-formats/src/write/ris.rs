//! RIS out: one `TAG  - value` line per value, `ER  - ` and a blank line after each record.
//!
//! Tags are the ones Sift's RIS reader and the common reference managers read: the PMID goes
//! in `AN` with `DB  - PubMed` (an accession number means a PMID only in a PubMed record),
//! the PMCID in `C2`, page ranges split into `SP` and `EP` at the first `-`.

use std::io::{self, Write};

use super::{ExportRecord, one_line};

pub(super) fn write_record(out: &mut impl Write, record: &ExportRecord<'_>) -> io::Result<()> {
    let r = record.reference;
    writeln!(out, "TY  - {}", r.work_type.ris_code())?;
    line(out, "ID", record.id)?;
    line(out, "TI", r.title.as_deref())?;
    for author in &r.authors {
        line(out, "AU", Some(&author.to_string()))?;
    }
    line(out, "PY", r.year.map(|y| y.to_string()).as_deref())?;
    line(out, "T2", r.journal.as_deref())?;
    line(out, "J2", r.journal_abbrev.as_deref())?;
    line(out, "VL", r.volume.as_deref())?;
    line(out, "IS", r.issue.as_deref())?;
    if let Some(pages) = &r.pages {
        match pages.split_once('-') {
            Some((start, end)) if !start.trim().is_empty() => {
                line(out, "SP", Some(start))?;
                line(out, "EP", Some(end))?;
            }
            _ => line(out, "SP", Some(pages))?,
        }
    }
    line(out, "DO", r.doi.as_deref())?;
    if r.pmid.is_some() {
        line(out, "AN", r.pmid.as_deref())?;
        line(out, "DB", Some("PubMed"))?;
    }
    line(out, "C2", r.pmcid.as_deref())?;
    line(out, "SN", r.issn.as_deref())?;
    line(out, "SN", r.isbn.as_deref())?;
    line(out, "PB", r.publisher.as_deref())?;
    line(out, "LA", r.language.as_deref())?;
    for keyword in &r.keywords {
        line(out, "KW", Some(keyword))?;
    }
    for publication_type in &r.publication_types {
        line(out, "M3", Some(publication_type))?;
    }
    line(out, "UR", r.url.as_deref())?;
    line(out, "AB", r.abstract_text.as_deref())?;
    out.write_all(b"ER  - \n\n")
}

/// Writes `TAG  - value` unless the value is missing or blank.
fn line(out: &mut impl Write, tag: &str, value: Option<&str>) -> io::Result<()> {
    match value.map(one_line) {
        Some(value) if !value.is_empty() => writeln!(out, "{tag}  - {value}"),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use sift_domain::{Reference, WorkType};

    use crate::write::ExportFormat;
    use crate::write::testing::{full_reference, written};

    #[test]
    fn every_field_has_its_tag() {
        assert_eq!(
            written(ExportFormat::Ris, &[full_reference()]),
            "TY  - JOUR\nID  - rec-1\nTI  - Effects of 50% less sugar & more_salt on {rats}\n\
             AU  - Müller, Jörg A.\nAU  - WHO Study Group\nPY  - 2020\nT2  - Journal of Tests\n\
             J2  - J Tests\nVL  - 12\nIS  - 3\nSP  - 1297\nEP  - 1306\nDO  - 10.1000/xyz_1\n\
             AN  - 32336025\nDB  - PubMed\nC2  - PMC7123456\nSN  - 1234-567X\nSN  - 9783161484100\n\
             PB  - Test Press\nLA  - English\nKW  - Rats\nKW  - Sugar, dietary\nM3  - Journal Article\n\
             M3  - Research Support, Non-U.S. Gov't\nUR  - https://example.org/a_b?x=1\n\
             AB  - Background: line one line two.\nER  - \n\n"
        );
    }

    #[test]
    fn single_pages_and_empty_references() {
        let r =
            Reference { work_type: WorkType::Thesis, pages: Some("e0123".into()), ..Reference::default() };
        assert_eq!(written(ExportFormat::Ris, &[r]), "TY  - THES\nID  - rec-1\nSP  - e0123\nER  - \n\n");
        assert_eq!(written(ExportFormat::Ris, &[Reference::default()]), "TY  - GEN\nID  - rec-1\nER  - \n\n");
    }
}
