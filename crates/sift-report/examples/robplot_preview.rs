//! Writes traffic-light plots for RoB 2, ROBINS-I and AMSTAR 2 to `target/robplot-preview/`,
//! to look at: `cargo run -p sift-report --example robplot_preview`.

use sift_domain::appraisal::builtin_tool;
use sift_report::render::render_png;
use sift_report::robplot::{RobRow, traffic_light_svg};

fn row(study: &str, judgements: &[&str], overall: &str) -> RobRow {
    RobRow {
        study: study.into(),
        judgements: judgements.iter().map(|j| (!j.is_empty()).then(|| j.to_string())).collect(),
        overall: (!overall.is_empty()).then(|| overall.to_string()),
    }
}

fn main() {
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/robplot-preview");
    std::fs::create_dir_all(&out).unwrap();
    let (l, s, h) = ("Low", "Some concerns", "High");
    let rob2 = vec![
        row("Caraceni et al., 2004", &[l, l, s, l, l], l),
        row("Gewandter et al., 2014", &[l, s, l, l, s], s),
        row("Hirayama et al., 2014", &[s, h, s, s, l], h),
        row("Keskinbora et al., 2007", &[h, h, s, h, s], h),
        row("Smith et al., 2013", &[l, l, l, l, l], l),
        row("Singhal et al., 2025", &[s, s, "", "", ""], ""),
    ];
    let robins = vec![
        row(
            "Filipczak-Bryniarska et al., 2017",
            &["Serious", "Moderate", "Low", "Low", "No information", "Moderate", "Low"],
            "Serious",
        ),
        row(
            "Velasco et al., 2021",
            &["Critical", "Serious", "Low", "Moderate", "Serious", "Moderate", "Low"],
            "Critical",
        ),
    ];
    let amstar = vec![row("Guo et al., 2023", &[], "Low"), row("Huang et al., 2023", &[], "Moderate")];
    for (key, rows) in [("rob2", rob2), ("robins-i", robins), ("amstar2", amstar)] {
        let tool = builtin_tool(key).unwrap();
        let svg = traffic_light_svg(&tool, &rows, Some(&format!("Risk of bias: {}", tool.name)));
        std::fs::write(out.join(format!("{key}.svg")), &svg).unwrap();
        std::fs::write(out.join(format!("{key}.png")), render_png(&svg, 2.0).unwrap()).unwrap();
    }
    println!("wrote {}", out.display());
}
