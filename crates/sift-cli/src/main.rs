//! The `sift` command: every step of a review, scriptable.
//!
//! This file parses arguments and dispatches; each subcommand lives in its own module under
//! `cmd/`. Exit codes: 0 success, 1 a failure of the system (file system, database), 2 a
//! problem with what the user gave (bad option, unreadable export, unknown id).

mod cmd;
mod table;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use sift_service::{Actor, Locator, ServiceError};

#[derive(Parser, Debug)]
#[command(name = "sift", version, about = "Systematic and scoping reviews, from search to flow diagram.")]
pub struct Cli {
    /// Use a database server instead of a review file: `postgres://user@host/db`. REVIEW then
    /// names the review inside it.
    #[arg(long, global = true, env = "SIFT_DATABASE", value_name = "URL")]
    database: Option<String>,

    /// Who is acting, for the audit log.
    #[arg(long = "as", global = true, env = "SIFT_USER", value_name = "NAME")]
    actor: Option<String>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Create a review.
    Init(cmd::init::Args),
    /// Show or change the review's title, type and question.
    Protocol(cmd::init::ProtocolArgs),
    /// List the reviews in a database (`--database URL`) or a review file.
    Reviews(cmd::init::ReviewsArgs),
    /// Add or list screening streams.
    #[command(subcommand)]
    Stream(cmd::stream::Command),
    /// Record database searches and import their exports; list them.
    #[command(subcommand)]
    Search(cmd::search::Command),
    /// List or show imported records.
    #[command(subcommand)]
    Records(cmd::records::Command),
    /// Find duplicates across databases; review, split and merge them; see source overlap.
    Dedup(cmd::dedup::Args),
    /// Deduplicate files without a review: writes one duplicate group per line.
    DedupFiles(cmd::dedup::FilesArgs),
    /// The review team: owners, reviewers, viewers, resolvers.
    #[command(subcommand)]
    Member(cmd::screen::MemberCommand),
    /// Stage settings: reviewers per citation, blinding, automatic resolution.
    #[command(subcommand)]
    Stage(cmd::screen::StageCommand),
    /// Eligibility criteria, which are also the exclusion reasons.
    #[command(subcommand)]
    Criteria(cmd::screen::CriteriaCommand),
    /// The next citation to screen, or one citation with the votes you may see.
    #[command(subcommand)]
    Screen(cmd::screen::ScreenCommand),
    /// Vote include, exclude or maybe on a citation.
    Vote(cmd::screen::VoteArgs),
    /// Citations waiting for a resolver (resolvers only).
    Conflicts(cmd::screen::StageArgs),
    /// Set a stage's final decision on a citation.
    Resolve(cmd::screen::ResolveArgs),
    /// How far screening has come, per reviewer.
    Progress(cmd::screen::StageArgs),
    /// Full texts: attach a PDF, record one not retrieved, or get one back.
    #[command(subcommand)]
    Fulltext(cmd::screen::FulltextCommand),
    /// Link the reports of one study.
    #[command(subcommand)]
    Study(cmd::screen::StudyCommand),
    /// Extraction forms for charting.
    #[command(subcommand)]
    Form(cmd::chart::FormCommand),
    /// Chart data from included studies; compare charters; settle consensus.
    #[command(subcommand)]
    Chart(cmd::chart::ChartCommand),
    /// Appraise a citation's quality with a built-in tool (RoB 2, ROBINS-I, JBI, AMSTAR 2, CASP)
    /// or one of the review's own (`sift tool add`).
    Appraise(cmd::chart::AppraiseArgs),
    /// Appraisal tools: add the review's own, list all.
    #[command(subcommand)]
    Tool(cmd::chart::ToolCommand),
    /// Grade a citation's level of evidence (Oxford CEBM 2011).
    Level(cmd::chart::LevelArgs),
    /// Study-characteristics tables: add specs, list, show.
    #[command(subcommand)]
    Table(cmd::report::TableCommand),
    /// Flow diagrams: type in counts a stream's records cannot give; draw one.
    #[command(subcommand)]
    Flow(cmd::report::FlowCommand),
    /// Write every report of a review into a folder: flow diagrams, tables, search appendix,
    /// screening agreement, included records, and an index page.
    Report(cmd::report::ReportArgs),
    /// Inter-rater agreement per stage and reviewer pair (Cohen's and Fleiss' kappa).
    Agreement(cmd::screen::StageArgs),
    /// Every PRISMA 2020 flow count of a stream, derived from the review's data.
    Prisma(cmd::screen::PrismaArgs),
    /// Export records as RIS, CSV, BibTeX or JSON Lines, or the whole review as an archive.
    Export(cmd::export::Args),
    /// Restore a review from an archive written by `sift export --archive`.
    Import(cmd::export::ImportArgs),
    /// Replay a labelled set through the ranking model: order, metrics, recall curve.
    Simulate(cmd::simulate::Args),
    /// Meta-analysis of study results (a CSV file, or a review's charting form): pooled effect,
    /// heterogeneity, subgroups, meta-regression, Egger's test, forest and funnel plots.
    Meta(cmd::meta::Args),
    /// Meta-analyses kept with a review and drawn by `sift report`: add specs, list, show.
    #[command(subcommand)]
    Analysis(cmd::meta::AnalysisCommand),
    /// Convert bibliographic files between formats, without a review.
    Convert(cmd::convert::Args),
    /// Show the review's audit log.
    Log(cmd::init::LogArgs),
    /// A short tour: creates a review and imports real database exports.
    Tour(cmd::tour::Args),
    /// Rebuild a published review from its paper: `sift example neuropathic-pain [DIR]`.
    Example(cmd::example::Args),
    /// The web app: `sift serve REVIEW.sift` or `sift serve --data-dir DIR`.
    Serve(cmd::serve::Args),
}

/// What every command gets besides its own arguments.
pub struct Context {
    pub database: Option<String>,
    pub actor: Actor,
}

impl Context {
    pub fn locator(&self, review: &str) -> Result<Locator, ServiceError> {
        Locator::new(Some(review), self.database.as_deref())
    }
}

fn main() -> ExitCode {
    quiet_on_closed_stdout();
    let cli = Cli::parse();
    let actor = cli
        .actor
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .filter(|name| !name.trim().is_empty())
        .unwrap_or_else(|| "owner".to_string());
    let context = Context { database: cli.database.clone(), actor: Actor::new(actor) };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("sift: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(run(cli.command, &context));
    // Background work (a ranking refreshed after a vote) is only useful to a running server:
    // a command ends without waiting for it.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // `{:#}` prints the whole chain of causes on one line.
            eprintln!("sift: error: {error:#}");
            let user_error = error.downcast_ref::<ServiceError>().is_some_and(ServiceError::is_user_error)
                || error.downcast_ref::<cmd::UsageError>().is_some();
            ExitCode::from(if user_error { 2 } else { 1 })
        }
    }
}

/// `sift records list r.sift | head` closes standard output early; Rust's `println!` then
/// panics. Like other command-line tools, end quietly instead (the workspace forbids the
/// `unsafe` needed to restore the default SIGPIPE action).
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.contains("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}

async fn run(command: Command, context: &Context) -> anyhow::Result<()> {
    match command {
        Command::Init(args) => cmd::init::run(args, context).await,
        Command::Protocol(args) => cmd::init::protocol(args, context).await,
        Command::Reviews(args) => cmd::init::reviews(args, context).await,
        Command::Stream(command) => cmd::stream::run(command, context).await,
        Command::Search(command) => cmd::search::run(command, context).await,
        Command::Records(command) => cmd::records::run(command, context).await,
        Command::Dedup(args) => cmd::dedup::run(args, context).await,
        Command::DedupFiles(args) => cmd::dedup::run_files(args),
        Command::Member(command) => cmd::screen::member(command, context).await,
        Command::Stage(command) => cmd::screen::stage(command, context).await,
        Command::Criteria(command) => cmd::screen::criteria(command, context).await,
        Command::Screen(command) => cmd::screen::screen(command, context).await,
        Command::Vote(args) => cmd::screen::vote(args, context).await,
        Command::Conflicts(args) => cmd::screen::conflicts(args, context).await,
        Command::Resolve(args) => cmd::screen::resolve(args, context).await,
        Command::Progress(args) => cmd::screen::progress(args, context).await,
        Command::Fulltext(command) => cmd::screen::fulltext(command, context).await,
        Command::Study(command) => cmd::screen::study(command, context).await,
        Command::Form(command) => cmd::chart::form(command, context).await,
        Command::Tool(command) => cmd::chart::tool(command, context).await,
        Command::Chart(command) => cmd::chart::chart(command, context).await,
        Command::Appraise(args) => cmd::chart::appraise(args, context).await,
        Command::Level(args) => cmd::chart::level(args, context).await,
        Command::Table(command) => cmd::report::table(command, context).await,
        Command::Flow(command) => cmd::report::flow(command, context).await,
        Command::Report(args) => cmd::report::report(args, context).await,
        Command::Agreement(args) => cmd::screen::agreement(args, context).await,
        Command::Prisma(args) => cmd::screen::prisma(args, context).await,
        Command::Export(args) => cmd::export::run(args, context).await,
        Command::Import(args) => cmd::export::import(args, context).await,
        Command::Convert(args) => cmd::convert::run(args),
        Command::Simulate(args) => cmd::simulate::run(args),
        Command::Meta(args) => cmd::meta::run(args, context).await,
        Command::Analysis(command) => cmd::meta::analysis(command, context).await,
        Command::Log(args) => cmd::init::log(args, context).await,
        Command::Tour(args) => cmd::tour::run(args, context).await,
        Command::Example(args) => cmd::example::run(args, context).await,
        Command::Serve(args) => cmd::serve::run(args, context).await,
    }
}
