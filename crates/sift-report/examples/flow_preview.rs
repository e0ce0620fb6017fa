//! Renders sample flow diagrams to `target/flow-preview/` (SVG, PNG, PDF) for looking at:
//! `cargo run -p sift-report --example flow_preview`.

use std::path::PathBuf;

use sift_domain::prisma::{Named, PrismaCounts, Retrieval};
use sift_report::flow::{FlowOptions, Labels, Template, flow_svg};
use sift_report::manual;
use sift_report::render::{render_pdf, render_png};

fn named(list: &[(&str, i64)]) -> Vec<Named> {
    list.iter().map(|(name, count)| Named { name: (*name).to_owned(), count: *count }).collect()
}

fn typical() -> PrismaCounts {
    PrismaCounts {
        records_identified_by_source: named(&[
            ("CENTRAL", 70),
            ("ClinicalTrials.gov", 24),
            ("Embase", 498),
            ("MEDLINE", 612),
        ]),
        records_from_databases: 1180,
        records_from_registers: 24,
        duplicates_removed: 310,
        removed_for_other_reasons: 12,
        records_screened: 882,
        records_excluded: 760,
        databases: Retrieval {
            reports_sought: 122,
            reports_not_retrieved: 5,
            reports_assessed: 117,
            reports_excluded: 89,
            reports_excluded_by_reason: named(&[
                ("Wrong population", 41),
                ("Wrong outcome", 27),
                ("Wrong study design", 21),
            ]),
            reports_included: 28,
        },
        studies_included: 23,
        reports_included: 28,
        ..PrismaCounts::default()
    }
}

fn with_other_methods() -> PrismaCounts {
    PrismaCounts {
        other_methods_identified_by_source: named(&[("Citation searching", 37), ("Websites", 14)]),
        other_methods: Retrieval {
            reports_sought: 21,
            reports_not_retrieved: 2,
            reports_assessed: 19,
            reports_excluded: 12,
            reports_excluded_by_reason: named(&[("Wrong population", 8), ("Not peer reviewed", 4)]),
            reports_included: 7,
        },
        studies_included: 29,
        reports_included: 35,
        ..typical()
    }
}

fn huge_with_long_reasons() -> PrismaCounts {
    let reasons = |total: i64| -> Vec<Named> {
        let each = total / 15;
        (1..=15)
            .map(|i| {
                let name: String = format!(
                    "Reason {i:02}: participants, setting or design outside the protocol's eligibility criteria as registered"
                )
                .chars()
                .take(80)
                .collect();
                Named { name, count: if i == 1 { total - 14 * each } else { each } }
            })
            .collect()
    };
    PrismaCounts {
        records_identified_by_source: Vec::new(),
        records_from_databases: 9_999_999,
        records_from_registers: 9_999_999,
        duplicates_removed: 5_000_000,
        marked_ineligible_by_automation: 3_999_999,
        removed_for_other_reasons: 1_000_000,
        records_screened: 9_999_999,
        records_excluded: 1_000_000,
        databases: Retrieval {
            reports_sought: 8_999_999,
            reports_not_retrieved: 1_000_000,
            reports_assessed: 7_999_999,
            reports_excluded: 5_999_999,
            reports_excluded_by_reason: reasons(5_999_999),
            reports_included: 2_000_000,
        },
        other_methods_identified_by_source: named(&[
            ("Citation searching", 9_999_999),
            ("Websites", 9_999_999),
        ]),
        other_methods: Retrieval {
            reports_sought: 9_999_999,
            reports_not_retrieved: 1_000_000,
            reports_assessed: 8_999_999,
            reports_excluded: 4_999_999,
            reports_excluded_by_reason: reasons(4_999_999),
            reports_included: 4_000_000,
        },
        studies_included: 3_000_000,
        reports_included: 6_000_000,
        ..PrismaCounts::default()
    }
}

/// A published scoping review that reports the records from databases, the other methods and
/// the included sources, and nothing in between.
const PUBLISHED_SCOPING_REVIEW: &str = r#"
records_from_databases = 200
records_from_registers = "NR"
duplicates_removed = "NR"
marked_ineligible_by_automation = "NR"
removed_for_other_reasons = "NR"
records_screened = "NR"
records_excluded = "NR"
reports_sought = "NR"
reports_not_retrieved = "NR"
reports_assessed = "NR"
reports_excluded = "NR"
other_reports_sought = "NR"
other_reports_not_retrieved = "NR"
other_reports_assessed = 4
other_reports_excluded = 0
studies_included = 11
reports_included = 11

[other_source]
"Citation searching" = 4
"#;

/// A published review that reports only the records screened and what it included.
const SCREENED_ONLY: &str = "records_from_databases,NR\nrecords_from_registers,NR\nduplicates_removed,NR\n\
    marked_ineligible_by_automation,NR\nremoved_for_other_reasons,NR\nrecords_screened,280\n\
    records_excluded,NR\nreports_sought,NR\nreports_not_retrieved,NR\nreports_assessed,NR\n\
    reports_excluded,NR\nstudies_included,6\nreports_included,6\n";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/flow-preview");
    std::fs::create_dir_all(&out)?;
    let spanish = Labels::from_toml(
        "thousands_separator = \".\"\n[phase]\nidentification = \"Identificación\"\nscreening = \"Cribado\"\n\
         included = \"Incluidos\"\n[boxes]\nscreened = \"Registros cribados\\n(n = {n})\"\n",
    )?;
    let cases: Vec<(&str, PrismaCounts, FlowOptions)> = vec![
        ("new", typical(), FlowOptions { per_database: true, ..FlowOptions::default() }),
        (
            "other-methods",
            with_other_methods(),
            FlowOptions {
                title: Some(
                    "PRISMA 2020 flow diagram for new systematic reviews which included searches of databases, \
                     registers and other sources"
                        .into(),
                ),
                ..FlowOptions::default()
            },
        ),
        (
            "updated",
            with_other_methods(),
            FlowOptions {
                template: Some(Template::Updated { previous_studies: 18, previous_reports: 26 }),
                ..FlowOptions::default()
            },
        ),
        (
            "updated-no-other",
            typical(),
            FlowOptions {
                template: Some(Template::Updated { previous_studies: 18, previous_reports: 26 }),
                ..FlowOptions::default()
            },
        ),
        ("scoping", with_other_methods(), FlowOptions { scoping: true, ..FlowOptions::default() }),
        ("zero", PrismaCounts::default(), FlowOptions::default()),
        ("huge-long-reasons", huge_with_long_reasons(), FlowOptions::default()),
        ("labels", typical(), FlowOptions { labels: Some(spanish), ..FlowOptions::default() }),
    ];
    // Published reviews that report only some boxes, typed in as manual counts with "NR".
    let scoping = manual::from_toml(PUBLISHED_SCOPING_REVIEW)?;
    let scoping_options = FlowOptions { scoping: true, ..scoping.flow_options() };
    let screened_only = manual::from_csv(SCREENED_ONLY)?;
    let screened_only_options = screened_only.flow_options();
    let cases: Vec<(&str, PrismaCounts, FlowOptions)> = cases
        .into_iter()
        .chain([
            ("not-reported-scoping", scoping.counts, scoping_options),
            ("not-reported-screened-only", screened_only.counts, screened_only_options),
        ])
        .collect();
    for (name, counts, options) in cases {
        let svg = flow_svg(&counts, &options)?;
        std::fs::write(out.join(format!("{name}.svg")), &svg)?;
        std::fs::write(out.join(format!("{name}.png")), render_png(&svg, 1.5)?)?;
        std::fs::write(out.join(format!("{name}.pdf")), render_pdf(&svg)?)?;
        println!("{}", out.join(format!("{name}.png")).display());
        if name == "new" {
            // The top left corner at three times the size, to look at glyphs and arrow heads.
            let width = svg.split('"').nth(3).unwrap_or("0");
            let height = svg.split('"').nth(5).unwrap_or("0");
            let detail = svg.replacen(
                &format!(r#"width="{width}" height="{height}" viewBox="0 0 {width} {height}""#),
                r#"width="520" height="330" viewBox="0 0 520 330""#,
                1,
            );
            std::fs::write(out.join("new-detail.png"), render_png(&detail, 3.0)?)?;
        }
    }
    Ok(())
}
