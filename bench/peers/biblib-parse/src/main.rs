//! Benchmark peer for the biblib crate.
//!
//! - `biblib-parse ris|pubmed FILE...` parses each file and prints one JSON line per file
//!   (bytes, records, seconds, MB/s, peak memory), in the shape of Sift's `benches/parse.rs`.
//! - `biblib-parse dedupe RECORDS.jsonl GROUPS.csv` deduplicates records given as Sift's JSON
//!   Lines (`sift convert --to jsonl`, so both tools see the same parsed fields) and writes
//!   the groups as `id;id;...` lines, the format of `../shared/data/dedup/*/merged_record_ids.csv`.

use std::time::Instant;

use biblib::{CitationParser, PubMedParser, RisParser};

fn main() {
    let mut args = std::env::args().skip(1);
    let format = args.next().expect("usage: biblib-parse ris|pubmed FILE... | dedupe IN.jsonl OUT.csv");
    if format == "dedupe" {
        let input = args.next().expect("the JSON Lines input");
        let output = args.next().expect("the groups file to write");
        dedupe(&input, &output);
        return;
    }
    for path in args {
        let start = Instant::now();
        // biblib parses a &str: reading the file is part of its cost, as it is of Sift's.
        let bytes = std::fs::read(&path).expect("read the file");
        let text = String::from_utf8_lossy(&bytes);
        let result = match format.as_str() {
            "ris" => RisParser::new().parse(&text),
            "pubmed" => PubMedParser::new().parse(&text),
            other => panic!("unknown format {other}"),
        };
        let seconds = start.elapsed().as_secs_f64();
        let (records, titles, error) = match &result {
            Ok(citations) => (citations.len(), citations.iter().filter(|c| !c.title.is_empty()).count(), String::new()),
            Err(e) => (0, 0, e.to_string()),
        };
        let size = bytes.len();
        println!(
            "{{\"tool\":\"biblib\",\"file\":{path:?},\"format\":{format:?},\"bytes\":{size},\"records\":{records},\"titles\":{titles},\"seconds\":{seconds:.4},\"mb_per_s\":{:.1},\"records_per_s\":{:.0},\"peak_rss_mb\":{:.1},\"error\":{error:?}}}",
            size as f64 / 1e6 / seconds,
            records as f64 / seconds,
            peak_rss_mb()
        );
    }
}

fn dedupe(input: &str, output: &str) {
    use std::io::Write;
    let text = std::fs::read_to_string(input).expect("read the JSON Lines");
    let mut ids = Vec::new();
    let mut citations = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).expect("a JSON object per line");
        let s = |key: &str| v[key].as_str().map(String::from);
        ids.push(s("id").unwrap_or_default());
        let mut c = biblib::Citation::new();
        c.title = s("title").unwrap_or_default();
        c.authors = v["authors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a.as_str())
            .map(|a| {
                let (family, given) = a.split_once(", ").unwrap_or((a, ""));
                biblib::Author {
                    name: family.to_string(),
                    given_name: (!given.is_empty()).then(|| given.to_string()),
                    middle_name: None,
                    affiliations: Vec::new(),
                }
            })
            .collect();
        c.journal = s("journal");
        c.journal_abbr = s("journal_abbrev");
        c.date = v["year"].as_i64().map(|year| biblib::Date { year: year as i32, month: None, day: None });
        c.volume = s("volume");
        c.issue = s("issue");
        c.pages = s("pages");
        c.doi = s("doi");
        c.pmid = s("pmid");
        c.abstract_text = s("abstract");
        citations.push(c);
    }
    let start = Instant::now();
    let groups = biblib::dedupe::Deduplicator::new().find_duplicates(&citations);
    let seconds = start.elapsed().as_secs_f64();
    let mut out = std::io::BufWriter::new(std::fs::File::create(output).expect("create the groups file"));
    writeln!(out, "merged_ids").unwrap();
    let mut n_groups = 0;
    for g in &groups {
        if g.duplicates.is_empty() {
            continue;
        }
        n_groups += 1;
        let members: Vec<&str> = std::iter::once(g.unique).chain(g.duplicates.iter().copied()).map(|i| ids[i].as_str()).collect();
        writeln!(out, "\"{}\"", members.join(";")).unwrap();
    }
    eprintln!("biblib: {} records, {n_groups} groups, {seconds:.2} s, peak {:.0} MB", citations.len(), peak_rss_mb());
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}
