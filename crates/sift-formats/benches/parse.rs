//! Parse throughput: `cargo bench -p sift-formats --bench parse -- FILE...`.
//!
//! Reads each file with Sift's streaming reader (format detected) and prints one JSON line
//! per file: bytes, records, seconds, MB/s, records/s and the process's peak resident memory.
//! `bench/formats.py` runs it beside rispy and biblib on the same files and takes medians.

use std::fs::File;
use std::io::BufReader;
use std::time::Instant;

fn main() {
    let files: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    if files.is_empty() {
        eprintln!("usage: cargo bench -p sift-formats --bench parse -- FILE...");
        return;
    }
    for path in files {
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let start = Instant::now();
        let file = File::open(&path).expect("open the benchmark file");
        let options = sift_formats::ReadOptions::named(path.clone());
        let mut records =
            sift_formats::open(BufReader::with_capacity(1 << 20, file), &options).expect("readable");
        let mut n = 0usize;
        let mut n_titles = 0usize;
        for record in records.by_ref() {
            n += 1;
            n_titles += usize::from(record.reference.title.is_some());
        }
        let summary = records.finish().expect("records");
        let seconds = start.elapsed().as_secs_f64();
        println!(
            "{{\"tool\":\"sift\",\"file\":{:?},\"format\":\"{}\",\"bytes\":{size},\"records\":{n},\"titles\":{n_titles},\"seconds\":{seconds:.4},\"mb_per_s\":{:.1},\"records_per_s\":{:.0},\"peak_rss_mb\":{:.1}}}",
            path,
            summary.format,
            size as f64 / 1e6 / seconds,
            n as f64 / seconds,
            peak_rss_mb()
        );
    }
}

/// The process's peak resident set size (Linux `VmHWM`), in MB.
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}
