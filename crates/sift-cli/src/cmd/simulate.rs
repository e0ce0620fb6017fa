//! `sift simulate`: replay a labelled set through the ranking model, as if screened in the
//! order it asks for; write the order and the recall curve, print the metrics and what the
//! stopping rule would have said.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use sift_service::{Classifier, Priors, Query, SimulationSpec};

use crate::cmd::UsageError;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A CSV file with columns record_id, title, abstract, label_included (0 or 1); an optional
    /// keywords column (`;`-separated) is used too.
    pub dataset: PathBuf,
    /// Records screened before the model starts (comma-separated record_id values).
    #[arg(long, value_delimiter = ',', value_name = "ID,ID,...")]
    pub prior_ids: Vec<String>,
    /// Without --prior-ids: pick this many relevant records at random as priors (by --seed).
    #[arg(long, default_value_t = 1)]
    pub n_prior_included: usize,
    /// Without --prior-ids: pick this many irrelevant records at random as priors (by --seed).
    #[arg(long, default_value_t = 1)]
    pub n_prior_excluded: usize,
    /// The seed: the same seed and data give the same order.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// svm (default), logistic or nb.
    #[arg(long, default_value = "svm")]
    pub model: String,
    /// max (default), uncertainty or mixed (95 % max, 5 % random).
    #[arg(long, default_value = "max")]
    pub query: String,
    /// Retrain after this many decisions (1: after every decision), and at once after a
    /// relevant record.
    #[arg(long, default_value_t = 1)]
    pub retrain_every: usize,
    /// Reduce words to their stems before counting them.
    #[arg(long)]
    pub stem: bool,
    /// Where to write the order: `record_id,label,prior` lines, priors first.
    #[arg(long, value_name = "CSV")]
    pub order_out: PathBuf,
    /// Where to draw the recall curve (SVG).
    #[arg(long, value_name = "SVG")]
    pub curve_out: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<()> {
    let classifier = Classifier::parse(&args.model)
        .ok_or_else(|| UsageError(format!("--model: {:?} is not one of svm, logistic, nb", args.model)))?;
    let query = Query::parse(&args.query).ok_or_else(|| {
        UsageError(format!("--query: {:?} is not one of max, uncertainty, mixed", args.query))
    })?;
    let set = sift_service::read_labelled_csv(&args.dataset)?;
    let priors = if args.prior_ids.is_empty() {
        Priors::Random { n_included: args.n_prior_included, n_excluded: args.n_prior_excluded }
    } else {
        Priors::Ids(args.prior_ids.iter().map(|id| id.trim().to_string()).collect())
    };
    let spec = SimulationSpec {
        priors,
        seed: args.seed,
        classifier,
        query,
        retrain_every: args.retrain_every,
        features: sift_service::FeatureOptions { stem: args.stem, ..Default::default() },
    };
    let report = sift_service::simulate(&set, &spec)?;

    let file = std::fs::File::create(&args.order_out)
        .with_context(|| format!("creating {}", args.order_out.display()))?;
    let mut out = std::io::BufWriter::new(file);
    writeln!(out, "record_id,label,prior")?;
    for (id, label, prior) in &report.order {
        let id = if id.contains([',', '"', '\n']) {
            format!("\"{}\"", id.replace('"', "\"\""))
        } else {
            id.clone()
        };
        writeln!(out, "{id},{},{}", u8::from(*label), u8::from(*prior))?;
    }
    out.flush().with_context(|| format!("writing {}", args.order_out.display()))?;

    let m = &report.metrics;
    let name = args.dataset.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let priors: Vec<&str> = report.order[..report.n_prior].iter().map(|(id, _, _)| id.as_str()).collect();
    println!("{name}: {} records, {} relevant", set.ids.len(), set.labels.iter().filter(|&&l| l).count());
    println!(
        "model {} / query {} / seed {} / priors {} ({})",
        classifier.name(),
        query.name(),
        args.seed,
        report.n_prior,
        priors.join(", ")
    );
    println!("metrics over the {} records after the priors ({} relevant):", m.n_records, m.n_relevant);
    println!("  recall@10%  {:.3}", m.recall_at_10);
    println!("  WSS@95      {:.3}", m.wss_at_95);
    println!("  ERF@10%     {:.3}", m.erf_at_10);
    println!("  ATD         {:.1} records", m.atd);
    println!("  loss        {:.4}", m.loss);
    match &report.stop {
        Some(stop) => println!(
            "stopping rule (recall >= {:.0} % with {:.0} % confidence): stop after {} records ({:.1} % of {}); recall reached {:.1} %",
            stop.estimate.target_recall * 100.0,
            stop.estimate.confidence * 100.0,
            stop.n_screened,
            100.0 * stop.n_screened as f64 / m.n_records as f64,
            m.n_records,
            stop.recall * 100.0
        ),
        None => println!("stopping rule: never safe to stop before the last record"),
    }
    println!("{} trainings in {:.2} s", report.n_trainings, report.seconds);
    println!("wrote {}", args.order_out.display());
    if let Some(path) = &args.curve_out {
        let title = format!("{name}: {} / {}, seed {}", classifier.name(), query.name(), args.seed);
        let svg = sift_service::recall_curve_svg(
            &report.labels_after_priors(),
            &title,
            report.stop.map(|s| s.n_screened),
        );
        std::fs::write(path, svg).with_context(|| format!("writing {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
