//! Candidate pairs from shared blocking keys, so the work grows with the number of records
//! that share something rather than with the square of all records.
//!
//! Each record emits a few keys: its DOI, its PMID, its whole normalised title, the first and
//! the last 32 characters of that title (a typo at one end still leaves the other), first
//! author + year + first page, and journal initials + volume + first page (for titles that
//! differ, such as a translated title). Records sharing a key become candidate pairs. Blocks
//! larger than a cap are skipped: hundreds of records titled "Editorial" share a title, and
//! they are better compared through their other keys than all against all.

use xxhash_rust::xxh3::xxh3_64;

use crate::prepare::Prepared;

/// Records per block beyond which a block is too unspecific to pair all against all.
const MAX_BLOCK: usize = 64;
/// Identifier blocks may be larger (a DOI exported by many databases) but not unbounded.
const MAX_ID_BLOCK: usize = 512;
/// Characters of the title's head and tail used as keys.
const FRAGMENT: usize = 32;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Doi,
    Pmid,
    Title,
    TitleHead,
    TitleTail,
    AuthorYearPage,
    JournalVolumePage,
}

fn key(kind: Kind, parts: &[&str]) -> u64 {
    let mut bytes = Vec::with_capacity(64);
    bytes.push(kind as u8);
    for part in parts {
        bytes.extend_from_slice(part.as_bytes());
        bytes.push(0x1f);
    }
    xxh3_64(&bytes)
}

/// The blocking keys of one record, each with the largest block it may share.
fn keys(p: &Prepared, out: &mut Vec<(u64, usize)>) {
    if let Some(doi) = &p.doi {
        out.push((key(Kind::Doi, &[doi]), MAX_ID_BLOCK));
    }
    if let Some(pmid) = &p.pmid {
        out.push((key(Kind::Pmid, &[pmid]), MAX_ID_BLOCK));
    }
    if !p.title.is_empty() {
        out.push((key(Kind::Title, &[&p.title]), MAX_BLOCK));
        let compact: String = p.title.chars().filter(|c| *c != ' ').collect();
        if compact.len() > FRAGMENT {
            out.push((key(Kind::TitleHead, &[&compact[..FRAGMENT]]), MAX_BLOCK));
            out.push((key(Kind::TitleTail, &[&compact[compact.len() - FRAGMENT..]]), MAX_BLOCK));
        }
    }
    if let (Some(author), Some(year), Some(page)) = (p.first_author(), p.year, &p.first_page) {
        out.push((key(Kind::AuthorYearPage, &[author, &year.to_string(), page]), MAX_BLOCK));
    }
    if let (false, Some(volume), Some(page)) = (p.journal.is_empty(), &p.volume, &p.first_page) {
        let initials: String = p.journal.iter().filter_map(|w| w.chars().next()).collect();
        out.push((key(Kind::JournalVolumePage, &[&initials, volume, page]), MAX_BLOCK));
    }
}

/// Every pair of records (`a < b`) that share a blocking key, without repeats.
pub fn candidate_pairs(prepared: &[Prepared]) -> Vec<(u32, u32)> {
    let mut entries: Vec<(u64, u32, u32)> = Vec::with_capacity(prepared.len() * 6);
    let mut scratch = Vec::with_capacity(8);
    for (i, p) in prepared.iter().enumerate() {
        scratch.clear();
        keys(p, &mut scratch);
        for &(k, cap) in &scratch {
            entries.push((k, i as u32, cap as u32));
        }
    }
    entries.sort_unstable_by_key(|&(k, i, _)| (k, i));
    let mut pairs = Vec::new();
    let mut start = 0;
    while start < entries.len() {
        let mut end = start + 1;
        while end < entries.len() && entries[end].0 == entries[start].0 {
            end += 1;
        }
        let block = &entries[start..end];
        let cap = block[0].2 as usize;
        if block.len() > 1 && block.len() <= cap {
            for (x, &(_, a, _)) in block.iter().enumerate() {
                for &(_, b, _) in &block[x + 1..] {
                    if a != b {
                        pairs.push((a.min(b), a.max(b)));
                    }
                }
            }
        }
        start = end;
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use sift_domain::{Author, Reference};

    fn prepared(title: &str, doi: Option<&str>) -> Prepared {
        Prepared::new(&Reference {
            title: Some(title.into()),
            doi: doi.map(String::from),
            authors: vec![Author::new("Smith", None)],
            year: Some(2020),
            pages: Some("12-19".into()),
            ..Reference::default()
        })
    }

    #[test]
    fn shared_keys_make_pairs() {
        let records = vec![
            prepared("Duloxetine for painful chemotherapy-induced peripheral neuropathy: a trial", None),
            prepared("Duloxetine for painful chemotherapy induced peripheral neuropathy - a trail", None),
            prepared("Something else entirely about exercise", Some("10.1/x")),
            prepared("A different title", Some("10.1/x")),
        ];
        let pairs = candidate_pairs(&records);
        assert!(pairs.contains(&(0, 1)), "a typo at the end still shares the head");
        assert!(pairs.contains(&(2, 3)), "a shared DOI");
        assert!(pairs.iter().all(|(a, b)| a < b));
    }

    #[test]
    fn oversized_blocks_are_skipped() {
        let records: Vec<Prepared> = (0..200)
            .map(|i| {
                Prepared::new(&Reference {
                    title: Some("Editorial".into()),
                    authors: vec![Author::new(format!("Author{i}"), None)],
                    ..Reference::default()
                })
            })
            .collect();
        assert!(candidate_pairs(&records).is_empty());
    }
}
