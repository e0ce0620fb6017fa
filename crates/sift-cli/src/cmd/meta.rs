//! `sift meta`: a meta-analysis of study results - from a CSV file, or from a review's
//! charting form - with effect sizes, the pooled effect, heterogeneity, subgroups,
//! meta-regression, Egger's test, and forest and funnel plots.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use sift_service::meta::{Estimator, Measure, MetaSpec, Method, Pooling, Test};

use crate::Context;
use crate::cmd::UsageError;
use crate::cmd::report::write_drawing;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A CSV (or semicolon/tab separated) file, one study per row, with a `study` label column
    /// and, by measure: events1,total1,events2,total2 (RR, OR, RD); mean1,sd1,n1,mean2,sd2,n2
    /// (MD, SMD); estimate,lower,upper or estimate,se or yi,vi (ratio, difference).
    /// With --form: the review whose charting form holds them.
    pub file: PathBuf,
    /// Read the studies from this charting form's consensus values (FILE is then the review):
    /// each field is a column under its key, an intervention/control pair two (`events` gives
    /// events1 and events2).
    #[arg(long)]
    pub form: Option<String>,
    /// With --form: only the citations of this stream.
    #[arg(long)]
    pub stream: Option<String>,
    /// With --form: take a needed column from another field, `events1=deaths1` (repeatable).
    #[arg(long = "column", value_name = "NAME=COLUMN")]
    pub columns: Vec<String>,
    /// RR, OR, RD, MD, SMD (Hedges' g), ratio (e.g. hazard ratios with their CIs) or difference.
    #[arg(long)]
    pub measure: String,
    /// How tau² is estimated: REML (default), DL, PM, ML, HE, or FE for a common-effect model.
    #[arg(long, default_value = "REML")]
    pub method: String,
    /// z (default), hksj (Hartung-Knapp-Sidik-Jonkman) or hksj-adhoc.
    #[arg(long, default_value = "z")]
    pub test: String,
    /// iv (inverse variance, default), mh (Mantel-Haenszel) or peto (2x2 tables only).
    #[arg(long, default_value = "iv")]
    pub pooling: String,
    /// A column naming each study's subgroup: each pooled on its own, and their difference tested.
    #[arg(long, value_name = "COLUMN")]
    pub subgroup: Option<String>,
    /// A numeric column to regress the effects on (repeat for several).
    #[arg(long = "moderator", value_name = "COLUMN")]
    pub moderators: Vec<String>,
    /// Confidence level of the intervals Sift computes.
    #[arg(long, default_value_t = 0.95)]
    pub level: f64,
    /// Confidence level of the intervals in the file (lower, upper).
    #[arg(long, default_value_t = 0.95)]
    pub input_level: f64,
    /// Draw the forest plot here (.svg, .png or .pdf).
    #[arg(long, value_name = "FILE")]
    pub forest: Option<PathBuf>,
    /// Draw the funnel plot here (.svg, .png or .pdf).
    #[arg(long, value_name = "FILE")]
    pub funnel: Option<PathBuf>,
    /// A title over the plots.
    #[arg(long)]
    pub title: Option<String>,
    /// Print the whole analysis as JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Pool again without each study in turn (a sensitivity analysis).
    #[arg(long)]
    pub leave_one_out: bool,
    /// Pool the studies one more at a time, in the order listed (a cumulative meta-analysis).
    #[arg(long)]
    pub cumulative: bool,
    /// Order the cumulative analysis by this numeric column (a year); implies --cumulative.
    /// A review's form may use `year`, each report's publication year, unless it has its own.
    #[arg(long, value_name = "COLUMN")]
    pub cumulative_by: Option<String>,
    /// Draw the cumulative analysis as a forest plot (.svg, .png or .pdf); implies --cumulative.
    #[arg(long, value_name = "FILE")]
    pub cumulative_plot: Option<PathBuf>,
    /// Trim and fill (Duval & Tweedie): how many studies the funnel plot's asymmetry suggests
    /// are missing, and the pooled effect with their mirror images filled in. The estimator
    /// of the number missing: L0 (the default), R0 or Q0.
    #[arg(long, value_name = "ESTIMATOR", num_args = 0..=1, default_missing_value = "L0")]
    pub trim_and_fill: Option<String>,
    /// Draw the funnel plot with the studies trim and fill adds (open circles) here (.svg,
    /// .png or .pdf); implies --trim-and-fill.
    #[arg(long, value_name = "FILE")]
    pub trim_and_fill_plot: Option<PathBuf>,
    /// Influence diagnostics: each study's studentized residual, DFFITS, Cook's distance,
    /// covariance ratio, tau² and Q without it, hat value, weight and DFBETAS, influential
    /// studies marked (metafor's `influence`).
    #[arg(long)]
    pub influence: bool,
}

/// Prints the analysis (text or JSON) and draws the plots asked for: [forest, funnel,
/// cumulative, trim and fill].
fn show(
    analysis: &sift_service::meta::MetaAnalysis,
    json: bool,
    title: Option<String>,
    plots: [&Option<PathBuf>; 4],
) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(analysis).context("writing JSON")?);
    } else {
        print!("{}", analysis.summary());
    }
    if let Some(path) = plots[0] {
        write_drawing(&sift_report::forest::forest_svg(&analysis.forest(title.clone())), path)?;
        eprintln!("wrote {}", path.display());
    }
    if let Some(path) = plots[1] {
        write_drawing(&sift_report::forest::funnel_svg(&analysis.funnel(title.clone())), path)?;
        eprintln!("wrote {}", path.display());
    }
    if let (Some(path), Some(plot)) = (plots[2], analysis.cumulative_forest(title.clone())) {
        write_drawing(&sift_report::forest::forest_svg(&plot), path)?;
        eprintln!("wrote {}", path.display());
    }
    if let Some(path) = plots[3] {
        // Trim and fill that could not run says why in the text; there is nothing to draw.
        match analysis.trim_and_fill_funnel(title) {
            Some(plot) => {
                write_drawing(&sift_report::forest::funnel_svg(&plot), path)?;
                eprintln!("wrote {}", path.display());
            }
            None => eprintln!("{} not written: trim and fill did not run", path.display()),
        }
    }
    Ok(())
}

/// Refuses a plot path whose extension Sift cannot write, before any work is done.
fn check_plot_paths(paths: [&Option<PathBuf>; 4]) -> Result<()> {
    for path in paths.into_iter().flatten() {
        let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
        if !matches!(ext.as_str(), "svg" | "png" | "pdf") {
            return Err(UsageError(format!(
                "{}: a plot's extension must be .svg, .png or .pdf",
                path.display()
            ))
            .into());
        }
    }
    Ok(())
}

fn parsed<T: std::str::FromStr<Err = String>>(option: &str, value: &str) -> Result<T> {
    value.parse::<T>().map_err(|e| UsageError(format!("{option}: {e}")).into())
}

pub async fn run(args: Args, context: &Context) -> Result<()> {
    let mut spec = MetaSpec::new(parsed::<Measure>("--measure", &args.measure)?);
    spec.method = parsed::<Method>("--method", &args.method)?;
    spec.test = parsed::<Test>("--test", &args.test)?;
    spec.pooling = parsed::<Pooling>("--pooling", &args.pooling)?;
    spec.level = args.level;
    spec.input_level = args.input_level;
    spec.subgroup = args.subgroup.clone();
    spec.moderators = args.moderators.clone();
    spec.leave_one_out = args.leave_one_out;
    spec.cumulative = args.cumulative || args.cumulative_by.is_some() || args.cumulative_plot.is_some();
    spec.cumulative_by = args.cumulative_by.clone();
    spec.trim_and_fill = match (&args.trim_and_fill, &args.trim_and_fill_plot) {
        (Some(estimator), _) => Some(parsed::<Estimator>("--trim-and-fill", estimator)?),
        (None, Some(_)) => Some(Estimator::L0),
        (None, None) => None,
    };
    spec.influence = args.influence;
    let plots = [&args.forest, &args.funnel, &args.cumulative_plot, &args.trim_and_fill_plot];
    check_plot_paths(plots)?;

    let analysis = match &args.form {
        Some(form) => {
            let renames = args
                .columns
                .iter()
                .map(|c| match c.split_once('=') {
                    Some((to, from)) if !to.trim().is_empty() && !from.trim().is_empty() => {
                        Ok((to.trim().to_string(), from.trim().to_string()))
                    }
                    _ => Err(UsageError(format!("--column: {c:?} is not NAME=COLUMN"))),
                })
                .collect::<Result<Vec<_>, _>>()?;
            let locator = context.locator(args.file.to_string_lossy().as_ref())?;
            let service = sift_service::Service::open(&locator).await?;
            let analysis = service.meta_analysis(form, args.stream.as_deref(), &renames, &spec).await;
            service.close().await;
            analysis?
        }
        None => {
            if args.stream.is_some() || !args.columns.is_empty() {
                return Err(UsageError(
                    "--stream and --column go with --form (a review's charting form)".into(),
                )
                .into());
            }
            let source = args
                .file
                .file_name()
                .map_or_else(|| args.file.display().to_string(), |n| n.to_string_lossy().into_owned());
            let studies = sift_service::meta::read_meta_csv(&args.file, &spec)?;
            sift_service::meta::meta_analyse(&source, studies, &spec)?
        }
    };
    show(&analysis, args.json, args.title.clone(), plots)
}

#[derive(clap::Subcommand, Debug)]
pub enum AnalysisCommand {
    /// Add meta-analyses from a spec file (TOML `[[analyses]]` or JSON, docs/meta.md); an
    /// analysis of the same name is replaced. `sift report` draws them.
    Add { review: String, file: PathBuf },
    /// List the review's analyses.
    List { review: String },
    /// Run one analysis on the form's current consensus values and print it.
    Show {
        review: String,
        name: String,
        /// Draw the forest plot here (.svg, .png or .pdf).
        #[arg(long, value_name = "FILE")]
        forest: Option<PathBuf>,
        /// Draw the funnel plot here (.svg, .png or .pdf).
        #[arg(long, value_name = "FILE")]
        funnel: Option<PathBuf>,
        /// Draw the cumulative analysis here (an analysis stored with `cumulative`).
        #[arg(long, value_name = "FILE")]
        cumulative_plot: Option<PathBuf>,
        /// Draw the funnel plot with trim and fill's studies here (an analysis stored with
        /// `trim_and_fill`).
        #[arg(long, value_name = "FILE")]
        trim_and_fill_plot: Option<PathBuf>,
        /// Print the whole analysis as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Remove an analysis.
    Remove { review: String, name: String },
}

pub async fn analysis(command: AnalysisCommand, context: &Context) -> Result<()> {
    match command {
        AnalysisCommand::Add { review, file } => {
            let text =
                std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let service = sift_service::Service::open(&context.locator(&review)?).await?;
            let names = service.set_report_analyses(&context.actor, &text).await;
            service.close().await;
            let names = names.with_context(|| file.display().to_string())?;
            println!("analyses stored: {}", names.join(", "));
        }
        AnalysisCommand::List { review } => {
            let service = sift_service::Service::open(&context.locator(&review)?).await?;
            let specs = service.report_analyses().await;
            service.close().await;
            let mut table =
                crate::table::Table::new(&["name", "form", "stream", "measure", "model", "title"]);
            for s in specs? {
                table.row(vec![
                    s.name.clone(),
                    s.form.clone(),
                    s.stream.clone().unwrap_or_else(|| "(all)".into()),
                    s.measure.clone(),
                    s.pooling
                        .clone()
                        .filter(|p| p != "iv")
                        .or_else(|| s.method.clone())
                        .unwrap_or_else(|| "REML".into()),
                    s.title.clone().unwrap_or_default(),
                ]);
            }
            print!("{}", table.render());
        }
        AnalysisCommand::Show { review, name, forest, funnel, cumulative_plot, trim_and_fill_plot, json } => {
            let plots = [&forest, &funnel, &cumulative_plot, &trim_and_fill_plot];
            check_plot_paths(plots)?;
            let service = sift_service::Service::open(&context.locator(&review)?).await?;
            let run = service.run_analysis(&name).await;
            service.close().await;
            let (spec, analysis) = run?;
            if cumulative_plot.is_some() && analysis.cumulative.is_empty() {
                return Err(UsageError(format!(
                    "--cumulative-plot: analysis {name} is not cumulative (add `cumulative = true` to its spec)"
                ))
                .into());
            }
            if trim_and_fill_plot.is_some() && analysis.trim_and_fill.is_none() {
                return Err(UsageError(format!(
                    "--trim-and-fill-plot: analysis {name} has no trim and fill (add `trim_and_fill = true` to its spec)"
                ))
                .into());
            }
            show(&analysis, json, spec.title, plots)?;
        }
        AnalysisCommand::Remove { review, name } => {
            let service = sift_service::Service::open(&context.locator(&review)?).await?;
            let removed = service.remove_report_analysis(&context.actor, &name).await;
            service.close().await;
            removed?;
            println!("analysis {name} removed");
        }
    }
    Ok(())
}
