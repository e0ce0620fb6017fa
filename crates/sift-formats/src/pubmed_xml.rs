//! PubMed XML (`PubmedArticleSet`), as PubMed's "Save as XML" and E-utilities `efetch` write it.
//!
//! Each `<PubmedArticle>` (a journal article) or `<PubmedBookArticle>` (a book or a chapter
//! of one, mostly NCBI Bookshelf) is one record. The fields are the MEDLINE ones in
//! elements, so they are mapped to match the MEDLINE reader: MeSH headings become keywords
//! written as MEDLINE writes `MH` (`Descriptor/*major qualifier/qualifier`), publication
//! types choose the work type, and the journal's full title is preferred to its
//! abbreviation.

use std::io::Read;

use sift_domain::biblio::normalize;
use sift_domain::{Author, Reference, WorkType};

use crate::ParsedRecord;
use crate::decode::Utf8Input;
use crate::diagnostics::{Diagnostics, Severity};
use crate::tagged::record_shell;
use crate::xml_split::XmlSplitter;
use crate::xml_tree::{self, Element};

const RECORD_NAMES: &[&str] = &["PubmedArticle", "PubmedBookArticle"];

pub(crate) struct PubmedXmlReader<R> {
    splitter: XmlSplitter<Utf8Input<R>>,
}

impl<R: Read> PubmedXmlReader<R> {
    pub(crate) fn new(input: Utf8Input<R>) -> Self {
        PubmedXmlReader { splitter: XmlSplitter::new(input, RECORD_NAMES) }
    }
}

impl<R: Read> crate::RecordSource for PubmedXmlReader<R> {
    fn next_record(&mut self, diagnostics: &mut Diagnostics) -> Option<ParsedRecord> {
        xml_tree::next_record(&mut self.splitter, diagnostics, build)
    }
}

fn build(root: &Element, raw: &str, line: u32, diagnostics: &mut Diagnostics) -> ParsedRecord {
    let mut record = record_shell(raw, line);
    let r = &mut record.reference;
    if root.name == "PubmedBookArticle" {
        read_book_article(root, r);
    } else {
        read_article(root, r);
    }
    let written_pmid = root.find("MedlineCitation/PMID").or_else(|| root.find("BookDocument/PMID"));
    if r.pmid.is_none() && written_pmid.and_then(Element::value).is_some() {
        diagnostics.repeat(Severity::Warning, Some(line), Some("PMID"), "value is not a PubMed id; left out");
    }
    if r.is_empty() {
        diagnostics.repeat(Severity::Warning, Some(line), None, "record has no title, author or PMID");
    }
    record
}

/// A `PubmedArticle`: `MedlineCitation` (with its `Article`) and `PubmedData`.
fn read_article(root: &Element, r: &mut Reference) {
    let Some(citation) = root.find("MedlineCitation") else {
        read_article_ids(root.find("PubmedData/ArticleIdList"), r);
        return;
    };
    r.pmid = citation.find_value("PMID").as_deref().and_then(normalize::pmid);
    let empty = Element::default();
    let article = citation.find("Article").unwrap_or(&empty);
    r.title = article.find_value("ArticleTitle").or_else(|| article.find_value("VernacularTitle"));
    r.abstract_text = abstract_text(article).or_else(|| abstract_text_of(citation.find("OtherAbstract")));
    r.authors = authors(article.find("AuthorList"));

    let journal = article.find("Journal").unwrap_or(&empty);
    r.journal = journal.find_value("Title");
    let medline_ta = citation.find_value("MedlineJournalInfo/MedlineTA");
    r.journal_abbrev =
        journal.find_value("ISOAbbreviation").or(medline_ta).filter(|a| Some(a) != r.journal.as_ref());
    if r.journal.is_none() {
        r.journal = r.journal_abbrev.take();
    }
    r.volume = journal.find_value("JournalIssue/Volume");
    r.issue = journal.find_value("JournalIssue/Issue");
    r.year = journal
        .find("JournalIssue/PubDate")
        .and_then(date_year)
        .or_else(|| article.find_all("ArticleDate").into_iter().find_map(date_year));
    r.pages = pagination(article.find("Pagination"));
    r.issn = journal
        .find_value("ISSN")
        .or_else(|| citation.find_value("MedlineJournalInfo/ISSNLinking"))
        .as_deref()
        .and_then(normalize::issn);

    r.doi = elocation_doi(article);
    read_article_ids(root.find("PubmedData/ArticleIdList"), r);
    r.language = article
        .find_all("Language")
        .into_iter()
        .find_map(|l| l.value())
        .and_then(|l| normalize::language(&l));
    r.publication_types = article
        .find_all("PublicationTypeList/PublicationType")
        .into_iter()
        .filter_map(Element::value)
        .collect();
    r.keywords = mesh_headings(citation);
    r.keywords.extend(citation.find_all("KeywordList/Keyword").into_iter().filter_map(Element::value));
    r.work_type = r
        .publication_types
        .iter()
        .map(|t| WorkType::from_label(t))
        .find(|t| *t != WorkType::JournalArticle && *t != WorkType::Other)
        .unwrap_or(WorkType::JournalArticle);
}

/// A `PubmedBookArticle`: `BookDocument` (with its `Book`) and `PubmedBookData`. A document
/// with its own `ArticleTitle` is a chapter of the book; otherwise it is the book itself.
fn read_book_article(root: &Element, r: &mut Reference) {
    let empty = Element::default();
    let document = root.find("BookDocument").unwrap_or(&empty);
    let book = document.find("Book").unwrap_or(&empty);
    r.pmid = document.find_value("PMID").as_deref().and_then(normalize::pmid);
    let book_title = book.find_value("BookTitle");
    let chapter_title =
        document.find_value("ArticleTitle").or_else(|| document.find_value("VernacularTitle"));
    r.work_type = if chapter_title.is_some() { WorkType::BookChapter } else { WorkType::Book };
    if chapter_title.is_some() {
        r.title = chapter_title;
        r.journal = book_title;
    } else {
        r.title = book_title;
    }
    r.abstract_text = abstract_text(document);
    // Authors of the document; a whole book without them is credited to the book's authors
    // (not its editors).
    r.authors = authors(document.find_all("AuthorList").into_iter().find(|l| is_authors(l)));
    if r.authors.is_empty() {
        r.authors = authors(book.find_all("AuthorList").into_iter().find(|l| is_authors(l)));
    }
    r.publisher = book.find_value("Publisher/PublisherName");
    r.year = book
        .find("PubDate")
        .and_then(date_year)
        .or_else(|| document.find("ContributionDate").and_then(date_year))
        .or_else(|| document.find("DateRevised").and_then(date_year));
    r.volume = book.find_value("Volume");
    r.pages = pagination(document.find("Pagination"));
    r.isbn = book.find_value("Isbn").map(|i| i.replace(['-', ' '], ""));
    r.doi = elocation_doi(document);
    read_article_ids(document.find("ArticleIdList"), r);
    read_article_ids(root.find("PubmedBookData/ArticleIdList"), r);
    r.language = document.find_value("Language").and_then(|l| normalize::language(&l));
    r.publication_types =
        document.find_all("PublicationType").into_iter().filter_map(Element::value).collect();
    r.keywords = document.find_all("KeywordList/Keyword").into_iter().filter_map(Element::value).collect();
}

fn is_authors(list: &Element) -> bool {
    list.attr("Type").is_none_or(|t| t == "authors")
}

/// `Abstract/AbstractText`, with `Label`s (`BACKGROUND: ...`) kept the way PubMed shows them.
fn abstract_text(parent: &Element) -> Option<String> {
    abstract_text_of(parent.find("Abstract"))
}

fn abstract_text_of(abstract_element: Option<&Element>) -> Option<String> {
    let parts: Vec<String> = abstract_element?
        .children("AbstractText")
        .filter_map(|part| {
            let text = part.value()?;
            Some(match part.attr("Label").and_then(normalize::text) {
                Some(label) => format!("{label}: {text}"),
                None => text,
            })
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// `LastName` + `ForeName` (or `Initials`); a `CollectiveName` is a corporate author.
fn authors(list: Option<&Element>) -> Vec<Author> {
    let Some(list) = list else {
        return Vec::new();
    };
    list.children("Author")
        .filter(|a| a.attr("ValidYN") != Some("N"))
        .filter_map(|a| {
            if let Some(family) = a.find_value("LastName") {
                let given = a.find_value("ForeName").or_else(|| a.find_value("Initials"));
                return Some(Author::new(family, given));
            }
            a.find_value("CollectiveName").map(|name| Author::new(name, None))
        })
        .collect()
}

/// The year of a `PubDate` (`Year`, or `MedlineDate` such as `1998 Dec-1999 Jan`) or any
/// other date element with a `Year`.
fn date_year(date: &Element) -> Option<i32> {
    date.find_value("Year").or_else(|| date.find_value("MedlineDate")).as_deref().and_then(normalize::year)
}

/// `MedlinePgn`, else `StartPage`/`EndPage`.
fn pagination(pagination: Option<&Element>) -> Option<String> {
    let pagination = pagination?;
    if let Some(pages) = pagination.find_value("MedlinePgn").as_deref().and_then(normalize::pages) {
        return Some(pages);
    }
    let start = pagination.find_value("StartPage");
    let end = pagination.find_value("EndPage");
    normalize::page_range(start.as_deref(), end.as_deref())
}

/// A valid `ELocationID EIdType="doi"`.
fn elocation_doi(parent: &Element) -> Option<String> {
    parent
        .children("ELocationID")
        .filter(|e| e.attr("EIdType") == Some("doi") && e.attr("ValidYN") != Some("N"))
        .find_map(|e| e.value().as_deref().and_then(normalize::doi))
}

/// `ArticleId`s fill the DOI, PMID and PMCID where the citation gave none.
fn read_article_ids(list: Option<&Element>, r: &mut Reference) {
    let Some(list) = list else {
        return;
    };
    for id in list.children("ArticleId") {
        let Some(value) = id.value() else {
            continue;
        };
        match id.attr("IdType") {
            Some("doi") if r.doi.is_none() => r.doi = normalize::doi(&value),
            Some("pubmed") if r.pmid.is_none() => r.pmid = normalize::pmid(&value),
            Some("pmc") if r.pmcid.is_none() => r.pmcid = normalize::pmcid(&value),
            _ => {}
        }
    }
}

/// MeSH headings as MEDLINE's `MH` writes them: `Descriptor/qualifier/qualifier`, with `*`
/// before each major topic.
fn mesh_headings(citation: &Element) -> Vec<String> {
    citation
        .find_all("MeshHeadingList/MeshHeading")
        .into_iter()
        .filter_map(|heading| {
            let descriptor = heading.find("DescriptorName")?;
            let mut term = major(descriptor).to_string();
            term.push_str(&descriptor.value()?);
            for qualifier in heading.children("QualifierName") {
                if let Some(q) = qualifier.value() {
                    term.push('/');
                    term.push_str(major(qualifier));
                    term.push_str(&q);
                }
            }
            Some(term)
        })
        .collect()
}

fn major(element: &Element) -> &'static str {
    if element.attr("MajorTopicYN") == Some("Y") { "*" } else { "" }
}

#[cfg(test)]
mod tests {
    use crate::{Format, ReadOptions, read_bytes};

    fn read(text: &str) -> Result<crate::Parsed, crate::ReadError> {
        let options = ReadOptions { file_name: "test.xml".into(), format: None, encoding: None };
        read_bytes(text.as_bytes(), &options)
    }

    fn messages(parsed: &crate::Parsed) -> Vec<String> {
        parsed.summary.diagnostics.iter().map(ToString::to_string).collect()
    }

    const ARTICLE: &str = r#"<?xml version="1.0" ?>
<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2019//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_190101.dtd">
<PubmedArticleSet>
<PubmedArticle>
  <MedlineCitation Status="MEDLINE" Owner="NLM">
    <PMID Version="1">32336025</PMID>
    <Article PubModel="Print-Electronic">
      <Journal>
        <ISSN IssnType="Electronic">1759-2887</ISSN>
        <JournalIssue CitedMedium="Internet">
          <Volume>12</Volume><Issue>1</Issue>
          <PubDate><MedlineDate>2021 Jan-Feb</MedlineDate></PubDate>
        </JournalIssue>
        <Title>Research synthesis methods</Title>
        <ISOAbbreviation>Res Synth Methods</ISOAbbreviation>
      </Journal>
      <ArticleTitle>Risk-Of-Bias VISualization (<i>robvis</i>): an R package &amp; Shiny web app for CO<sub>2</sub>.</ArticleTitle>
      <Pagination><MedlinePgn>55-61</MedlinePgn></Pagination>
      <ELocationID EIdType="pii" ValidYN="Y">jrsm.1411</ELocationID>
      <ELocationID EIdType="doi" ValidYN="Y">10.1002/JRSM.1411</ELocationID>
      <Abstract>
        <AbstractText Label="BACKGROUND" NlmCategory="BACKGROUND">Despite a major &#x2014; increase.</AbstractText>
        <AbstractText Label="METHODS">We did things.</AbstractText>
      </Abstract>
      <AuthorList CompleteYN="Y">
        <Author ValidYN="Y"><LastName>McGuinness</LastName><ForeName>Luke A</ForeName><Initials>LA</Initials></Author>
        <Author ValidYN="Y"><LastName>Higgins</LastName><Initials>JPT</Initials></Author>
        <Author ValidYN="Y"><CollectiveName>Cochrane Bias Methods Group</CollectiveName></Author>
      </AuthorList>
      <Language>eng</Language>
      <PublicationTypeList>
        <PublicationType UI="D016428">Journal Article</PublicationType>
        <PublicationType UI="D017418">Meta-Analysis</PublicationType>
      </PublicationTypeList>
    </Article>
    <MeshHeadingList>
      <MeshHeading><DescriptorName UI="D006801" MajorTopicYN="N">Humans</DescriptorName></MeshHeading>
      <MeshHeading>
        <DescriptorName UI="D001249" MajorTopicYN="N">Asthma</DescriptorName>
        <QualifierName UI="Q000188" MajorTopicYN="Y">drug therapy</QualifierName>
      </MeshHeading>
    </MeshHeadingList>
    <KeywordList Owner="NOTNLM"><Keyword MajorTopicYN="N">risk of bias</Keyword></KeywordList>
  </MedlineCitation>
  <PubmedData>
    <ArticleIdList>
      <ArticleId IdType="pubmed">32336025</ArticleId>
      <ArticleId IdType="doi">10.1002/jrsm.1411</ArticleId>
      <ArticleId IdType="pmc">PMC7123456</ArticleId>
    </ArticleIdList>
  </PubmedData>
</PubmedArticle>
<PubmedArticle><MedlineCitation><PMID>2</PMID><Article><ArticleTitle>Broken</Article></MedlineCitation></PubmedArticle>
<PubmedArticle>
  <MedlineCitation><PMID>3</PMID><Article>
    <Journal><JournalIssue><PubDate><Season>Spring</Season></PubDate></JournalIssue><Title>J</Title></Journal>
    <ArticleTitle>Third</ArticleTitle>
    <Pagination><StartPage>101</StartPage><EndPage>5</EndPage></Pagination>
    <ArticleDate DateType="Electronic"><Year>2019</Year><Month>03</Month></ArticleDate>
    <PublicationTypeList><PublicationType>Journal Article</PublicationType><PublicationType>Preprint</PublicationType></PublicationTypeList>
  </Article></MedlineCitation>
</PubmedArticle>
</PubmedArticleSet>
"#;

    #[test]
    fn reads_pubmed_articles() {
        let parsed = read(ARTICLE).unwrap();
        assert_eq!(parsed.summary.format, Format::PubmedXml);
        assert_eq!(parsed.records.len(), 2, "{:?}", messages(&parsed));
        let record = &parsed.records[0];
        assert_eq!(record.line, 4);
        assert!(record.raw.starts_with("<PubmedArticle>\n  <MedlineCitation"));
        assert!(record.raw.ends_with("</PubmedData>\n</PubmedArticle>"));
        let r = &record.reference;
        assert_eq!(r.pmid.as_deref(), Some("32336025"));
        assert_eq!(
            r.title.as_deref(),
            Some("Risk-Of-Bias VISualization (robvis): an R package & Shiny web app for CO2.")
        );
        assert_eq!(
            r.abstract_text.as_deref(),
            Some("BACKGROUND: Despite a major — increase. METHODS: We did things.")
        );
        assert_eq!(
            r.author_strings(),
            vec!["McGuinness, Luke A", "Higgins, JPT", "Cochrane Bias Methods Group"]
        );
        assert_eq!(r.journal.as_deref(), Some("Research synthesis methods"));
        assert_eq!(r.journal_abbrev.as_deref(), Some("Res Synth Methods"));
        assert_eq!((r.volume.as_deref(), r.issue.as_deref()), (Some("12"), Some("1")));
        assert_eq!(r.year, Some(2021));
        assert_eq!(r.pages.as_deref(), Some("55-61"));
        assert_eq!(r.doi.as_deref(), Some("10.1002/jrsm.1411"));
        assert_eq!(r.pmcid.as_deref(), Some("PMC7123456"));
        assert_eq!(r.issn.as_deref(), Some("1759-2887"));
        assert_eq!(r.language.as_deref(), Some("English"));
        assert_eq!(r.publication_types, vec!["Journal Article", "Meta-Analysis"]);
        assert_eq!(r.keywords, vec!["Humans", "Asthma/*drug therapy", "risk of bias"]);
        assert_eq!(r.work_type, sift_domain::WorkType::JournalArticle);
    }

    #[test]
    fn malformed_record_is_skipped_with_its_line() {
        let parsed = read(ARTICLE).unwrap();
        let messages = messages(&parsed);
        let broken = messages.iter().find(|m| m.contains("not well-formed")).expect("a warning");
        assert!(broken.starts_with("line 53: warning: [PubmedArticle] record at line 53"), "{broken}");
        assert_eq!(parsed.records[1].reference.pmid.as_deref(), Some("3"));
        assert_eq!(parsed.records[1].line, 54);
    }

    #[test]
    fn fallbacks_for_dates_pages_and_types() {
        let parsed = read(ARTICLE).unwrap();
        let r = &parsed.records[1].reference;
        assert_eq!(r.year, Some(2019));
        assert_eq!(r.pages.as_deref(), Some("101-105"));
        assert_eq!(r.work_type, sift_domain::WorkType::Preprint);
        assert_eq!(r.journal.as_deref(), Some("J"));
    }

    #[test]
    fn book_articles_are_books_or_chapters() {
        let text = r#"<PubmedArticleSet><PubmedBookArticle><BookDocument>
<PMID Version="1">20301295</PMID>
<ArticleIdList><ArticleId IdType="bookaccession">NBK1116</ArticleId></ArticleIdList>
<Book><Publisher><PublisherName>University of Washington, Seattle</PublisherName></Publisher>
<BookTitle book="gene">GeneReviews&#xae;</BookTitle><PubDate><Year>1993</Year></PubDate>
<AuthorList Type="editors"><Author><LastName>Adam</LastName><ForeName>Margaret P</ForeName></Author></AuthorList>
<Isbn>978-0-12-345678-9</Isbn></Book>
<ArticleTitle book="gene" part="cadasil">CADASIL</ArticleTitle>
<Language>eng</Language>
<AuthorList Type="authors"><Author><LastName>Rutten</LastName><ForeName>Julie W</ForeName></Author></AuthorList>
<Abstract><AbstractText>Clinical characteristics.</AbstractText></Abstract>
</BookDocument><PubmedBookData><ArticleIdList><ArticleId IdType="pubmed">20301295</ArticleId></ArticleIdList></PubmedBookData></PubmedBookArticle></PubmedArticleSet>"#;
        let parsed = read(text).unwrap();
        let r = &parsed.records[0].reference;
        assert_eq!(r.work_type, sift_domain::WorkType::BookChapter);
        assert_eq!(r.title.as_deref(), Some("CADASIL"));
        assert_eq!(r.journal.as_deref(), Some("GeneReviews®"));
        assert_eq!(r.author_strings(), vec!["Rutten, Julie W"]);
        assert_eq!(r.publisher.as_deref(), Some("University of Washington, Seattle"));
        assert_eq!(r.year, Some(1993));
        assert_eq!(r.isbn.as_deref(), Some("9780123456789"));
        assert_eq!(r.pmid.as_deref(), Some("20301295"));
        assert_eq!(r.abstract_text.as_deref(), Some("Clinical characteristics."));
    }

    #[test]
    fn a_set_without_articles_has_no_records() {
        let error = read("<?xml version=\"1.0\"?>\n<PubmedArticleSet>\n</PubmedArticleSet>\n").unwrap_err();
        assert_eq!(error.message, "no pubmed-xml records found");
    }
}
