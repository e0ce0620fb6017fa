//! The embedded DejaVu Sans fonts: their bytes, the font database the renderers use, and text
//! measurement with the fonts' real advance widths, so a layout knows how wide a line will be
//! before anything is drawn.

use std::sync::{Arc, OnceLock};

use resvg::usvg::fontdb;

/// The family name of the embedded faces.
pub const FAMILY: &str = "DejaVu Sans";

/// What an SVG asks for: DejaVu Sans, then Bitstream Vera Sans (the same Latin metrics) and a
/// sans-serif for viewers that have neither, rather than their default serif.
pub const SVG_FAMILIES: &str = "DejaVu Sans, Bitstream Vera Sans, sans-serif";

pub static REGULAR: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
pub static BOLD: &[u8] = include_bytes!("../assets/DejaVuSans-Bold.ttf");

/// A font database holding only the two embedded faces: rendering never depends on the fonts
/// of the machine it runs on.
pub fn database() -> Arc<fontdb::Database> {
    static DB: OnceLock<Arc<fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = fontdb::Database::new();
        db.load_font_data(REGULAR.to_vec());
        db.load_font_data(BOLD.to_vec());
        db.set_sans_serif_family(FAMILY);
        db.set_serif_family(FAMILY);
        db.set_monospace_family(FAMILY);
        Arc::new(db)
    })
    .clone()
}

/// Horizontal metrics of one face, in font units, read once.
struct Metrics {
    units_per_em: f32,
    ascender: f32,
    descender: f32,
    /// Advances of the printable ASCII range, the common case, looked up without the cmap.
    ascii: [u16; 95],
    face: ttf_parser::Face<'static>,
}

impl Metrics {
    fn new(data: &'static [u8]) -> Metrics {
        // The fonts are part of the crate and are checked by the tests: a parse failure here is
        // a broken build, not bad input.
        let face = ttf_parser::Face::parse(data, 0).expect("the embedded DejaVu font parses");
        let mut ascii = [0u16; 95];
        for (i, slot) in ascii.iter_mut().enumerate() {
            let c = char::from(b' ' + i as u8);
            *slot = advance(&face, c);
        }
        Metrics {
            units_per_em: f32::from(face.units_per_em()),
            ascender: f32::from(face.ascender()),
            descender: f32::from(face.descender()),
            ascii,
            face,
        }
    }
}

fn advance(face: &ttf_parser::Face<'_>, c: char) -> u16 {
    // A character the font lacks is drawn as the missing-glyph box, glyph 0.
    let glyph = face.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0));
    face.glyph_hor_advance(glyph).unwrap_or(0)
}

fn metrics(bold: bool) -> &'static Metrics {
    static REGULAR_METRICS: OnceLock<Metrics> = OnceLock::new();
    static BOLD_METRICS: OnceLock<Metrics> = OnceLock::new();
    if bold {
        BOLD_METRICS.get_or_init(|| Metrics::new(BOLD))
    } else {
        REGULAR_METRICS.get_or_init(|| Metrics::new(REGULAR))
    }
}

/// The advance width of `text` set in DejaVu Sans at `size` pixels. Kerning is left out: it
/// only ever narrows DejaVu's Latin text by a fraction of a pixel, so this errs wide.
pub fn text_width(text: &str, size: f32, bold: bool) -> f32 {
    let m = metrics(bold);
    let units: u64 = text
        .chars()
        .map(|c| match c {
            ' '..='~' => u64::from(m.ascii[c as usize - 32]),
            _ => u64::from(advance(&m.face, c)),
        })
        .sum();
    units as f32 * size / m.units_per_em
}

/// How far the font reaches above the baseline at `size` pixels.
pub fn ascent(size: f32) -> f32 {
    let m = metrics(false);
    m.ascender * size / m.units_per_em
}

/// How far the font reaches below the baseline at `size` pixels (positive).
pub fn descent(size: f32) -> f32 {
    let m = metrics(false);
    -m.descender * size / m.units_per_em
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_faces_load_under_one_family() {
        let db = database();
        let families: Vec<String> =
            db.faces().flat_map(|f| f.families.iter().map(|(name, _)| name.clone())).collect();
        assert_eq!(db.len(), 2, "only the embedded faces, never system fonts");
        assert!(families.iter().all(|f| f == FAMILY), "{families:?}");
    }

    #[test]
    fn widths_are_the_fonts_own() {
        // DejaVu Sans: 'M' advances 1767 of 2048 units.
        let w = text_width("M", 2048.0, false);
        assert!((w - 1767.0).abs() < 0.5, "{w}");
        assert!(text_width("Records", 12.0, true) > text_width("Records", 12.0, false));
        assert_eq!(text_width("", 12.0, false), 0.0);
        assert!(ascent(12.0) > 10.0 && descent(12.0) > 2.0);
    }
}
