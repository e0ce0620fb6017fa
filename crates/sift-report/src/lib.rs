//! Reports a journal accepts, drawn from counts and tables the service gathers: PRISMA 2020
//! and PRISMA-ScR flow diagrams (SVG with text kept as text, PNG with an embedded font, PDF),
//! tables as Markdown, CSV, HTML, DOCX and XLSX, forest and funnel plots of a meta-analysis,
//! and the search appendix.
//!
//! Pure: values in, bytes out. No IO, no async.

pub mod appendix;
pub mod characteristics;
pub mod flow;
pub mod forest;
pub mod labels;
pub mod manual;
pub mod render;
pub mod robplot;
pub mod tables;

mod docx;
mod fonts;
mod xlsx;
