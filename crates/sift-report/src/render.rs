//! SVG to PNG (resvg) and to PDF (svg2pdf), with a font database holding only the embedded
//! DejaVu Sans faces, so a diagram renders the same everywhere and never reads a file: images
//! an SVG links to are not loaded.

use resvg::tiny_skia;
use resvg::usvg;

use crate::flow::FlowError;
use crate::fonts;

/// The largest PNG side in pixels a render may ask for.
pub const MAX_PNG_SIDE: u32 = 16_384;

/// Renders an SVG to PNG at `scale` (2.0 gives twice the SVG's pixel size, about 192 dpi).
pub fn render_png(svg: &str, scale: f32) -> Result<Vec<u8>, FlowError> {
    if !(scale.is_finite() && scale > 0.0) {
        return Err(FlowError::Render(format!("scale must be a positive number, not {scale}")));
    }
    let tree = parse(svg)?;
    let size = tree.size();
    let (w, h) = ((size.width() * scale).ceil(), (size.height() * scale).ceil());
    if w > MAX_PNG_SIDE as f32 || h > MAX_PNG_SIDE as f32 {
        return Err(FlowError::Render(format!(
            "a {w} x {h} pixel image is larger than {MAX_PNG_SIDE} pixels a side; use a smaller scale"
        )));
    }
    let mut pixmap = tiny_skia::Pixmap::new(w as u32, h as u32)
        .ok_or_else(|| FlowError::Render(format!("cannot make a {w} x {h} pixel image")))?;
    resvg::render(&tree, tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| FlowError::Render(format!("PNG encoding: {e}")))
}

/// Converts an SVG to a one-page PDF of the same size, text kept as text in embedded fonts.
pub fn render_pdf(svg: &str) -> Result<Vec<u8>, FlowError> {
    let tree = parse(svg)?;
    svg2pdf::to_pdf(&tree, svg2pdf::ConversionOptions::default(), svg2pdf::PageOptions::default())
        .map_err(|e| FlowError::Render(format!("PDF conversion: {e}")))
}

/// Parses an SVG with the embedded fonts only.
pub(crate) fn parse(svg: &str) -> Result<usvg::Tree, FlowError> {
    let options = usvg::Options {
        font_family: fonts::FAMILY.to_owned(),
        fontdb: fonts::database(),
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_string: Box::new(|_, _| None),
            ..usvg::ImageHrefResolver::default()
        },
        ..usvg::Options::default()
    };
    usvg::Tree::from_str(svg, &options).map_err(|e| FlowError::Render(format!("reading the SVG: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SVG: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40">
<rect width="120" height="40" fill="#ffffff"/>
<text x="5" y="25" font-family="DejaVu Sans" font-size="14">Screened</text></svg>"##;

    #[test]
    fn png_has_the_asked_size_and_text() {
        let png = render_png(SVG, 2.0).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let pixmap = tiny_skia::Pixmap::decode_png(&png).unwrap();
        assert_eq!((pixmap.width(), pixmap.height()), (240, 80));
        let dark = pixmap.pixels().iter().filter(|p| p.red() < 128).count();
        assert!(dark > 100, "the text was drawn with the embedded font ({dark} dark pixels)");
    }

    #[test]
    fn pdf_is_a_pdf() {
        let pdf = render_pdf(SVG).unwrap();
        assert!(pdf.starts_with(b"%PDF"));
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert!(matches!(render_png("<svg", 1.0), Err(FlowError::Render(_))));
        assert!(matches!(render_png(SVG, 0.0), Err(FlowError::Render(_))));
        assert!(matches!(render_png(SVG, f32::NAN), Err(FlowError::Render(_))));
        assert!(matches!(render_png(SVG, 1000.0), Err(FlowError::Render(_))));
        assert!(matches!(render_pdf("not svg"), Err(FlowError::Render(_))));
    }

    #[test]
    fn linked_images_are_not_read() {
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10"><image href="/etc/hostname" width="10" height="10"/></svg>"#;
        let tree = parse(svg).unwrap();
        assert!(!tree.root().has_children(), "the image link was ignored");
    }
}
