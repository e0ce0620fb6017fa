//! The search appendix a journal asks for (PRISMA 2020 item 7, PRISMA-S): every search of
//! every source, grouped by stream, with its date, limits, counts and the query exactly as run.
//!
//! Queries are reproduced verbatim: never reflowed, never trimmed inside, only Windows line
//! ends made `\n`.

use std::fmt::Write as _;

use crate::docx::{DocxWriter, HeaderRow};
use crate::tables::{
    Column, ReportError, Row, Table, escape_markdown, html_page, html_text, to_html, to_markdown,
};

/// One search as the appendix reports it; the service fills it from the store.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AppendixSearch {
    pub stream: String,
    /// The database, register or other source, e.g. "MEDLINE", "ClinicalTrials.gov".
    pub source: String,
    /// `database`, `register` or `other` (as `SearchKind` spells them), or any other text.
    pub kind: String,
    /// The interface searched through, e.g. "Ovid".
    pub platform: Option<String>,
    pub query: Option<String>,
    /// `YYYY-MM-DD`.
    pub run_date: Option<String>,
    pub limits: Option<String>,
    pub hits_reported: Option<i64>,
    pub records_imported: i64,
    pub duplicates_removed: Option<i64>,
    /// The names of the files the records were imported from.
    pub files: Vec<String>,
    /// The id of the earlier search this one re-runs.
    pub updates: Option<i64>,
    pub id: i64,
}

const NOT_RECORDED: &str = "not recorded";

/// The appendix as Markdown: a summary table of all searches, then per stream a section with,
/// per search, a heading (source, platform, date), a table of its details and the query in a
/// fenced code block.
pub fn appendix_markdown(review_title: &str, searches: &[AppendixSearch]) -> String {
    let mut out = String::from("# Search strategies\n\n");
    let _ = writeln!(out, "**Review:** {}\n", escape_markdown(review_title));
    if searches.is_empty() {
        out.push_str("No searches are recorded.\n");
        return out;
    }
    out.push_str("## Summary\n\n");
    out.push_str(&to_markdown(&summary_table(searches)));
    for (stream, stream_searches) in by_stream(searches) {
        let _ = write!(out, "\n## Stream: {}\n", escape_markdown(stream));
        for search in stream_searches {
            let _ = write!(out, "\n### {}\n\n", escape_markdown(&search_heading(search)));
            out.push_str(&to_markdown(&details_table(search, searches)));
            out.push('\n');
            match query_text(search) {
                Some(query) => {
                    let fence = "`".repeat(longest_backtick_run(&query).max(2) + 1);
                    let _ = write!(out, "Query:\n\n{fence}text\n{query}\n{fence}\n");
                }
                None => out.push_str("Query: not recorded.\n"),
            }
        }
    }
    out
}

/// The appendix as a printable HTML page: the same summary, headings and details as the
/// Markdown, each query in a `<pre>` block.
pub fn appendix_html(review_title: &str, searches: &[AppendixSearch]) -> String {
    let mut body = String::new();
    let _ = writeln!(body, "<p><strong>Review:</strong> {}</p>", html_text(review_title));
    if searches.is_empty() {
        body.push_str("<p>No searches are recorded.</p>\n");
        return html_page("Search strategies", &body);
    }
    body.push_str("<h2>Summary</h2>\n");
    body.push_str(&to_html(&summary_table(searches)));
    for (stream, stream_searches) in by_stream(searches) {
        let _ = writeln!(body, "<h2>Stream: {}</h2>", html_text(stream));
        for search in stream_searches {
            let _ = writeln!(body, "<h3>{}</h3>", html_text(&search_heading(search)));
            body.push_str(&to_html(&details_table(search, searches)));
            match query_text(search) {
                Some(query) => {
                    // Escaped by hand: `html_text` would turn the line breaks into `<br>`.
                    let query = query.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
                    let _ = writeln!(body, "<p><strong>Query</strong></p>\n<pre><code>{query}</code></pre>");
                }
                None => body.push_str("<p><strong>Query:</strong> not recorded.</p>\n"),
            }
        }
    }
    html_page("Search strategies", &body)
}

/// One row per search with every detail including the full query, for CSV and XLSX.
pub fn appendix_table(searches: &[AppendixSearch]) -> Table {
    let mut table = Table::new(vec![
        Column::right("Search ID"),
        Column::left("Stream"),
        Column::left("Source"),
        Column::left("Kind"),
        Column::left("Platform"),
        Column::left("Date run"),
        Column::left("Limits"),
        Column::right("Hits reported"),
        Column::right("Records imported"),
        Column::right("Duplicates removed"),
        Column::left("Files"),
        Column::right("Re-run of search ID"),
        Column::left("Query"),
    ])
    .with_title("Searches");
    for search in searches {
        table.push_cells([
            search.id.to_string(),
            search.stream.clone(),
            search.source.clone(),
            kind_label(&search.kind),
            search.platform.clone().unwrap_or_default(),
            search.run_date.clone().unwrap_or_default(),
            search.limits.clone().unwrap_or_default(),
            optional_count(search.hits_reported),
            search.records_imported.to_string(),
            optional_count(search.duplicates_removed),
            search.files.join("\n"),
            search.updates.map(|id| id.to_string()).unwrap_or_default(),
            query_text(search).unwrap_or_default(),
        ]);
    }
    table
}

/// The appendix as a Word document: the same summary, headings and details as the Markdown,
/// with each query in a monospace block that keeps its line breaks.
pub fn appendix_docx(review_title: &str, searches: &[AppendixSearch]) -> Result<Vec<u8>, ReportError> {
    let mut doc = DocxWriter::new(false).heading(1, "Search strategies").labelled("Review: ", review_title);
    if searches.is_empty() {
        return doc.paragraph("No searches are recorded.").finish();
    }
    doc = doc.heading(2, "Summary").table(&summary_table(searches), HeaderRow::Shown);
    for (stream, stream_searches) in by_stream(searches) {
        doc = doc.heading(2, &format!("Stream: {stream}"));
        for search in stream_searches {
            doc = doc
                .heading(3, &search_heading(search))
                .table(&details_table(search, searches), HeaderRow::Hidden);
            doc = match query_text(search) {
                Some(query) => doc.labelled("Query", "").code(&query),
                None => doc.labelled("Query: ", NOT_RECORDED),
            };
        }
    }
    doc.finish()
}

/// The searches grouped by stream, streams in order of first appearance, searches in the
/// order given.
fn by_stream(searches: &[AppendixSearch]) -> Vec<(&str, Vec<&AppendixSearch>)> {
    let mut groups: Vec<(&str, Vec<&AppendixSearch>)> = Vec::new();
    for search in searches {
        match groups.iter_mut().find(|(stream, _)| *stream == search.stream) {
            Some((_, members)) => members.push(search),
            None => groups.push((&search.stream, vec![search])),
        }
    }
    groups
}

fn summary_table(searches: &[AppendixSearch]) -> Table {
    let mut table = Table::new(vec![
        Column::left("Source"),
        Column::left("Platform"),
        Column::left("Kind"),
        Column::left("Date run"),
        Column::right("Hits reported"),
        Column::right("Records imported"),
        Column::right("Duplicates removed"),
    ]);
    for (stream, stream_searches) in by_stream(searches) {
        table.rows.push(Row::Group(format!("Stream: {stream}")));
        for search in stream_searches {
            table.push_cells([
                search.source.clone(),
                search.platform.clone().unwrap_or_default(),
                kind_label(&search.kind),
                search.run_date.clone().unwrap_or_default(),
                optional_count(search.hits_reported),
                search.records_imported.to_string(),
                optional_count(search.duplicates_removed),
            ]);
        }
    }
    table.footnotes.push(
        "Hits reported: the count the source showed when the search was run. Records \
         imported: the records read from the exported files. An empty cell: not recorded."
            .to_owned(),
    );
    table
}

fn details_table(search: &AppendixSearch, all: &[AppendixSearch]) -> Table {
    let mut table = Table::new(vec![Column::left("Detail").width(20.0), Column::left("Value")]);
    let or_not_recorded = |value: &Option<String>| {
        value.clone().filter(|v| !v.trim().is_empty()).unwrap_or(NOT_RECORDED.to_owned())
    };
    let count = |value: Option<i64>| value.map_or(NOT_RECORDED.to_owned(), |n| n.to_string());
    table.push_cells(["Kind".to_owned(), kind_label(&search.kind)]);
    table.push_cells(["Date run".to_owned(), or_not_recorded(&search.run_date)]);
    table.push_cells(["Limits".to_owned(), or_not_recorded(&search.limits)]);
    table.push_cells(["Hits reported".to_owned(), count(search.hits_reported)]);
    table.push_cells(["Records imported".to_owned(), search.records_imported.to_string()]);
    table.push_cells(["Duplicates removed".to_owned(), count(search.duplicates_removed)]);
    let files = if search.files.is_empty() { "none".to_owned() } else { search.files.join("\n") };
    table.push_cells(["Files".to_owned(), files]);
    if let Some(earlier_id) = search.updates {
        let earlier = match all.iter().find(|other| other.id == earlier_id) {
            Some(earlier) => format!("search {earlier_id} ({})", search_heading(earlier)),
            None => format!("search {earlier_id}"),
        };
        table.push_cells(["Re-run of".to_owned(), earlier]);
    }
    table
}

/// "MEDLINE via Ovid, 2024-03-01": the source, the platform unless the source already names
/// it, and the date run.
fn search_heading(search: &AppendixSearch) -> String {
    let mut heading = search.source.trim().to_owned();
    if heading.is_empty() {
        heading = format!("Search {}", search.id);
    }
    if let Some(platform) = search.platform.as_deref().map(str::trim).filter(|p| !p.is_empty())
        && !heading.to_lowercase().contains(&platform.to_lowercase())
    {
        let _ = write!(heading, " via {platform}");
    }
    if let Some(date) = search.run_date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        let _ = write!(heading, ", {date}");
    }
    heading
}

fn kind_label(kind: &str) -> String {
    match kind.trim().to_ascii_lowercase().as_str() {
        "database" => "Database".to_owned(),
        "register" => "Register".to_owned(),
        "other" => "Other methods".to_owned(),
        _ => kind.trim().to_owned(),
    }
}

fn optional_count(count: Option<i64>) -> String {
    count.map(|n| n.to_string()).unwrap_or_default()
}

/// The query with Windows line ends made `\n` and trailing line ends dropped, or `None` when
/// there is no query or only white space.
fn query_text(search: &AppendixSearch) -> Option<String> {
    let query = search.query.as_deref()?.replace("\r\n", "\n");
    let query = query.trim_end_matches('\n');
    (!query.trim().is_empty()).then(|| query.to_owned())
}

fn longest_backtick_run(text: &str) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for ch in text.chars() {
        run = if ch == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docx::tests::zip_part;
    use crate::tables::to_html;

    const MEDLINE_QUERY: &str = "1 exp Heart Failure/\n2 (heart adj2 failure).ti,ab.\n3 1 or 2\n4 exp Exercise Therapy/\n5 3 and 4\n6 limit 5 to (english language and yr=\"2000 -Current\")";
    const CENTRAL_QUERY: &str = "#1\tMeSH descriptor: [Heart Failure] explode all trees\n#2\t(heart NEAR/2 failure):ti,ab,kw\n#3\t#1 OR #2\n\n    -- indented note kept as typed";

    /// Two streams, a re-run, a register without platform or counts, a query with backticks.
    pub(crate) fn typical() -> Vec<AppendixSearch> {
        vec![
            AppendixSearch {
                id: 1,
                stream: "Effectiveness".to_owned(),
                source: "MEDLINE".to_owned(),
                kind: "database".to_owned(),
                platform: Some("Ovid".to_owned()),
                query: Some(MEDLINE_QUERY.to_owned()),
                run_date: Some("2024-03-01".to_owned()),
                limits: Some("English; 2000 to current".to_owned()),
                hits_reported: Some(1523),
                records_imported: 1523,
                duplicates_removed: Some(211),
                files: vec!["medline_2024-03-01.ris".to_owned()],
                updates: None,
            },
            AppendixSearch {
                id: 2,
                stream: "Effectiveness".to_owned(),
                source: "Cochrane CENTRAL".to_owned(),
                kind: "database".to_owned(),
                platform: Some("Cochrane Library".to_owned()),
                query: Some(CENTRAL_QUERY.replace('\n', "\r\n")),
                run_date: Some("2024-03-02".to_owned()),
                limits: None,
                hits_reported: Some(840),
                records_imported: 838,
                duplicates_removed: Some(402),
                files: vec!["central_1.txt".to_owned(), "central_2.txt".to_owned()],
                updates: None,
            },
            AppendixSearch {
                id: 3,
                stream: "Qualitative evidence".to_owned(),
                source: "ClinicalTrials.gov".to_owned(),
                kind: "register".to_owned(),
                platform: None,
                query: Some("heart failure AND `exercise` | rehab*".to_owned()),
                run_date: None,
                limits: None,
                hits_reported: None,
                records_imported: 57,
                duplicates_removed: None,
                files: Vec::new(),
                updates: None,
            },
            AppendixSearch {
                id: 4,
                stream: "Effectiveness".to_owned(),
                source: "MEDLINE".to_owned(),
                kind: "database".to_owned(),
                platform: Some("Ovid".to_owned()),
                query: Some(MEDLINE_QUERY.to_owned()),
                run_date: Some("2024-09-15".to_owned()),
                limits: Some("English; 2024-03-01 to current".to_owned()),
                hits_reported: Some(97),
                records_imported: 97,
                duplicates_removed: Some(12),
                files: vec!["medline_update.ris".to_owned()],
                updates: Some(1),
            },
        ]
    }

    #[test]
    fn markdown_of_a_typical_appendix() {
        insta::assert_snapshot!(appendix_markdown(
            "Exercise for heart failure: a *systematic* review",
            &typical()
        ));
    }

    #[test]
    fn html_of_a_typical_appendix() {
        insta::assert_snapshot!(appendix_html(
            "Exercise for heart failure: a <systematic> review",
            &typical()
        ));
    }

    #[test]
    fn html_of_the_appendix_table() {
        insta::assert_snapshot!(to_html(&appendix_table(&typical())));
    }

    #[test]
    fn html_queries_keep_their_lines_and_are_escaped() {
        let html = appendix_html("R", &typical());
        assert!(html.contains("<pre><code>1 exp Heart Failure/\n2 (heart adj2 failure).ti,ab.\n"));
        assert!(html.contains("<pre><code>#1\tMeSH descriptor: [Heart Failure]"));
        let tagged = AppendixSearch { query: Some("a <b> & c".to_owned()), ..typical()[0].clone() };
        assert!(appendix_html("R", &[tagged]).contains("<pre><code>a &lt;b&gt; &amp; c</code></pre>"));
    }

    #[test]
    fn queries_are_reproduced_verbatim() {
        let markdown = appendix_markdown("R", &typical());
        assert!(markdown.contains(&format!("```text\n{MEDLINE_QUERY}\n```")));
        // Windows line ends are the only change, tabs and indentation stay.
        assert!(markdown.contains(&format!("```text\n{CENTRAL_QUERY}\n```")));
        assert!(markdown.contains("```text\nheart failure AND `exercise` | rehab*\n```"));
        // A query holding a fence gets a longer one.
        let fenced = AppendixSearch { query: Some("a\n```\nb".to_owned()), ..typical()[0].clone() };
        assert!(appendix_markdown("R", &[fenced]).contains("````text\na\n```\nb\n````\n"));
    }

    #[test]
    fn streams_keep_the_order_they_first_appear_in() {
        let markdown = appendix_markdown("R", &typical());
        let effectiveness = markdown.find("## Stream: Effectiveness").unwrap();
        let qualitative = markdown.find("## Stream: Qualitative evidence").unwrap();
        let rerun = markdown.find("### MEDLINE via Ovid, 2024-09-15").unwrap();
        assert!(effectiveness < rerun && rerun < qualitative, "{markdown}");
        assert!(markdown.contains("| Re-run of | search 1 (MEDLINE via Ovid, 2024-03-01) |"));
    }

    #[test]
    fn an_appendix_without_searches_says_so() {
        let markdown = appendix_markdown("R", &[]);
        assert!(markdown.contains("No searches are recorded."));
        assert_eq!(appendix_table(&[]).rows.len(), 0);
        let bytes = appendix_docx("R", &[]).unwrap();
        assert!(zip_part(&bytes, "word/document.xml").contains("No searches are recorded."));
    }

    #[test]
    fn appendix_table_has_one_row_per_search_with_the_whole_query() {
        let table = appendix_table(&typical());
        assert_eq!(table.rows.len(), 4);
        let Row::Cells(cells) = &table.rows[0] else { panic!("a row of cells") };
        assert_eq!(cells[0], "1");
        assert_eq!(cells[12], MEDLINE_QUERY);
        let Row::Cells(rerun) = &table.rows[3] else { panic!("a row of cells") };
        assert_eq!(rerun[11], "1");
        let csv = crate::tables::to_csv(&table);
        assert!(csv.contains(&format!("\"{}\"", MEDLINE_QUERY.replace('"', "\"\""))));
    }

    #[test]
    fn docx_holds_headings_details_and_query_lines() {
        let bytes = appendix_docx("Exercise for heart failure", &typical()).unwrap();
        let document = zip_part(&bytes, "word/document.xml");
        for text in [
            "Search strategies",
            "Exercise for heart failure",
            "Stream: Effectiveness",
            "MEDLINE via Ovid, 2024-03-01",
            "Records imported",
            "central_2.txt",
            "1 exp Heart Failure/",
            "6 limit 5 to (english language and yr=&quot;2000 -Current&quot;)",
            "    -- indented note kept as typed",
            "Courier New",
        ] {
            assert!(document.contains(text), "{text} missing");
        }
        // Each query line is its own run after a line break; tabs stay tabs.
        assert!(document.contains("<w:br w:type=\"textWrapping\" />"), "{document}");
        assert!(document.contains("<w:tab />"), "{document}");
    }
}
