//! Benchmark peer: `biblib-parse ris|pubmed FILE...` parses each file with the biblib crate and
//! prints one JSON line per file (bytes, records, seconds, MB/s, peak memory), in the same
//! shape as Sift's `benches/parse.rs`.

use std::time::Instant;

use biblib::{CitationParser, PubMedParser, RisParser};

fn main() {
    let mut args = std::env::args().skip(1);
    let format = args.next().expect("usage: biblib-parse ris|pubmed FILE...");
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

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}
