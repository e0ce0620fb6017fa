//! Writes sample tables and a sample search appendix in every format into a folder, for
//! looking at them in Word, LibreOffice or a browser: `cargo run -p sift-report --example
//! tables_gallery -- /tmp/gallery`.

use sift_report::appendix::{
    AppendixSearch, appendix_docx, appendix_html, appendix_markdown, appendix_table,
};
use sift_report::tables::{Column, Table, html_page, to_csv, to_docx, to_html, to_markdown, to_xlsx};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "gallery".to_owned()));
    std::fs::create_dir_all(&dir)?;

    let mut interventions = Table::new(vec![
        Column::left("Intervention"),
        Column::left("Comparator"),
        Column::right("Studies"),
        Column::right("Participants"),
    ])
    .with_title("Table 1. Interventions in the included studies");
    interventions.push_group("Pharmacological");
    interventions.push_cells([
        "Beta blockers (bisoprolol, carvedilol, metoprolol succinate)",
        "Placebo",
        "12",
        "8,412",
    ]);
    interventions.push_cells(["ACE inhibitors", "Usual care", "7", "2,031"]);
    interventions.push_group("Non-pharmacological");
    interventions.push_cells([
        "Supervised aerobic exercise, 3 sessions a week for 12 weeks",
        "Usual care\nor waiting list",
        "4",
        "388",
    ]);
    interventions.push_cells(["Home-based walking", "Education only", "2", "140"]);
    interventions.footnotes.push("Participants: randomised, as reported by the study.".to_owned());
    interventions.footnotes.push("Two studies compared more than one intervention.".to_owned());

    let mut characteristics = Table::new(vec![
        Column::left("Study"),
        Column::left("Country"),
        Column::left("Design"),
        Column::right("n"),
        Column::right("Age, mean"),
        Column::right("Women, %"),
        Column::left("Follow-up"),
        Column::left("Outcomes"),
    ])
    .with_title("Table 2. Characteristics of the included studies");
    for (study, country, design, n, age, women, follow_up, outcomes) in [
        (
            "Smith 2019",
            "United Kingdom",
            "Parallel RCT",
            "220",
            "67.4",
            "31",
            "12 months",
            "Mortality; hospital admission; quality of life (MLHFQ)",
        ),
        ("Okafor 2021", "Nigeria", "Cluster RCT", "1045", "58.9", "47", "24 months", "Hospital admission"),
        (
            "Lindqvist 2022",
            "Sweden",
            "Parallel RCT",
            "96",
            "71.0",
            "22",
            "6 months",
            "Peak VO2; 6-minute walk distance; adverse events",
        ),
    ] {
        characteristics.push_cells([study, country, design, n, age, women, follow_up, outcomes]);
    }

    let searches = sample_searches();
    let title = "Exercise-based rehabilitation for heart failure: a systematic review";

    std::fs::write(
        dir.join("tables.md"),
        format!("{}\n{}", to_markdown(&interventions), to_markdown(&characteristics)),
    )?;
    std::fs::write(dir.join("interventions.csv"), to_csv(&interventions))?;
    let body = format!("{}{}", to_html(&interventions), to_html(&characteristics));
    std::fs::write(dir.join("tables.html"), html_page("Tables", &body))?;
    std::fs::write(dir.join("interventions.docx"), to_docx(&[interventions.clone()], Some("Tables"))?)?;
    std::fs::write(
        dir.join("characteristics.docx"),
        to_docx(&[interventions.clone(), characteristics.clone()], Some("Tables"))?,
    )?;
    let appendix = appendix_table(&searches);
    std::fs::write(
        dir.join("tables.xlsx"),
        to_xlsx(&[
            ("Interventions", &interventions),
            ("Characteristics", &characteristics),
            ("Searches", &appendix),
        ])?,
    )?;
    std::fs::write(dir.join("appendix.md"), appendix_markdown(title, &searches))?;
    std::fs::write(dir.join("appendix.html"), appendix_html(title, &searches))?;
    std::fs::write(dir.join("appendix.csv"), to_csv(&appendix))?;
    std::fs::write(dir.join("appendix.docx"), appendix_docx(title, &searches)?)?;
    println!("wrote the gallery to {}", dir.display());
    Ok(())
}

fn sample_searches() -> Vec<AppendixSearch> {
    let medline = "1 exp Heart Failure/\n2 (heart adj2 (failure or insufficiency or decompensation)).ti,ab,kf.\n3 (cardiac adj2 (failure or insufficiency)).ti,ab,kf.\n4 or/1-3\n5 exp Exercise Therapy/ or exp Exercise/ or exp Rehabilitation/\n6 (exercis* or training or rehabilitat* or physical activit* or walking or aerobic or resistance).ti,ab,kf.\n7 5 or 6\n8 randomized controlled trial.pt. or (random* or placebo or trial).ti,ab.\n9 4 and 7 and 8\n10 limit 9 to (english language and yr=\"2000 -Current\")";
    let central = "#1\tMeSH descriptor: [Heart Failure] explode all trees\n#2\t((heart or cardiac) NEAR/2 (failure or insufficiency)):ti,ab,kw\n#3\t#1 OR #2\n#4\t(exercis* OR training OR rehabilitat*):ti,ab,kw\n#5\t#3 AND #4";
    vec![
        AppendixSearch {
            id: 1,
            stream: "Effectiveness".to_owned(),
            source: "MEDLINE".to_owned(),
            kind: "database".to_owned(),
            platform: Some("Ovid".to_owned()),
            query: Some(medline.to_owned()),
            run_date: Some("2024-03-01".to_owned()),
            limits: Some("English; 2000 to current".to_owned()),
            hits_reported: Some(1523),
            records_imported: 1523,
            duplicates_removed: Some(211),
            files: vec!["medline_2024-03-01_part1.ris".to_owned(), "medline_2024-03-01_part2.ris".to_owned()],
            updates: None,
        },
        AppendixSearch {
            id: 2,
            stream: "Effectiveness".to_owned(),
            source: "Cochrane CENTRAL".to_owned(),
            kind: "database".to_owned(),
            platform: Some("Cochrane Library".to_owned()),
            query: Some(central.to_owned()),
            run_date: Some("2024-03-02".to_owned()),
            limits: None,
            hits_reported: Some(840),
            records_imported: 838,
            duplicates_removed: Some(402),
            files: vec!["central.txt".to_owned()],
            updates: None,
        },
        AppendixSearch {
            id: 3,
            stream: "Effectiveness".to_owned(),
            source: "MEDLINE".to_owned(),
            kind: "database".to_owned(),
            platform: Some("Ovid".to_owned()),
            query: Some(medline.replace("2000 -Current", "2024 -Current")),
            run_date: Some("2024-09-15".to_owned()),
            limits: Some("English; 2024 to current".to_owned()),
            hits_reported: Some(97),
            records_imported: 97,
            duplicates_removed: Some(12),
            files: vec!["medline_update.ris".to_owned()],
            updates: Some(1),
        },
        AppendixSearch {
            id: 4,
            stream: "Patient experience".to_owned(),
            source: "ClinicalTrials.gov".to_owned(),
            kind: "register".to_owned(),
            platform: None,
            query: Some("Condition: heart failure\nIntervention: exercise OR rehabilitation".to_owned()),
            run_date: None,
            limits: None,
            hits_reported: None,
            records_imported: 57,
            duplicates_removed: None,
            files: Vec::new(),
            updates: None,
        },
    ]
}
