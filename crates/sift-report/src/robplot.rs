//! The traffic-light plot of a quality appraisal (as robvis draws for RoB 2 and ROBINS-I):
//! one row per study, one circle per domain and one for the overall judgement, coloured by
//! how bad the judgement is and marked with a symbol so it reads without colour.
//!
//! Colours follow a judgement's place in the tool's list (best first, worst last, as
//! `sift_domain::appraisal::Tool` orders them): best green, worst red, between yellow and
//! orange; with four or more levels the worst is dark red (ROBINS-I's "Critical"). Judgements that say nothing about
//! quality ("No information", "Unclear", "Not applicable", ...) are blue.

use std::fmt::Write as _;

use sift_domain::appraisal::Tool;

use crate::fonts;

/// One study's row: its label and the judgement per domain, in the tool's domain order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RobRow {
    pub study: String,
    pub judgements: Vec<Option<String>>,
    pub overall: Option<String>,
}

const FONT: f32 = 13.0;
const SMALL: f32 = 11.0;
const CELL: f32 = 30.0;
const RADIUS: f32 = 11.0;
const PAD: f32 = 16.0;
const ROW: f32 = 30.0;

/// How a judgement is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Look {
    fill: &'static str,
    symbol: &'static str,
    /// Dark symbols on light fills, white on dark ones.
    ink: &'static str,
}

const GREEN: Look = Look { fill: "#1a9641", symbol: "+", ink: "#ffffff" };
const YELLOW: Look = Look { fill: "#f4d03f", symbol: "\u{2212}", ink: "#000000" };
const ORANGE: Look = Look { fill: "#f08c00", symbol: "!", ink: "#000000" };
const RED: Look = Look { fill: "#c0392b", symbol: "\u{00d7}", ink: "#ffffff" };
const DARK_RED: Look = Look { fill: "#6e1414", symbol: "\u{00d7}", ink: "#ffffff" };
const BLUE: Look = Look { fill: "#5dade2", symbol: "?", ink: "#000000" };

fn is_uninformative(judgement: &str) -> bool {
    let j = judgement.to_ascii_lowercase();
    [
        "no information",
        "unclear",
        "not applicable",
        "ni",
        "na",
        "seek further info",
        "no meta-analysis conducted",
    ]
    .contains(&j.as_str())
}

fn look(levels: &[String], judgement: &str) -> Look {
    if is_uninformative(judgement) {
        return BLUE;
    }
    let graded: Vec<&String> = levels.iter().filter(|l| !is_uninformative(l)).collect();
    let Some(i) = graded.iter().position(|l| l.as_str() == judgement) else { return BLUE };
    let n = graded.len();
    match (i, n) {
        (0, _) => GREEN,
        (i, n) if i + 1 == n && n >= 4 => DARK_RED,
        (i, n) if i + 1 == n => RED,
        (i, n) if n >= 4 && i + 2 == n => RED,
        (1, _) => YELLOW,
        _ => ORANGE,
    }
}

/// The plot as an SVG document (text as text, DejaVu Sans).
pub fn traffic_light_svg(tool: &Tool, rows: &[RobRow], title: Option<&str>) -> String {
    let n_domains = tool.domains.len();
    let label_width = rows
        .iter()
        .map(|r| fonts::text_width(&r.study, FONT, false))
        .fold(fonts::text_width("Study", FONT, true), f32::max);
    let grid_x = PAD + label_width + PAD;
    let columns = n_domains + 1;
    // The overall column sits apart, wide enough for its heading.
    let overall_gap = fonts::text_width("Overall", FONT, true) - CELL + 16.0;
    let grid_width = CELL * columns as f32 + overall_gap.max(12.0);
    let title_height = if title.is_some() { 28.0 } else { 0.0 };
    let header_y = PAD + title_height + FONT;
    let first_row_y = header_y + 14.0;

    // The legend: domain keys and their labels, then the judgements in the tool's order.
    let legend_lines: Vec<String> =
        tool.domains.iter().map(|d| format!("{}: {}", d.key.to_uppercase(), d.label)).collect();
    let legend_width = legend_lines.iter().map(|l| fonts::text_width(l, SMALL, false)).fold(0.0, f32::max);
    let mut judgements: Vec<&String> = tool.judgements.iter().collect();
    for o in tool.overall_judgements() {
        if !judgements.contains(&o) {
            judgements.push(o);
        }
    }
    let key_width = judgements
        .iter()
        .map(|j| 2.0 * RADIUS + 8.0 + fonts::text_width(j, SMALL, false) + 18.0)
        .sum::<f32>();

    let title_width = title.map_or(0.0, |t| fonts::text_width(t, 15.0, true));
    let width =
        (grid_x + grid_width).max(PAD + legend_width).max(PAD + key_width).max(PAD + title_width) + PAD;
    let grid_bottom = first_row_y + ROW * rows.len() as f32;
    let legend_y = grid_bottom + 22.0;
    let key_y = legend_y + SMALL * 1.4 * legend_lines.len() as f32 + 16.0;
    let height = key_y + RADIUS + PAD;

    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="{}" role="img" aria-label="{}">
<rect width="100%" height="100%" fill="#ffffff"/>
"##,
        fonts::SVG_FAMILIES,
        escape(&format!("Risk of bias ({}), traffic-light plot of {} studies", tool.name, rows.len()))
    );
    if let Some(title) = title {
        let _ = writeln!(
            svg,
            r#"<text x="{PAD}" y="{:.1}" font-size="15" font-weight="bold">{}</text>"#,
            PAD + 15.0,
            escape(title)
        );
    }
    let _ = writeln!(
        svg,
        r#"<text x="{PAD}" y="{header_y:.1}" font-size="{FONT}" font-weight="bold">Study</text>"#
    );
    for (i, d) in tool.domains.iter().enumerate() {
        let cx = grid_x + CELL * (i as f32 + 0.5);
        let _ = writeln!(
            svg,
            r#"<text x="{cx:.1}" y="{header_y:.1}" font-size="{FONT}" font-weight="bold" text-anchor="middle">{}</text>"#,
            escape(&d.key.to_uppercase())
        );
    }
    let overall_x = grid_x + CELL * n_domains as f32 + overall_gap.max(12.0) + CELL / 2.0;
    let _ = writeln!(
        svg,
        r#"<text x="{overall_x:.1}" y="{header_y:.1}" font-size="{FONT}" font-weight="bold" text-anchor="middle">Overall</text>"#
    );

    for (r, row) in rows.iter().enumerate() {
        let cy = first_row_y + ROW * (r as f32 + 0.5);
        if r % 2 == 1 {
            let _ = writeln!(
                svg,
                r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{ROW}" fill="#f2f2f2"/>"##,
                PAD / 2.0,
                cy - ROW / 2.0,
                grid_x + grid_width
            );
        }
        let _ = writeln!(
            svg,
            r#"<text x="{PAD}" y="{:.1}" font-size="{FONT}">{}</text>"#,
            cy + fonts::ascent(FONT) / 2.0 - fonts::descent(FONT) / 2.0,
            escape(&row.study)
        );
        for i in 0..n_domains {
            let cx = grid_x + CELL * (i as f32 + 0.5);
            circle(&mut svg, cx, cy, &tool.judgements, row.judgements.get(i).and_then(Option::as_deref));
        }
        circle(&mut svg, overall_x, cy, tool.overall_judgements(), row.overall.as_deref());
    }

    let separator = grid_x + CELL * n_domains as f32 + overall_gap.max(12.0) / 2.0;
    let _ = writeln!(
        svg,
        r##"<line x1="{separator:.1}" y1="{:.1}" x2="{separator:.1}" y2="{grid_bottom:.1}" stroke="#999999" stroke-width="1"/>"##,
        header_y - FONT,
    );
    for (i, line) in legend_lines.iter().enumerate() {
        let y = legend_y + SMALL * 1.4 * i as f32;
        let _ = writeln!(svg, r#"<text x="{PAD}" y="{y:.1}" font-size="{SMALL}">{}</text>"#, escape(line));
    }
    let mut x = PAD;
    for j in judgements {
        let levels =
            if tool.judgements.contains(j) { &tool.judgements[..] } else { tool.overall_judgements() };
        circle(&mut svg, x + RADIUS, key_y, levels, Some(j));
        let _ = writeln!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" font-size="{SMALL}">{}</text>"#,
            x + 2.0 * RADIUS + 6.0,
            key_y + SMALL * 0.35,
            escape(j)
        );
        x += 2.0 * RADIUS + 8.0 + fonts::text_width(j, SMALL, false) + 18.0;
    }
    svg.push_str("</svg>\n");
    svg
}

fn circle(svg: &mut String, cx: f32, cy: f32, levels: &[String], judgement: Option<&str>) {
    match judgement {
        Some(j) => {
            let look = look(levels, j);
            let _ = writeln!(
                svg,
                r##"<g><title>{}</title><circle cx="{cx:.1}" cy="{cy:.1}" r="{RADIUS}" fill="{}" stroke="#333333" stroke-width="0.8"/><text x="{cx:.1}" y="{:.1}" font-size="15" font-weight="bold" text-anchor="middle" fill="{}">{}</text></g>"##,
                escape(j),
                look.fill,
                cy + 5.2,
                look.ink,
                look.symbol
            );
        }
        None => {
            let _ = writeln!(
                svg,
                r##"<g><title>not judged</title><circle cx="{cx:.1}" cy="{cy:.1}" r="{RADIUS}" fill="#ffffff" stroke="#999999" stroke-width="0.8" stroke-dasharray="2 2"/></g>"##
            );
        }
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use sift_domain::appraisal::builtin_tool;

    fn strings(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn colours_follow_the_order_of_judgements() {
        let rob2 = strings(&["Low", "Some concerns", "High"]);
        assert_eq!(look(&rob2, "Low"), GREEN);
        assert_eq!(look(&rob2, "Some concerns"), YELLOW);
        assert_eq!(look(&rob2, "High"), RED);
        let robins = strings(&["Low", "Moderate", "Serious", "Critical", "No information"]);
        assert_eq!(look(&robins, "Moderate"), YELLOW);
        assert_eq!(look(&robins, "Serious"), RED);
        assert_eq!(look(&robins, "Critical"), DARK_RED, "four graded levels: the worst is dark red");
        assert_eq!(look(&robins, "No information"), BLUE);
        let amstar = strings(&["High", "Moderate", "Low", "Critically low"]);
        assert_eq!(look(&amstar, "High"), GREEN, "high confidence is good");
        assert_eq!(look(&amstar, "Low"), RED);
        assert_eq!(look(&amstar, "Critically low"), DARK_RED);
        let five = strings(&["A", "B", "C", "D", "E"]);
        assert_eq!(look(&five, "C"), ORANGE);
        assert_eq!(look(&five, "E"), DARK_RED);
        assert_eq!(look(&strings(&["Yes", "No"]), "No"), RED);
        assert_eq!(look(&rob2, "Unknown"), BLUE, "a judgement outside the tool is not guessed at");
    }

    #[test]
    fn every_study_and_domain_is_drawn() {
        let tool = builtin_tool("rob2").unwrap();
        let rows = vec![
            RobRow {
                study: "Smith et al., 2013".into(),
                judgements: vec![
                    Some("Low".into()),
                    Some("Some concerns".into()),
                    None,
                    Some("High".into()),
                    Some("Low".into()),
                ],
                overall: Some("High".into()),
            },
            RobRow { study: "Caraceni et al., 2004 <&>".into(), judgements: vec![], overall: None },
        ];
        let svg = traffic_light_svg(&tool, &rows, Some("Risk of bias: RoB 2"));
        assert_eq!(
            svg.matches("<circle").count(),
            2 * 6 + 3,
            "two rows of five domains and overall, plus the key"
        );
        assert!(svg.contains("Caraceni et al., 2004 &lt;&amp;&gt;"));
        assert!(svg.contains("D1: Randomization process") && svg.contains(">Overall</text>"));
        assert!(svg.contains("<title>Some concerns</title>"));
        assert_eq!(
            svg.matches("not judged").count(),
            1 + 5 + 1,
            "one empty domain in row one, all of row two"
        );
        let png = crate::render::render_png(&svg, 1.0).unwrap();
        assert!(png.starts_with(b"\x89PNG"));
    }
}
