//! The recall curve of a screening order as SVG: relevant records found against records
//! screened, with random screening (the diagonal) and the perfect order for comparison, and
//! where the stopping rule fired.

use std::fmt::Write as _;

/// Draws the curve of `labels` (screening order after the priors, true = relevant).
/// `stop_at` marks the records screened when the stopping rule fired.
pub fn recall_curve_svg(labels: &[bool], title: &str, stop_at: Option<usize>) -> String {
    let n = labels.len().max(1) as f64;
    let n_relevant = labels.iter().filter(|&&l| l).count().max(1) as f64;
    let (width, height) = (640.0, 420.0);
    let (left, right, top, bottom) = (64.0, 24.0, 44.0, 56.0);
    let plot_w = width - left - right;
    let plot_h = height - top - bottom;
    let px = |x: f64| left + x / n * plot_w;
    let py = |y: f64| top + plot_h - y / n_relevant * plot_h;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">"#
    );
    let _ = writeln!(svg, r#"<rect width="{width}" height="{height}" fill="white"/>"#);
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="24" text-anchor="middle" font-size="14">{}</text>"#,
        width / 2.0,
        escape(title)
    );
    // Axes and grid at every 25 %.
    for q in 0..=4 {
        let f = f64::from(q) / 4.0;
        let (x, y) = (px(f * n), py(f * n_relevant));
        let _ = writeln!(
            svg,
            r##"<line x1="{x:.1}" y1="{top}" x2="{x:.1}" y2="{:.1}" stroke="#e5e5e5"/>"##,
            top + plot_h
        );
        let _ = writeln!(
            svg,
            r##"<line x1="{left}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#e5e5e5"/>"##,
            left + plot_w
        );
        let _ = writeln!(
            svg,
            r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            top + plot_h + 16.0,
            (f * n).round()
        );
        let _ = writeln!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            left - 6.0,
            y + 4.0,
            (f * n_relevant).round()
        );
    }
    let _ = writeln!(
        svg,
        r##"<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#333"/>"##
    );
    let _ = writeln!(
        svg,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">records screened</text>"#,
        left + plot_w / 2.0,
        height - 14.0
    );
    let _ = writeln!(
        svg,
        r#"<text transform="translate(16 {:.1}) rotate(-90)" text-anchor="middle">relevant records found</text>"#,
        top + plot_h / 2.0
    );
    // Random screening: the diagonal. Perfect: all relevant first.
    let _ = writeln!(
        svg,
        r##"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#999" stroke-dasharray="6 4"/>"##,
        px(0.0),
        py(0.0),
        px(n),
        py(n_relevant)
    );
    let _ = writeln!(
        svg,
        r##"<polyline points="{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}" fill="none" stroke="#2a9d8f" stroke-dasharray="2 3"/>"##,
        px(0.0),
        py(0.0),
        px(n_relevant),
        py(n_relevant),
        px(n),
        py(n_relevant)
    );
    // The curve: one point per change, plus the ends.
    let mut points = vec![(0.0, 0.0)];
    let mut found = 0.0;
    for (i, &l) in labels.iter().enumerate() {
        if l {
            points.push((i as f64, found));
            found += 1.0;
            points.push(((i + 1) as f64, found));
        }
    }
    points.push((n, found));
    let path: Vec<String> = points.iter().map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y))).collect();
    let _ = writeln!(
        svg,
        r##"<polyline points="{}" fill="none" stroke="#1d4ed8" stroke-width="2"/>"##,
        path.join(" ")
    );
    if let Some(stop) = stop_at {
        let x = px(stop as f64);
        let _ = writeln!(
            svg,
            r##"<line x1="{x:.1}" y1="{top}" x2="{x:.1}" y2="{:.1}" stroke="#d62828" stroke-dasharray="4 3"/>"##,
            top + plot_h
        );
        let _ = writeln!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" fill="#d62828">stopping rule: stop</text>"##,
            x + 4.0,
            top + plot_h - 8.0
        );
    }
    // Legend.
    let legend = [
        ("#1d4ed8", "", "this order"),
        ("#2a9d8f", "2 3", "perfect order"),
        ("#999", "6 4", "random screening"),
    ];
    for (k, (colour, dash, label)) in legend.iter().enumerate() {
        let y = top + 16.0 + 18.0 * k as f64;
        let x = left + plot_w - 150.0;
        let _ = writeln!(
            svg,
            r#"<line x1="{x}" y1="{y}" x2="{}" y2="{y}" stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}"/>"#,
            x + 24.0
        );
        let _ = writeln!(svg, r#"<text x="{}" y="{}">{label}</text>"#, x + 30.0, y + 4.0);
    }
    svg.push_str("</svg>\n");
    svg
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_curve_steps_up_at_each_relevant_record() {
        let svg = recall_curve_svg(&[true, false, true, false], "a <b>", Some(3));
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("a &lt;b&gt;"));
        assert!(svg.contains("stopping rule"));
        // 2 relevant of 4: steps at x = 0 -> 1 and 2 -> 3; plot width 552 over 4 records.
        assert!(svg.contains("64.0,364.0 64.0,364.0 202.0,204.0"), "{svg}");
    }
}
