//! Kappa from the command line, for `bench/agreement_check.py` to compare with statsmodels.
//!
//! Reads a stream of JSON objects from stdin (one object, or several one after another) and
//! writes one line of JSON per object:
//!
//! - `{"pairs": [["include", "exclude"], ...]}` gives Cohen's kappa of the two raters; the labels
//!   are any strings and each distinct string is a category.
//! - `{"counts": [[0, 3, 1], ...]}` gives Fleiss' kappa of the subjects-by-categories table.
//!
//! The output has the fields of `sift_domain::agreement::Kappa` plus `percent_agreement`, or
//! `"kappa": null` where the kappa is undefined. A malformed object is reported on stderr and
//! the program exits with status 2.
//!
//! ```sh
//! echo '{"pairs": [["include", "include"], ["include", "exclude"]]}' \
//!     | cargo run -q -p sift-domain --example kappa
//! ```

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use serde_json::{Value, json};
use sift_domain::agreement::{Kappa, cohen_kappa, fleiss_kappa, percent_agreement};

fn main() -> ExitCode {
    let stdin = io::stdin().lock();
    let mut out = BufWriter::new(io::stdout().lock());
    for (table_idx, value) in serde_json::Deserializer::from_reader(stdin).into_iter::<Value>().enumerate() {
        let answer = value.map_err(|e| e.to_string()).and_then(|value| answer(&value));
        match answer {
            Ok(line) => {
                if writeln!(out, "{line}").is_err() {
                    return ExitCode::FAILURE;
                }
            }
            Err(message) => {
                let _ = out.flush();
                eprintln!("kappa: table {table_idx}: {message}");
                return ExitCode::from(2);
            }
        }
    }
    if out.flush().is_err() { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

fn answer(value: &Value) -> Result<Value, String> {
    if let Some(pairs) = value.get("pairs") {
        let pairs: Vec<(String, String)> =
            serde_json::from_value(pairs.clone()).map_err(|e| format!("pairs: {e}"))?;
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let subjects: Vec<[&str; 2]> = pairs.iter().map(|&(a, b)| [a, b]).collect();
        Ok(render(cohen_kappa(&pairs), percent_agreement(&subjects)))
    } else if let Some(counts) = value.get("counts") {
        let counts: Vec<Vec<usize>> =
            serde_json::from_value(counts.clone()).map_err(|e| format!("counts: {e}"))?;
        // Each row back to its ratings (category indices) for percent agreement.
        let subjects: Vec<Vec<usize>> = counts
            .iter()
            .map(|row| row.iter().enumerate().flat_map(|(category, &count)| vec![category; count]).collect())
            .collect();
        Ok(render(fleiss_kappa(&counts), percent_agreement(&subjects)))
    } else {
        Err("expected an object with \"pairs\" or \"counts\"".to_string())
    }
}

fn render(kappa: Option<Kappa>, percent: Option<f64>) -> Value {
    let mut value = match kappa {
        Some(kappa) => serde_json::to_value(kappa).expect("a Kappa is plain numbers"),
        None => json!({ "kappa": null }),
    };
    value["percent_agreement"] = json!(percent);
    value
}
