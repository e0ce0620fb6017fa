//! Charting commands: `form add|list`, `chart set|compare|settle|progress`, `appraise`, `level`.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use sift_service::Service;

use crate::Context;
use crate::cmd::UsageError;
use crate::table::{Table, clip};

#[derive(clap::Subcommand, Debug)]
pub enum FormCommand {
    /// Add an extraction form from its TOML or JSON definition (docs/forms.md).
    Add { review: String, file: PathBuf },
    /// List the forms and their fields.
    List { review: String },
}

#[derive(clap::Subcommand, Debug)]
pub enum ToolCommand {
    /// Add the review's own appraisal tool from its TOML or JSON definition (docs/forms.md).
    Add { review: String, file: PathBuf },
    /// List the appraisal tools the review can use, built-in and its own, with their domains.
    List {
        review: String,
        /// Also list each tool's domains and judgements.
        #[arg(short, long)]
        verbose: bool,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum ChartCommand {
    /// Chart values for a citation: `--set key=value` (repeat); `--complete` when done.
    Set {
        review: String,
        form: String,
        citation: i64,
        #[arg(long = "set", value_name = "KEY=VALUE")]
        values: Vec<String>,
        #[arg(long)]
        complete: bool,
    },
    /// The charters' values side by side (resolvers).
    Compare { review: String, form: String, citation: i64 },
    /// Settle the consensus values: take one charter's (`--from`) and/or set some.
    Settle {
        review: String,
        form: String,
        citation: i64,
        #[arg(long)]
        from: Option<String>,
        #[arg(long = "set", value_name = "KEY=VALUE")]
        values: Vec<String>,
    },
    /// How many citations each charter has completed, and how many are settled.
    Progress { review: String, form: String },
}

#[derive(clap::Args, Debug)]
pub struct AppraiseArgs {
    pub review: String,
    pub citation: i64,
    /// rob2, robins-i, jbi-rct, jbi-cohort, jbi-cross-sectional, jbi-qualitative, amstar2, casp-sr,
    /// or a key of the review's own tools (`sift tool list`).
    #[arg(long)]
    pub tool: String,
    /// A domain's judgement: `d1=Low` (repeat).
    #[arg(long = "judge", value_name = "DOMAIN=JUDGEMENT")]
    pub judgements: Vec<String>,
    /// A signalling question's answer: `1.1=Y` (repeat).
    #[arg(long = "answer", value_name = "QUESTION=ANSWER")]
    pub answers: Vec<String>,
    #[arg(long)]
    pub overall: Option<String>,
    #[arg(long)]
    pub notes: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct LevelArgs {
    pub review: String,
    pub citation: i64,
    /// Oxford CEBM 2011 level, 1 to 5.
    pub level: String,
}

fn pairs(items: &[String], flag: &str) -> Result<Vec<(String, String)>> {
    items
        .iter()
        .map(|item| {
            item.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.to_string()))
                .ok_or_else(|| UsageError(format!("{flag} {item:?}: write KEY=VALUE")).into())
        })
        .collect()
}

async fn open(review: &str, context: &Context) -> Result<Service> {
    Ok(Service::open(&context.locator(review)?).await?)
}

pub async fn form(command: FormCommand, context: &Context) -> Result<()> {
    match command {
        FormCommand::Add { review, file } => {
            let text =
                std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let service = open(&review, context).await?;
            let result = service.add_form(&context.actor, &text).await;
            service.close().await;
            let form = result?;
            println!("added form {:?} with {} fields", form.name, form.fields.len());
        }
        FormCommand::List { review } => {
            let service = open(&review, context).await?;
            let forms = service.forms().await;
            service.close().await;
            for form in forms? {
                println!("{}", form.name);
                let mut table = Table::new(&["key", "label", "type", "required"]);
                for f in &form.fields {
                    let kind = serde_json::to_value(&f.kind)
                        .ok()
                        .and_then(|v| v["type"].as_str().map(String::from))
                        .unwrap_or_default();
                    table.row(vec![
                        f.key.clone(),
                        clip(&f.label, 50),
                        kind,
                        if f.required { "yes".into() } else { String::new() },
                    ]);
                }
                print!("{}", table.render());
            }
        }
    }
    Ok(())
}

pub async fn tool(command: ToolCommand, context: &Context) -> Result<()> {
    match command {
        ToolCommand::Add { review, file } => {
            let text =
                std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let service = open(&review, context).await?;
            let result = service.add_appraisal_tool(&context.actor, &text).await;
            service.close().await;
            let tool = result.with_context(|| file.display().to_string())?;
            println!(
                "added appraisal tool {:?} ({}) with {} domains",
                tool.key,
                tool.name,
                tool.domains.len()
            );
        }
        ToolCommand::List { review, verbose } => {
            let service = open(&review, context).await?;
            let tools = service.appraisal_tools().await;
            service.close().await;
            let mut table = Table::new(&["key", "name", ">domains", "judgements"]);
            let tools = tools?;
            for t in &tools {
                table.row(vec![
                    t.key.clone(),
                    clip(&t.name, 50),
                    t.domains.len().to_string(),
                    t.judgements.join(" / "),
                ]);
            }
            print!("{}", table.render());
            if verbose {
                for t in &tools {
                    println!("\n{} ({})", t.name, t.key);
                    for d in &t.domains {
                        println!("  {:<6} {}", d.key, d.label);
                        for (q, text) in &d.questions {
                            println!("         {q:<6} {text}");
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

pub async fn chart(command: ChartCommand, context: &Context) -> Result<()> {
    match command {
        ChartCommand::Set { review, form, citation, values, complete } => {
            let values = pairs(&values, "--set")?;
            let service = open(&review, context).await?;
            let result = service.chart(&context.actor, &form, citation, &values, complete).await;
            service.close().await;
            let stored = result?;
            println!(
                "citation {citation}: {} fields charted by {}{}",
                stored.len(),
                context.actor.name,
                if complete { " (complete)" } else { "" }
            );
        }
        ChartCommand::Compare { review, form, citation } => {
            let service = open(&review, context).await?;
            let result = service.compare_chart(&context.actor, &form, citation).await;
            service.close().await;
            let fields = result?;
            let charters: Vec<String> =
                fields.first().map(|f| f.values.iter().map(|(c, _)| c.clone()).collect()).unwrap_or_default();
            let mut columns = vec!["".to_string(), "field".to_string()];
            columns.extend(charters);
            columns.push("consensus".into());
            let refs: Vec<&str> = columns.iter().map(String::as_str).collect();
            let mut table = Table::new(&refs);
            for f in fields {
                let mut row = vec![if f.agree { String::new() } else { "≠".into() }, f.label];
                row.extend(f.values.into_iter().map(|(_, v)| clip(&v, 40)));
                row.push(f.consensus.unwrap_or_default());
                table.row(row);
            }
            print!("{}", table.render());
        }
        ChartCommand::Settle { review, form, citation, from, values } => {
            let values = pairs(&values, "--set")?;
            let service = open(&review, context).await?;
            let result =
                service.settle_chart(&context.actor, &form, citation, from.as_deref(), &values).await;
            service.close().await;
            println!("citation {citation}: consensus of {} fields settled", result?.len());
        }
        ChartCommand::Progress { review, form } => {
            let service = open(&review, context).await?;
            let result = service.chart_progress(&form).await;
            service.close().await;
            let p = result?;
            println!("{}: {} citations settled", p.form, p.n_consensus);
            let mut table = Table::new(&["charter", ">complete"]);
            for (name, n) in p.per_charter {
                table.row(vec![name, n.to_string()]);
            }
            print!("{}", table.render());
        }
    }
    Ok(())
}

pub async fn appraise(args: AppraiseArgs, context: &Context) -> Result<()> {
    let appraisal = sift_domain::appraisal::Appraisal {
        judgements: pairs(&args.judgements, "--judge")?.into_iter().collect(),
        answers: pairs(&args.answers, "--answer")?.into_iter().collect(),
        overall: args.overall.clone(),
        notes: args.notes.clone(),
    };
    let service = open(&args.review, context).await?;
    let result = service.appraise(&context.actor, args.citation, &args.tool, &appraisal).await;
    service.close().await;
    result?;
    println!("citation {}: {} appraisal by {} recorded", args.citation, args.tool, context.actor.name);
    Ok(())
}

pub async fn level(args: LevelArgs, context: &Context) -> Result<()> {
    let service = open(&args.review, context).await?;
    let result = service.set_level(&context.actor, args.citation, &args.level).await;
    service.close().await;
    result?;
    println!("citation {}: Oxford CEBM 2011 level {}", args.citation, args.level);
    Ok(())
}
