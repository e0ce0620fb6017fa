//! Report commands: `table add|list|show|remove`, `flow set|clear|draw`, and `report`, which
//! writes every diagram, table, appendix and export of a review into one folder.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use sift_report::flow::FlowOptions;
use sift_report::{manual, render, tables};
use sift_service::{FlowSource, Service};

use crate::Context;
use crate::cmd::UsageError;
use crate::table::Table;

#[derive(clap::Subcommand, Debug)]
pub enum TableCommand {
    /// Add study-characteristics tables from a spec file (TOML or JSON, docs/tables.md);
    /// a table of the same name is replaced.
    Add { review: String, file: PathBuf },
    /// List the review's tables.
    List { review: String },
    /// Print one table: markdown (default), csv or html.
    Show {
        review: String,
        name: String,
        #[arg(long, default_value = "markdown")]
        format: TableFormat,
    },
    /// Remove a table.
    Remove { review: String, name: String },
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum TableFormat {
    Markdown,
    Csv,
    Html,
}

#[derive(clap::Subcommand, Debug)]
pub enum FlowCommand {
    /// Type in a stream's flow counts (TOML, or CSV `box,count`; docs/flow.md) for counts the
    /// records cannot give: a review screened elsewhere, or a published one rebuilt.
    Set {
        review: String,
        #[arg(long)]
        stream: Option<String>,
        file: PathBuf,
    },
    /// Return a stream to counts derived from its records.
    Clear {
        review: String,
        #[arg(long)]
        stream: Option<String>,
    },
    /// Draw a flow diagram: a stream's (`REVIEW --stream S`), or from a counts file alone
    /// (`--counts FILE`, no review). The output's extension picks SVG, PNG or PDF.
    Draw {
        review: Option<String>,
        #[arg(long)]
        stream: Option<String>,
        #[arg(long, value_name = "FILE", conflicts_with_all = ["review", "stream"])]
        counts: Option<PathBuf>,
        /// PRISMA-ScR wording (with --counts; a review's own type decides otherwise).
        #[arg(long)]
        scoping: bool,
        /// A TOML file of box texts (crates/sift-report/assets/flow-labels.toml lists them).
        #[arg(long, value_name = "FILE")]
        labels: Option<PathBuf>,
        #[arg(long, short)]
        out: PathBuf,
    },
}

#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    pub review: String,
    /// The folder to write into (created; files of an earlier report are replaced).
    #[arg(long, short, default_value = "report")]
    pub out: PathBuf,
}

pub async fn table(command: TableCommand, context: &Context) -> Result<()> {
    match command {
        TableCommand::Add { review, file } => {
            let text =
                std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let service = Service::open(&context.locator(&review)?).await?;
            let names = service.set_report_tables(&context.actor, &text).await;
            service.close().await;
            let names = names.with_context(|| file.display().to_string())?;
            println!("tables stored: {}", names.join(", "));
        }
        TableCommand::List { review } => {
            let service = Service::open(&context.locator(&review)?).await?;
            let specs = service.report_tables().await;
            service.close().await;
            let mut table = Table::new(&["name", "form", "stream", ">columns", "title"]);
            for s in specs? {
                table.row(vec![
                    s.name.clone(),
                    s.form.clone(),
                    s.stream.clone().unwrap_or_else(|| "(all)".into()),
                    s.columns.len().to_string(),
                    s.title.clone().unwrap_or_default(),
                ]);
            }
            print!("{}", table.render());
        }
        TableCommand::Show { review, name, format } => {
            let service = Service::open(&context.locator(&review)?).await?;
            let built = service.characteristics_table(&name).await;
            service.close().await;
            let built = built?;
            match format {
                TableFormat::Markdown => print!("{}", tables::to_markdown(&built)),
                TableFormat::Csv => print!("{}", tables::to_csv(&built)),
                TableFormat::Html => println!("{}", tables::to_html(&built)),
            }
        }
        TableCommand::Remove { review, name } => {
            let service = Service::open(&context.locator(&review)?).await?;
            let removed = service.remove_report_table(&context.actor, &name).await;
            service.close().await;
            removed?;
            println!("table {name} removed");
        }
    }
    Ok(())
}

pub async fn flow(command: FlowCommand, context: &Context) -> Result<()> {
    match command {
        FlowCommand::Set { review, stream, file } => {
            let text =
                std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let service = Service::open(&context.locator(&review)?).await?;
            let result = service.set_flow_counts(&context.actor, stream.as_deref(), Some(&text)).await;
            service.close().await;
            result.with_context(|| file.display().to_string())?;
            println!(
                "flow counts of stream {} set from {}",
                stream.as_deref().unwrap_or("default"),
                file.display()
            );
        }
        FlowCommand::Clear { review, stream } => {
            let service = Service::open(&context.locator(&review)?).await?;
            let result = service.set_flow_counts(&context.actor, stream.as_deref(), None).await;
            service.close().await;
            result?;
            println!(
                "flow counts of stream {} are derived from its records again",
                stream.as_deref().unwrap_or("default")
            );
        }
        FlowCommand::Draw { review, stream, counts, scoping, labels, out } => {
            let labels = match &labels {
                Some(path) => {
                    let text = std::fs::read_to_string(path)
                        .with_context(|| format!("reading {}", path.display()))?;
                    let base = if scoping {
                        sift_report::labels::Labels::scoping()
                    } else {
                        sift_report::labels::Labels::default()
                    };
                    Some(base.merge_toml(&text).map_err(|e| UsageError(format!("{}: {e}", path.display())))?)
                }
                None => None,
            };
            let svg = match (counts, review) {
                (Some(path), _) => {
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("reading {}", path.display()))?;
                    let parsed = if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) {
                        manual::from_csv(&text)
                    } else {
                        manual::from_toml(&text)
                    }
                    .map_err(|e| UsageError(format!("{}: {e}", path.display())))?;
                    let options =
                        FlowOptions { scoping, per_database: true, labels, ..parsed.flow_options() };
                    sift_report::flow::flow_svg(&parsed.counts, &options)
                        .with_context(|| path.display().to_string())?
                }
                (None, Some(review)) => {
                    let service = Service::open(&context.locator(&review)?).await?;
                    let flow = service.stream_flow(stream.as_deref()).await;
                    service.close().await;
                    let mut flow = flow?;
                    if labels.is_some() {
                        flow.options.labels = labels;
                    }
                    if let FlowSource::Manual(_) = flow.source {
                        eprintln!(
                            "note: stream {} has typed-in counts (`sift flow clear` to derive them)",
                            flow.stream
                        );
                    }
                    sift_report::flow::flow_svg(&flow.counts, &flow.options)?
                }
                (None, None) => return Err(UsageError("give a REVIEW, or --counts FILE".into()).into()),
            };
            write_drawing(&svg, &out)?;
            println!("wrote {}", out.display());
        }
    }
    Ok(())
}

pub(crate) fn write_drawing(svg: &str, out: &Path) -> Result<()> {
    let ext = out.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let bytes = match ext.as_str() {
        "svg" => svg.as_bytes().to_vec(),
        "png" => render::render_png(svg, 2.0)?,
        "pdf" => render::render_pdf(svg)?,
        _ => {
            return Err(UsageError(format!(
                "{}: the output's extension must be .svg, .png or .pdf",
                out.display()
            ))
            .into());
        }
    };
    std::fs::write(out, bytes).with_context(|| format!("writing {}", out.display()))
}

pub async fn report(args: ReportArgs, context: &Context) -> Result<()> {
    let service = Service::open(&context.locator(&args.review)?).await?;
    let bundle = service.report_bundle(&context.actor).await;
    service.close().await;
    let bundle = bundle?;
    let written = write_bundle(&bundle, &args.out)?;
    for problem in &bundle.problems {
        eprintln!("warning: {problem}");
    }
    println!("wrote {} files into {}", written, args.out.display());
    println!("open {}", args.out.join("index.html").display());
    Ok(())
}

/// Writes a report's files under `dir`; returns how many.
pub fn write_bundle(bundle: &sift_service::ReportBundle, dir: &Path) -> Result<usize> {
    for file in &bundle.files {
        let path = dir.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&path, &file.bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(bundle.files.len())
}
