//! Judging one candidate pair: vetoes first, then tiered agreement rules.
//!
//! Vetoes (never the same work): different DOIs or different PMIDs when both records have
//! one; a notice (erratum, retraction, comment, reply, protocol) against anything but the
//! same kind of notice; a conference abstract against a full paper (unless the policy merges
//! them); and, without a shared identifier, years more than one apart or different volumes or
//! first pages. Records without titles are never matched on what they lack.
//!
//! A shared DOI or PMID makes a pair certain when titles (if both have one) are alike; a DOI
//! shared by unlike titles at different pages belongs to a container (a supplement's abstracts
//! under one DOI) and joins nothing. Without one, a pair is certain only when titles are
//! near-identical and author, year and journal (or volume and page) agree, or when the whole
//! place agrees (journal, year, volume, issue, both pages, every author) whatever one database
//! did to the title; near misses are queued for a person.

use rayon::prelude::*;

use crate::prepare::Prepared;
use crate::{Match, Policy, Tier};

/// Why a pair was judged as it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rule {
    SameDoi,
    SamePmid,
    SameMetadata,
    SimilarMetadata,
    /// Decided by a person.
    Person,
    DifferentDoi,
    DifferentPmid,
    Notice,
    ConferenceAbstract,
    Year,
    Volume,
    Pages,
    Title,
    NoTitle,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::SameDoi => "same-doi",
            Rule::SamePmid => "same-pmid",
            Rule::SameMetadata => "same-metadata",
            Rule::SimilarMetadata => "similar-metadata",
            Rule::Person => "person",
            Rule::DifferentDoi => "different-doi",
            Rule::DifferentPmid => "different-pmid",
            Rule::Notice => "notice",
            Rule::ConferenceAbstract => "conference-abstract",
            Rule::Year => "year",
            Rule::Volume => "volume",
            Rule::Pages => "pages",
            Rule::Title => "title",
            Rule::NoTitle => "no-title",
        }
    }

    pub fn parse(name: &str) -> Option<Rule> {
        const ALL: [Rule; 14] = [
            Rule::SameDoi,
            Rule::SamePmid,
            Rule::SameMetadata,
            Rule::SimilarMetadata,
            Rule::Person,
            Rule::DifferentDoi,
            Rule::DifferentPmid,
            Rule::Notice,
            Rule::ConferenceAbstract,
            Rule::Year,
            Rule::Volume,
            Rule::Pages,
            Rule::Title,
            Rule::NoTitle,
        ];
        ALL.into_iter().find(|r| r.as_str() == name)
    }
}

/// The judgement of one pair.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Verdict {
    Same { tier: Tier, score: f64, rule: Rule },
    Different(Rule),
}

/// Judges every candidate pair (in parallel) and keeps those that may be the same work.
pub fn judge_all(prepared: &[Prepared], pairs: &[(u32, u32)], policy: &Policy) -> Vec<Match> {
    pairs
        .par_iter()
        .filter_map(|&(a, b)| match judge(&prepared[a as usize], &prepared[b as usize], policy) {
            Verdict::Same { tier, score, rule } => {
                Some(Match { a: a as usize, b: b as usize, tier, score, rule })
            }
            Verdict::Different(_) => None,
        })
        .collect()
}

/// Whether two records describe the same work.
pub fn judge(a: &Prepared, b: &Prepared, policy: &Policy) -> Verdict {
    let both = |x: &Option<String>, y: &Option<String>| match (x, y) {
        (Some(x), Some(y)) => Some(x == y),
        _ => None,
    };
    let same_doi = both(&a.doi, &b.doi);
    let same_pmid = both(&a.pmid, &b.pmid);
    if same_doi == Some(false) {
        return Verdict::Different(Rule::DifferentDoi);
    }
    if same_pmid == Some(false) {
        return Verdict::Different(Rule::DifferentPmid);
    }
    if a.notice != b.notice {
        return Verdict::Different(Rule::Notice);
    }
    if !policy.merge_conference_abstracts && a.conference_abstract != b.conference_abstract {
        return Verdict::Different(Rule::ConferenceAbstract);
    }

    let similarity = (!a.title.is_empty() && !b.title.is_empty()).then(|| titles_alike(a, b));
    let year_gap = match (a.year, b.year) {
        (Some(x), Some(y)) => Some((x - y).abs()),
        _ => None,
    };
    let volume_conflict = both(&a.volume, &b.volume) == Some(false);
    let issue_conflict = both(&a.issue, &b.issue) == Some(false);
    // An article number ("e12724") against a page ("1-6") says nothing either way.
    let pages_comparable = a.first_page_is_article_number == b.first_page_is_article_number;
    let page_conflict = pages_comparable && both(&a.first_page, &b.first_page) == Some(false);
    let bibliographic_conflict = year_gap.is_some_and(|g| g > 1) || volume_conflict || page_conflict;

    if same_doi == Some(true) || same_pmid == Some(true) {
        let rule = if same_doi == Some(true) { Rule::SameDoi } else { Rule::SamePmid };
        let score = similarity.map_or(1.0, |s| s.score);
        // A DOI given to a whole supplement or issue (every abstract of a meeting under
        // "10.2337/db15386741"): titles that differ at pages that differ are different works
        // whatever the DOI says. A PMID is never shared so.
        if same_pmid != Some(true) && score < 0.7 && page_conflict {
            return Verdict::Different(Rule::Pages);
        }
        // The identifier names the work; page or volume differences between databases are
        // then data-entry noise, but only when the titles agree closely.
        let certain =
            (score >= 0.9 && year_gap.is_none_or(|g| g <= 1)) || (score >= 0.7 && !bibliographic_conflict);
        let tier = if certain { Tier::Certain } else { Tier::Possible };
        return Verdict::Same { tier, score, rule };
    }

    let Some(TitleSimilarity { score, via_variant }) = similarity else {
        return Verdict::Different(Rule::NoTitle);
    };
    // One title is the other with words added at one end, at the same place in the same
    // journal by the same authors: the whole bibliographic record then names one article.
    let same_place_exactly = year_gap == Some(0)
        && both(&a.volume, &b.volume) == Some(true)
        && !issue_conflict
        && pages_comparable
        && both(&a.first_page, &b.first_page) == Some(true)
        && both(&a.last_page, &b.last_page) != Some(false)
        && authors_agree(a, b) == Some(true)
        && journals_agree(&a.journal, &b.journal) != Some(false);
    if same_place_exactly && title_extended(a, b) {
        return Verdict::Same { tier: Tier::Certain, score, rule: Rule::SameMetadata };
    }
    if score < 0.75 {
        // A title in another language (Embase and MEDLINE translate, publishers do not): the
        // same journal, volume, year, first author and first page may still name one article.
        // Databases also mix up records (a title from one article, the pages of another), so
        // this is for a person to confirm, unless the whole place agrees: issue, both pages
        // and every author.
        if same_place(a, b) {
            let tier = if whole_place(a, b) { Tier::Certain } else { Tier::Possible };
            return Verdict::Same { tier, score, rule: Rule::SimilarMetadata };
        }
        return Verdict::Different(Rule::Title);
    }
    if year_gap.is_some_and(|g| g > 1) {
        return Verdict::Different(Rule::Year);
    }
    // A year apart: online first and in print, or a conference's year and its proceedings'.
    // A long, identical title by the same authors at the same volume and page (or in two
    // proceedings) is then one work.
    if year_gap == Some(1) && score >= 0.98 && a.n_title_words.min(b.n_title_words) >= 8 {
        let same_place = both(&a.volume, &b.volume) == Some(true)
            && pages_comparable
            && both(&a.first_page, &b.first_page) != Some(false);
        let proceedings = a.proceedings && b.proceedings && !volume_conflict && !page_conflict;
        if every_author_agrees(a, b) && (same_place || proceedings) {
            return Verdict::Same { tier: Tier::Certain, score, rule: Rule::SameMetadata };
        }
    }
    // A short title needs more: the same range of pages in the same issue of the same journal,
    // by every author (Nephron Clinical Practice 118(1), "c37-c42" online in 2010 and "37-42"
    // in the 2011 volume).
    if year_gap == Some(1)
        && score >= 0.95
        && same_range_of_an_issue(a, b)
        && every_author_agrees(a, b)
        && journals_agree(&a.journal, &b.journal) == Some(true)
    {
        return Verdict::Same { tier: Tier::Certain, score, rule: Rule::SameMetadata };
    }
    if volume_conflict {
        return Verdict::Different(Rule::Volume);
    }
    if page_conflict || issue_conflict {
        // Article numbers against page numbers ("c1804" / "1014") or a typo in a page: with
        // the same title, year, volume and first author it is worth a person's look.
        let alike = score >= 0.98
            && informative_title_pair(a, b)
            && year_gap == Some(0)
            && both(&a.volume, &b.volume) == Some(true)
            && authors_agree(a, b) == Some(true)
            && !issue_conflict;
        if alike {
            let long_title = a.n_title_words.min(b.n_title_words) >= 8;
            // "2297-2108" against "2097-2108" in the same issue: the impossible range is the
            // typo.
            let mistyped_first_page = (impossible_range(a) || impossible_range(b))
                && both(&a.last_page, &b.last_page) == Some(true)
                && both(&a.issue, &b.issue) == Some(true)
                && journals_agree(&a.journal, &b.journal) == Some(true);
            let tier =
                if (long_title && score >= 0.99 && journals_agree(&a.journal, &b.journal) != Some(false))
                    || mistyped_first_page
                {
                    Tier::Certain
                } else {
                    Tier::Possible
                };
            return Verdict::Same { tier, score, rule: Rule::SimilarMetadata };
        }
        return Verdict::Different(Rule::Pages);
    }

    let authors = authors_agree(a, b);
    // Proceedings go by many names ("ICIS", "International Conference on Information
    // Systems"); a mismatch there says nothing.
    let journals = match journals_agree(&a.journal, &b.journal) {
        Some(false) if a.proceedings || b.proceedings => None,
        agreement => agreement,
    };
    let year_equal = year_gap == Some(0);
    let volume_equal = both(&a.volume, &b.volume) == Some(true);
    let page_equal = pages_comparable && both(&a.first_page, &b.first_page) == Some(true);
    let last_page_conflict = pages_comparable && both(&a.last_page, &b.last_page) == Some(false);
    let support = usize::from(year_equal)
        + usize::from(authors == Some(true))
        + usize::from(journals == Some(true))
        + usize::from(volume_equal)
        + usize::from(page_equal);
    let conflicts = usize::from(authors == Some(false))
        + usize::from(journals == Some(false))
        // Proceedings carry the conference's year in one database and the volume's in another.
        + usize::from(year_gap == Some(1) && !(a.proceedings || b.proceedings))
        + usize::from(last_page_conflict);
    let informative_title = informative_title_pair(a, b);

    // Near-identical informative titles, same year and authors, from the same journal (or at
    // the same volume and page).
    let proceedings_year = year_gap == Some(1) && (a.proceedings || b.proceedings);
    let by_journal = !via_variant
        && conflicts == 0
        && score >= 0.95
        && informative_title
        && (year_equal || proceedings_year)
        && authors != Some(false)
        && (journals == Some(true) || (volume_equal && page_equal) || journals.is_none())
        && support >= 2
        && (page_equal || a.first_page.is_none() || b.first_page.is_none());
    // Proceedings are named differently by every database; the same first page, year and
    // authors under a near-identical title are then the evidence.
    // (A last page one database gets wrong, "165-184" / "165-183", does not matter when the
    // long title and every author agree.)
    let by_page = !via_variant
        && score >= 0.97
        && informative_title
        && year_equal
        && authors == Some(true)
        && page_equal
        && (!last_page_conflict
            || (score >= 0.99 && a.n_title_words.min(b.n_title_words) >= 8 && every_author_agrees(a, b)));
    // A whole supplement or a meeting's abstract book ("2015 BioIron Meeting Abstracts"): no
    // pages anywhere, so the title, year, volume, issue, journal and authors must all agree.
    let by_issue = score >= 0.999
        && a.n_title_words.min(b.n_title_words) >= 3
        && year_equal
        && volume_equal
        && both(&a.issue, &b.issue) == Some(true)
        && journals == Some(true)
        && authors == Some(true)
        && a.first_page.is_none()
        && b.first_page.is_none();
    // A long title, identical, in the same journal volume and year by the same first author:
    // pages that disagree are a data-entry error in one database ("p125" for "2-8"); papers
    // that really differ ("Part 1", "Part 2") differ in their titles.
    // (A journal named in two languages, "Jinko Chino Gakkai Ronbunshi", is then the same
    // journal when the issue agrees too.)
    let by_title_and_volume = score >= 0.99
        && a.n_title_words.min(b.n_title_words) >= 8
        && year_equal
        && volume_equal
        && authors == Some(true)
        && (journals != Some(false) || both(&a.issue, &b.issue) == Some(true));
    // Short titles ("Editor's comments") need everything to agree, pages included.
    let by_everything = score >= 0.98 && conflicts == 0 && support >= 4 && page_equal;
    if by_journal || by_page || by_everything || by_title_and_volume || by_issue {
        return Verdict::Same { tier: Tier::Certain, score, rule: Rule::SameMetadata };
    }
    // A title rewritten by one database (a correction notice's citation appended, a
    // translation, a Greek letter lost to an encoding) at the same whole place is one article,
    // as it is for less alike titles above. Alike titles may also do without issues on both
    // sides: the same page range of a volume by the same authors in order.
    if same_place(a, b) && (a.issue == b.issue || unnumbered_supplement(a, b)) && same_pages_and_authors(a, b)
    {
        return Verdict::Same { tier: Tier::Certain, score, rule: Rule::SimilarMetadata };
    }
    let possible = (score >= 0.90 && conflicts <= 1 && support >= 1)
        || (score >= 0.80 && support >= 3 && conflicts <= 1);
    if possible {
        return Verdict::Same { tier: Tier::Possible, score, rule: Rule::SimilarMetadata };
    }
    Verdict::Different(Rule::Title)
}

/// The same journal, year, volume and first page, with the first author agreeing.
fn same_place(a: &Prepared, b: &Prepared) -> bool {
    a.year.is_some()
        && a.year == b.year
        && a.volume.is_some()
        && a.volume == b.volume
        && a.first_page_is_article_number == b.first_page_is_article_number
        && a.first_page.is_some()
        && a.first_page == b.first_page
        && authors_agree(a, b) == Some(true)
        && journals_agree(&a.journal, &b.journal) == Some(true)
}

/// Beyond [`same_place`]: the same issue and last page, and every author in order. A single
/// page is enough for a notice (a correction notice is one page; two by the same authors on
/// one page do not exist), not for other items (a page of meeting abstracts holds several).
fn whole_place(a: &Prepared, b: &Prepared) -> bool {
    ((a.issue.is_some() && a.issue == b.issue) || unnumbered_supplement(a, b)) && same_pages_and_authors(a, b)
}

/// Both records are in a supplement and one database left its number out ("SUPPL" /
/// "Suppl 2"): the issue then agrees as far as it is known.
fn unnumbered_supplement(a: &Prepared, b: &Prepared) -> bool {
    a.supplement && b.supplement && (a.issue.is_none() || b.issue.is_none())
}

/// The same last page (a single page only for a notice) and every author in order.
fn same_pages_and_authors(a: &Prepared, b: &Prepared) -> bool {
    (a.last_page.is_some() || a.notice.is_some()) && a.last_page == b.last_page && every_author_agrees(a, b)
}

/// The same volume, issue and range of pages (more than one page). The pages are compared by
/// their numbers: a section's letter ("c37-c42") is kept by some databases and not others.
fn same_range_of_an_issue(a: &Prepared, b: &Prepared) -> bool {
    a.volume.is_some()
        && a.volume == b.volume
        && a.issue.is_some()
        && a.issue == b.issue
        && a.first_page.is_some()
        && a.first_page == b.first_page
        && a.last_page.is_some()
        && a.last_page == b.last_page
        && a.first_page != a.last_page
}

/// The same number of authors, each matching the other list's at the same position.
fn every_author_agrees(a: &Prepared, b: &Prepared) -> bool {
    a.authors.len() == b.authors.len() && a.authors.iter().zip(&b.authors).all(|(x, y)| names_match(x, y))
}

/// Whether one title is the other with words added at one end: a subtitle dropped or fused
/// on by a database ("...inflammatory statesthe examples of..."), a section heading in front
/// ("medical progress atypical ..."), or a citation appended ("... n engl j med 2009 ...").
/// The shorter must keep at least three words.
fn title_extended(a: &Prepared, b: &Prepared) -> bool {
    let (short, long) = if a.title.len() <= b.title.len() { (a, b) } else { (b, a) };
    if short.n_title_words < 3 || short.title.len() == long.title.len() {
        return false;
    }
    let (s, l) = (short.title.as_str(), long.title.as_str());
    l.starts_with(s) || (l.ends_with(s) && l.as_bytes()[l.len() - s.len() - 1] == b' ')
}

/// A page range whose first page is after its last ("2297-2108"), which only a typo makes.
fn impossible_range(p: &Prepared) -> bool {
    match (&p.first_page, &p.last_page) {
        (Some(first), Some(last)) if first.len() == last.len() => {
            matches!((first.parse::<u64>(), last.parse::<u64>()), (Ok(f), Ok(l)) if f > l)
        }
        _ => false,
    }
}

/// Titles long enough that agreeing on them means something ("Editorial" does not).
fn informative_title_pair(a: &Prepared, b: &Prepared) -> bool {
    a.n_title_words.min(b.n_title_words) >= 5
}

#[derive(Clone, Copy, Debug)]
struct TitleSimilarity {
    score: f64,
    /// The score came from a subtitle-free or translated form of a title.
    via_variant: bool,
}

/// The best similarity of the two titles, also trying one title's main part (without its
/// subtitle) or its bracketed translation against the other.
fn titles_alike(a: &Prepared, b: &Prepared) -> TitleSimilarity {
    let full = title_similarity(&a.title, &b.title);
    if full >= 0.97 {
        return TitleSimilarity { score: full, via_variant: false };
    }
    let variant = a
        .title_variants
        .iter()
        .map(|v| title_similarity(v, &b.title))
        .chain(b.title_variants.iter().map(|v| title_similarity(&a.title, v)))
        .fold(0.0, f64::max);
    if variant > full + 0.02 {
        TitleSimilarity { score: variant, via_variant: true }
    } else {
        TitleSimilarity { score: full, via_variant: false }
    }
}

/// Similarity of two normalised titles in [0, 1] (normalised indel distance).
pub fn title_similarity(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    rapidfuzz::fuzz::ratio(a.chars(), b.chars())
}

/// Whether the author lists agree: `None` when either has no authors.
fn authors_agree(a: &Prepared, b: &Prepared) -> Option<bool> {
    let (fa, fb) = (a.first_author()?, b.first_author()?);
    if names_match(fa, fb) {
        return Some(true);
    }
    // Swapped or split name parts: a family name of one among the other's name parts, or the
    // parts joined ("le" + "quintrec").
    let in_parts = |name: &str, parts: &[String]| {
        name.len() >= 3 && (parts.iter().any(|p| p == name) || parts.concat() == name)
    };
    if in_parts(fa, &b.first_author_parts) || in_parts(fb, &a.first_author_parts) {
        return Some(true);
    }
    // Family and given name swapped, as happens with East Asian names: "Xi, L F" / "Long, F X".
    let initial = |name: &str| name.chars().next();
    if a.first_author_initial.is_some()
        && a.first_author_initial == initial(fb)
        && b.first_author_initial == initial(fa)
    {
        return Some(true);
    }
    // A database may drop or reorder the first author; accept the first author of either
    // among the first three of the other.
    let among = |name: &str, list: &[String]| list.iter().take(3).any(|n| names_match(name, n));
    if among(fa, &b.authors) || among(fb, &a.authors) {
        return Some(true);
    }
    // A first author's name mangled beyond recognition ("G?k" for "Gök", "Long, F X" for "Xi,
    // L F") among co-authors who all agree, in order.
    let (ta, tb) = (&a.authors[1..], &b.authors[1..]);
    Some(ta.len() >= 2 && ta.len() == tb.len() && ta.iter().zip(tb).all(|(x, y)| names_match(x, y)))
}

fn names_match(a: &str, b: &str) -> bool {
    a == b
        || (a.len().min(b.len()) >= 3 && (a.starts_with(b) || b.starts_with(a)))
        || (a.len().min(b.len()) >= 5 && strsim::jaro_winkler(a, b) >= 0.92)
        // One letter typed wrong, dropped or lost to an encoding error ("Gok", "G?k").
        || (a.len().min(b.len()) >= 3 && strsim::levenshtein(a, b) <= 1)
}

/// Whether two journals are the same, allowing abbreviations (`j clin oncol` and `journal
/// clinical oncology`): `None` when either is missing.
fn journals_agree(a: &[String], b: &[String]) -> Option<bool> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    if a == b {
        return Some(true);
    }
    let prefix_related = |x: &String, y: &String| x.starts_with(y.as_str()) || y.starts_with(x.as_str());
    if a.len() == b.len() && a.iter().zip(b).all(|(x, y)| prefix_related(x, y)) {
        return Some(true);
    }
    let ja = a.join(" ");
    let jb = b.join(" ");
    if rapidfuzz::fuzz::ratio(ja.chars(), jb.chars()) >= 0.85 {
        return Some(true);
    }
    // One is the other's subtitle-free form ("cancer" vs "cancer cytopathology" is not; but
    // "lancet" vs "lancet london england" is).
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    Some(!short.is_empty() && long.starts_with(short) && short.iter().map(String::len).sum::<usize>() >= 6)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sift_domain::{Author, Reference};

    fn record(title: &str) -> Reference {
        Reference {
            title: Some(title.into()),
            authors: vec![Author::new("Smith", Some("J".into())), Author::new("Jones", Some("A".into()))],
            year: Some(2013),
            journal: Some("Journal of Clinical Oncology".into()),
            volume: Some("31".into()),
            pages: Some("1297-1306".into()),
            ..Reference::default()
        }
    }

    fn verdict(a: &Reference, b: &Reference) -> Verdict {
        judge(&Prepared::new(a), &Prepared::new(b), &Policy::default())
    }

    fn certain(a: &Reference, b: &Reference) -> bool {
        matches!(verdict(a, b), Verdict::Same { tier: Tier::Certain, .. })
    }

    const TITLE: &str = "Effect of duloxetine on pain, function, and quality of life among patients with chemotherapy-induced painful peripheral neuropathy";

    #[test]
    fn the_same_article_from_two_databases_is_certain() {
        let a = record(TITLE);
        let mut b = record(&TITLE.to_uppercase());
        b.journal = Some("J Clin Oncol".into());
        b.authors = vec![Author::new("SMITH", Some("JOHN".into()))];
        assert!(matches!(
            verdict(&a, &b),
            Verdict::Same { tier: Tier::Certain, rule: Rule::SameMetadata, .. }
        ));
    }

    #[test]
    fn vetoes_hold() {
        let a = record(TITLE);
        let mut with_doi = a.clone();
        with_doi.doi = Some("10.1/a".into());
        let mut other_doi = a.clone();
        other_doi.doi = Some("10.1/b".into());
        assert_eq!(verdict(&with_doi, &other_doi), Verdict::Different(Rule::DifferentDoi));

        let mut erratum = a.clone();
        erratum.title = Some(format!("Erratum: {TITLE}"));
        assert_eq!(verdict(&a, &erratum), Verdict::Different(Rule::Notice));

        let mut later = a.clone();
        later.volume = Some("32".into());
        assert_eq!(verdict(&a, &later), Verdict::Different(Rule::Volume));

        let mut abstract_ = a.clone();
        abstract_.publication_types = vec!["Conference Abstract".into()];
        assert_eq!(verdict(&a, &abstract_), Verdict::Different(Rule::ConferenceAbstract));
        let merge = Policy { merge_conference_abstracts: true };
        assert!(matches!(
            judge(&Prepared::new(&a), &Prepared::new(&abstract_), &merge),
            Verdict::Same { .. }
        ));
    }

    #[test]
    fn empty_records_never_match_on_what_they_lack() {
        let empty = Reference::default();
        assert_eq!(verdict(&empty, &empty), Verdict::Different(Rule::NoTitle));
        let only_doi = Reference { doi: Some("10.1/a".into()), ..Reference::default() };
        assert!(matches!(verdict(&only_doi, &only_doi), Verdict::Same { rule: Rule::SameDoi, .. }));
    }

    #[test]
    fn a_shared_doi_with_unlike_titles_goes_to_a_person() {
        let mut a = record(TITLE);
        a.doi = Some("10.1/a".into());
        let mut b = record("Exercise and balance training in older adults");
        b.doi = Some("10.1/a".into());
        assert!(matches!(verdict(&a, &b), Verdict::Same { tier: Tier::Possible, rule: Rule::SameDoi, .. }));
    }

    #[test]
    fn a_title_extended_at_one_end_at_the_same_place_is_certain() {
        let a = record("Inherited complement regulatory protein deficiency in chronic inflammatory states");
        let certain = |b: &Reference| {
            matches!(verdict(&a, b), Verdict::Same { tier: Tier::Certain, rule: Rule::SameMetadata, .. })
        };
        let fused = record(
            "Inherited complement regulatory protein deficiency in chronic inflammatory statesthe \
             examples of vascular damage in atypical hemolytic uremic syndrome",
        );
        assert!(certain(&fused));
        let headed = record(
            "Medical progress: Inherited complement regulatory protein deficiency in chronic inflammatory states",
        );
        assert!(certain(&headed));
        // The same words at another page, or a reply on the same page with its own title, are
        // other articles.
        let mut elsewhere = fused.clone();
        elsewhere.pages = Some("1400-1401".into());
        assert!(!certain(&elsewhere));
        let reply = record("In reply");
        assert!(!matches!(verdict(&a, &reply), Verdict::Same { .. }));
    }

    #[test]
    fn a_rewritten_title_at_the_same_whole_place_is_certain() {
        // One database appends the corrected article's citation to a correction notice's title.
        let notice = |title: &str| {
            let mut r = record(title);
            r.authors = vec![Author::new("Philipp", Some("T".into()))];
            r.journal = Some("New England Journal of Medicine".into());
            (r.volume, r.issue, r.pages) = (Some("360".into()), Some("23".into()), Some("2487-2487".into()));
            r
        };
        let a = notice(
            "Eculizumab for atypical hemolytic-uremic syndrome (New England Journal of Medicine (2009) 360 (542-544))",
        );
        let b = notice("Eculizumab for Atypical Hemolytic-Uremic Syndrome (vol 360, pg 542, 2009)");
        assert!(certain(&a, &b), "{:?}", verdict(&a, &b));
        // The same on a page of meeting abstracts is for a person: one page holds several.
        let abstract_ = |title: &str| {
            let mut r = record(title);
            (r.issue, r.pages) = (Some("Suppl 1".into()), Some("23".into()));
            r
        };
        let a =
            abstract_("Eculizumab dose for haemolysis breakthrough in paroxysmal nocturnal haemoglobinuria");
        let b = abstract_("Eculizumab dose for haemolysis in paroxysmal nocturnal haemoglobinuria patients");
        assert!(!certain(&a, &b), "{:?}", verdict(&a, &b));
        // A range of pages with every author agrees whatever a database did to the title.
        let (mut a, mut b) = (a, b);
        a.pages = Some("23-29".into());
        b.pages = Some("23-29".into());
        assert!(certain(&a, &b), "{:?}", verdict(&a, &b));
        // Neither has an issue: the same page range of the volume by the same authors still
        // names one article when the titles are alike (a Greek letter lost to an encoding).
        let a = record("Interferon-gamma (IFN-gamma): a possible prognostic marker for clearance of HPV");
        let b = record("Interferon- (IFN-): a possible prognostic marker for clearance of HPV");
        assert!(certain(&a, &b), "{:?}", verdict(&a, &b));
        // ... but not with another author list.
        let mut c = b.clone();
        c.authors.push(Author::new("Lee", Some("K".into())));
        assert!(!certain(&a, &c), "{:?}", verdict(&a, &c));
    }

    #[test]
    fn a_supplement_one_database_left_unnumbered_is_the_same_issue() {
        // A translated title in two wordings; one database writes the issue "SUPPL", the
        // other "Suppl 2" (Nefrologia 30, pp 30-38, in the haematology set).
        let article = |title: &str, issue: &str| {
            let mut r = record(title);
            r.authors = vec![Author::new("Andres", Some("A".into()))];
            r.journal = Some("Nefrologia".into());
            (r.year, r.volume, r.issue, r.pages) =
                (Some(2010), Some("30".into()), Some(issue.into()), Some("30-38".into()));
            r
        };
        let a = article("Indications and contraindications for living kidney donations", "SUPPL");
        let b =
            article("[Indications and contraindications of living-donor kidney transplantation]", "Suppl 2");
        assert!(certain(&a, &b), "{:?}", verdict(&a, &b));
        // An issue left out altogether says nothing about a supplement: for a person.
        let mut c = article("Indications and contraindications for living kidney donations", "");
        c.issue = None;
        assert!(!certain(&c, &b), "{:?}", verdict(&c, &b));
        // Two numbered supplements are two issues.
        let d = article("Indications and contraindications for living kidney donations", "Suppl 1");
        assert!(!certain(&d, &b), "{:?}", verdict(&d, &b));
    }

    #[test]
    fn a_short_title_a_year_apart_at_the_same_range_of_an_issue_is_certain() {
        let article = |journal: &str, year: i32, pages: &str| {
            let mut r = record("Haemolytic uraemic syndrome");
            r.authors =
                vec![Author::new("Kavanagh", Some("D".into())), Author::new("Goodship", Some("T".into()))];
            r.journal = Some(journal.into());
            (r.year, r.volume, r.issue, r.pages) =
                (Some(year), Some("118".into()), Some("1".into()), Some(pages.into()));
            r
        };
        let online = article("Nephron - Clinical Practice.", 2010, "37-42");
        let print = article("Nephron", 2011, "c37-c42");
        assert!(certain(&online, &print), "{:?}", verdict(&online, &print));
        // Without the issue, or with another author list, or two years apart: not certain.
        let mut no_issue = print.clone();
        no_issue.issue = None;
        assert!(!certain(&online, &no_issue), "{:?}", verdict(&online, &no_issue));
        let mut other_authors = print.clone();
        other_authors.authors.pop();
        assert!(!certain(&online, &other_authors), "{:?}", verdict(&online, &other_authors));
        let later = article("Nephron", 2012, "c37-c42");
        assert!(!certain(&online, &later), "{:?}", verdict(&online, &later));
    }

    #[test]
    fn a_doi_shared_by_a_whole_supplement_does_not_join_its_abstracts() {
        // Every abstract of a meeting's supplement under one DOI (the diabetes set).
        let abstract_ = |title: &str, pages: &str| {
            let mut r = record(title);
            r.journal = Some("Diabetes".into());
            (r.year, r.volume, r.pages, r.doi) =
                (Some(2015), Some("64".into()), Some(pages.into()), Some("10.2337/db15386741".into()));
            r
        };
        let a = abstract_(
            "A DPP-4 inhibitor but not incretins suppresses the progression of abdominal aorta aneurysms",
            "A134",
        );
        let b = abstract_(
            "Dipeptidyl peptidase-4 inhibitor (teneligliptin) suppressed abdominal aortic aneurysm formation in mice",
            "A113",
        );
        assert_eq!(verdict(&a, &b), Verdict::Different(Rule::Pages));
        // At the same page (a page holds several abstracts, and a translated title differs as
        // much) the DOI still asks a person.
        let c = abstract_(
            "Dipeptidyl peptidase-4 inhibitor (teneligliptin) suppressed abdominal aortic aneurysm formation in mice",
            "A134",
        );
        assert!(
            matches!(verdict(&a, &c), Verdict::Same { tier: Tier::Possible, rule: Rule::SameDoi, .. }),
            "{:?}",
            verdict(&a, &c)
        );
        // A shared PMID is never a container's.
        let (mut a, mut b) = (a, b);
        (a.doi, b.doi) = (None, None);
        (a.pmid, b.pmid) = (Some("26000001".into()), Some("26000001".into()));
        assert!(
            matches!(verdict(&a, &b), Verdict::Same { rule: Rule::SamePmid, .. }),
            "{:?}",
            verdict(&a, &b)
        );
    }

    #[test]
    fn an_impossible_page_range_is_a_typo_when_all_else_agrees() {
        let mut a = record("Disease recurrence in paediatric renal transplantation");
        a.pages = Some("2097-2108".into());
        a.issue = Some("11".into());
        let mut b = a.clone();
        b.pages = Some("2297-2108".into());
        assert!(certain(&a, &b));
        // A possible range that differs is another article, or for a person to look at.
        b.pages = Some("2001-2108".into());
        assert!(!certain(&a, &b));
    }

    #[test]
    fn a_year_apart_at_the_same_volume_with_every_author_is_certain() {
        let a = record(TITLE);
        let mut b = a.clone();
        b.year = Some(2014);
        assert!(certain(&a, &b));
        // ... but not at another volume, nor with other co-authors.
        let mut other_volume = b.clone();
        other_volume.volume = Some("32".into());
        assert!(!certain(&a, &other_volume));
        let mut other_authors = b.clone();
        other_authors.authors.push(Author::new("Brown", None));
        assert!(!certain(&a, &other_authors));
    }

    #[test]
    fn a_mangled_first_author_among_agreeing_co_authors_agrees() {
        let mut a = record(TITLE);
        a.authors =
            ["Gok", "Kemenade", "Heideman", "Berkhof"].iter().map(|n| Author::new(*n, None)).collect();
        let mut b = a.clone();
        b.authors[0] = Author::new("G?k", None);
        let (pa, pb) = (Prepared::new(&a), Prepared::new(&b));
        assert_eq!(authors_agree(&pa, &pb), Some(true));
        b.authors[2] = Author::new("Smith", None);
        assert_eq!(authors_agree(&pa, &Prepared::new(&b)), Some(false));
    }

    #[test]
    fn an_abstract_book_without_pages_needs_its_whole_issue() {
        let mut a = record("2015 BioIron Meeting Abstracts");
        a.authors = vec![Author::new("Anonymous", None)];
        a.pages = None;
        a.issue = Some("3".into());
        let b = a.clone();
        assert!(certain(&a, &b));
        let mut next_issue = a.clone();
        next_issue.issue = Some("4".into());
        assert!(!certain(&a, &next_issue));
    }

    #[test]
    fn a_broken_volume_says_nothing() {
        let a = record(TITLE);
        let mut b = a.clone();
        b.volume = Some("1)".into());
        assert_eq!(Prepared::new(&b).volume, None);
        assert!(certain(&a, &b));
    }

    #[test]
    fn journal_abbreviations_agree() {
        let w = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
        assert_eq!(journals_agree(&w("journal clinical oncology"), &w("j clin oncol")), Some(true));
        assert_eq!(journals_agree(&w("lancet"), &w("lancet london england")), Some(true));
        assert_eq!(journals_agree(&w("pain"), &w("cancer")), Some(false));
    }
}
