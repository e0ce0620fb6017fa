//! Screening commands: the team (`member`), stage settings (`stage`), eligibility criteria
//! (`criteria`), `screen next|show`, `vote`, `conflicts`, `resolve`, `progress`, `fulltext`
//! and `study`.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use sift_domain::screening::{Decision, Method, Role, Stage, Status};
use sift_service::{CitationView, Service};

use crate::Context;
use crate::table::{Table, clip};

#[derive(clap::Subcommand, Debug)]
pub enum MemberCommand {
    /// Add a member (or change one's role): owner, reviewer or viewer.
    Add {
        review: String,
        name: String,
        #[arg(long, default_value = "reviewer")]
        role: Role,
        /// May resolve conflicts (owners always may).
        #[arg(long)]
        resolver: bool,
    },
    /// Remove a member who has not taken part yet (a mistyped invitation); one with votes,
    /// resolutions, charted forms or appraisals stays (make them a viewer instead).
    Remove { review: String, name: String },
    /// List the team.
    List { review: String },
}

#[derive(clap::Subcommand, Debug)]
pub enum StageCommand {
    /// Change a stage's settings.
    Set {
        review: String,
        #[arg(long)]
        stage: Stage,
        /// Independent votes each citation needs (1-5).
        #[arg(long)]
        reviewers: Option<u8>,
        /// Hide reviewers' votes from each other until a citation is resolved.
        #[arg(long, value_name = "on|off")]
        blinded: Option<OnOff>,
        /// Let a unanimous vote resolve a citation by itself.
        #[arg(long, value_name = "on|off")]
        auto_resolve: Option<OnOff>,
    },
    /// Show every stage's settings.
    List { review: String },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum OnOff {
    On,
    Off,
}

#[derive(clap::Subcommand, Debug)]
pub enum CriteriaCommand {
    /// Add an eligibility criterion; its label is an exclusion reason.
    Add {
        review: String,
        label: String,
        #[arg(long)]
        description: Option<String>,
    },
    /// List the criteria in order.
    List { review: String },
}

#[derive(clap::Subcommand, Debug)]
pub enum ScreenCommand {
    /// The next citation for you to screen at a stage.
    Next {
        review: String,
        #[arg(long, default_value = "title-abstract")]
        stage: Stage,
        #[arg(long)]
        stream: Option<String>,
    },
    /// Import screening decisions made in ASReview, Rayyan, Covidence or a spreadsheet.
    Import(ImportArgs),
    /// One citation: its record, and the votes you may see.
    Show {
        review: String,
        citation: i64,
        #[arg(long, default_value = "title-abstract")]
        stage: Stage,
    },
}

#[derive(clap::Args, Debug)]
pub struct VoteArgs {
    pub review: String,
    pub citation: i64,
    pub decision: Decision,
    #[arg(long, default_value = "title-abstract")]
    pub stage: Stage,
    /// Why (required for a full-text exclusion): one of the review's criteria.
    #[arg(long)]
    pub reason: Option<String>,
    /// The reason is your own, not one of the criteria.
    #[arg(long)]
    pub custom: bool,
    #[arg(long)]
    pub note: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct StageArgs {
    pub review: String,
    #[arg(long, default_value = "title-abstract")]
    pub stage: Stage,
    #[arg(long)]
    pub stream: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct ResolveArgs {
    pub review: String,
    pub citation: i64,
    /// include or exclude.
    pub decision: Decision,
    #[arg(long, default_value = "title-abstract")]
    pub stage: Stage,
    #[arg(long)]
    pub reason: Option<String>,
    /// third-reviewer or consensus.
    #[arg(long, default_value = "third-reviewer")]
    pub method: Method,
}

#[derive(clap::Subcommand, Debug)]
pub enum FulltextCommand {
    /// Attach a citation's full-text PDF (stored inside the review).
    Attach { review: String, citation: i64, file: PathBuf },
    /// Record that the full text could not be retrieved.
    Missing {
        review: String,
        citation: i64,
        #[arg(long)]
        reason: String,
    },
    /// Write a citation's attached PDF to a file.
    Get {
        review: String,
        citation: i64,
        #[arg(long, short)]
        out: PathBuf,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum StudyCommand {
    /// Link included reports (citations) to one study.
    Link {
        review: String,
        #[arg(long)]
        study: String,
        #[arg(required = true)]
        citations: Vec<i64>,
    },
    /// Take a report out of its study (it counts as a study of its own again).
    Unlink { review: String, citation: i64 },
    /// List the studies and their reports.
    List {
        review: String,
        #[arg(long)]
        stream: Option<String>,
    },
}

async fn open(review: &str, context: &Context) -> Result<Service> {
    Ok(Service::open(&context.locator(review)?).await?)
}

pub async fn member(command: MemberCommand, context: &Context) -> Result<()> {
    match command {
        MemberCommand::Add { review, name, role, resolver } => {
            let service = open(&review, context).await?;
            let result = service.set_member(&context.actor, &name, role, resolver).await;
            service.close().await;
            let m = result?;
            println!(
                "{} is a {}{}",
                m.name,
                m.role,
                if m.resolver { " and may resolve conflicts" } else { "" }
            );
        }
        MemberCommand::Remove { review, name } => {
            let service = open(&review, context).await?;
            let result = service.remove_member(&context.actor, &name).await;
            service.close().await;
            result?;
            println!("{} is no longer a member", name.trim());
        }
        MemberCommand::List { review } => {
            let service = open(&review, context).await?;
            let members = service.members().await;
            service.close().await;
            let mut table = Table::new(&["name", "role", "resolves"]);
            for m in members? {
                let resolves = m.role == Role::Owner || (m.resolver && m.role != Role::Viewer);
                table.row(vec![
                    m.name,
                    m.role.to_string(),
                    if resolves { "yes".into() } else { String::new() },
                ]);
            }
            print!("{}", table.render());
        }
    }
    Ok(())
}

pub async fn stage(command: StageCommand, context: &Context) -> Result<()> {
    match command {
        StageCommand::Set { review, stage, reviewers, blinded, auto_resolve } => {
            let service = open(&review, context).await?;
            let result = async {
                let mut settings =
                    service.stages().await?.into_iter().find(|s| s.stage == stage).expect("every stage");
                if let Some(n) = reviewers {
                    settings.reviewers_required = n;
                }
                if let Some(b) = blinded {
                    settings.blinded = matches!(b, OnOff::On);
                }
                if let Some(a) = auto_resolve {
                    settings.auto_resolve_agreement = matches!(a, OnOff::On);
                }
                service.set_stage(&context.actor, &settings).await?;
                Ok::<_, sift_service::ServiceError>(settings)
            }
            .await;
            service.close().await;
            let s = result?;
            println!(
                "{}: {} reviewers per citation, blinding {}, unanimous votes {}",
                s.stage,
                s.reviewers_required,
                if s.blinded { "on" } else { "off" },
                if s.auto_resolve_agreement { "resolve by themselves" } else { "wait for a resolver" }
            );
        }
        StageCommand::List { review } => {
            let service = open(&review, context).await?;
            let stages = service.stages().await;
            service.close().await;
            let mut table = Table::new(&["stage", ">reviewers", "blinded", "auto-resolve"]);
            for s in stages? {
                let yn = |b: bool| if b { "on".to_string() } else { "off".to_string() };
                table.row(vec![
                    s.stage.to_string(),
                    s.reviewers_required.to_string(),
                    yn(s.blinded),
                    yn(s.auto_resolve_agreement),
                ]);
            }
            print!("{}", table.render());
        }
    }
    Ok(())
}

pub async fn criteria(command: CriteriaCommand, context: &Context) -> Result<()> {
    match command {
        CriteriaCommand::Add { review, label, description } => {
            let service = open(&review, context).await?;
            let result = service.add_criterion(&context.actor, &label, description.as_deref()).await;
            service.close().await;
            result?;
            println!("added criterion {label:?}");
        }
        CriteriaCommand::List { review } => {
            let service = open(&review, context).await?;
            let criteria = service.criteria().await;
            service.close().await;
            let mut table = Table::new(&[">#", "criterion", "description"]);
            for c in criteria? {
                table.row(vec![c.position.to_string(), c.label, c.description.unwrap_or_default()]);
            }
            print!("{}", table.render());
        }
    }
    Ok(())
}

pub async fn screen(command: ScreenCommand, context: &Context) -> Result<()> {
    match command {
        ScreenCommand::Next { review, stage, stream } => {
            let service = open(&review, context).await?;
            // A one-shot command cannot use a ranking refreshed in the background later: bring
            // it up to date first (this waits for training; votes never do).
            let ranked = if stage == Stage::TitleAbstract {
                service.refresh_ranking(&context.actor, stream.as_deref()).await.map(Some)
            } else {
                Ok(None)
            };
            let (ranked, next) = match ranked {
                Ok(status) => (status, service.screen_next(&context.actor, stream.as_deref(), stage).await),
                Err(e) => (None, Err(e)),
            };
            // Nothing to screen because nothing has reached the stage: say what comes first.
            let empty_stage = match &next {
                Ok(None) => {
                    service.progress(&context.actor, stream.as_deref(), stage).await?.n_citations == 0
                }
                _ => false,
            };
            service.close().await;
            match next? {
                None if empty_stage && stage == Stage::TitleAbstract => println!(
                    "no citations to screen yet: imported records become citations with `sift dedup {review}`"
                ),
                None if empty_stage => {
                    println!(
                        "no citation has reached {stage} yet: citations included at title-abstract come here"
                    )
                }
                None => println!("nothing left for {} to screen at {stage}", context.actor.name),
                Some(n) => {
                    println!("citation {} ({stage}; {} done, {} to go)", n.citation, n.done, n.remaining);
                    if let Some(status) = &ranked {
                        match status.trained_on {
                            Some(k) => {
                                println!("ranked by relevance (model trained on {k} decisions you may see)")
                            }
                            None => println!(
                                "in import order (ranking starts once you know an include and an exclude)"
                            ),
                        }
                    }
                    print_record(&n.record);
                    println!();
                    println!(
                        "vote with: sift vote {review} {} include|exclude|maybe --stage {stage}",
                        n.citation
                    );
                }
            }
        }
        ScreenCommand::Import(args) => import(args, context).await?,
        ScreenCommand::Show { review, citation, stage } => {
            let service = open(&review, context).await?;
            let view = service.citation_view(&context.actor, citation, stage).await;
            service.close().await;
            print_view(&view?);
        }
    }
    Ok(())
}

pub async fn vote(args: VoteArgs, context: &Context) -> Result<()> {
    let service = open(&args.review, context).await?;
    let outcome = service
        .vote(
            &context.actor,
            args.citation,
            args.stage,
            args.decision,
            args.reason.as_deref(),
            args.custom,
            args.note.as_deref(),
        )
        .await;
    service.close().await;
    let o = outcome?;
    let status = match (&o.resolved, &o.status) {
        (Some((d, m)), _) => format!("resolved: {d} ({m})"),
        (None, Some(Status::Conflict)) => "in conflict; a resolver will decide".into(),
        (None, Some(Status::Agreed(d))) => format!("all votes agree ({d}); a resolver confirms"),
        (None, Some(Status::Open { votes, required })) => format!("{votes} of {required} votes in"),
        (None, Some(Status::Resolved(d))) => format!("resolved: {d}"),
        (None, None) => "recorded (other votes are blinded)".into(),
    };
    println!("citation {} at {}: {} by {}; {status}", o.citation, o.stage, args.decision, context.actor.name);
    Ok(())
}

pub async fn conflicts(args: StageArgs, context: &Context) -> Result<()> {
    let service = open(&args.review, context).await?;
    let conflicts = service.conflicts(&context.actor, args.stream.as_deref(), args.stage).await;
    service.close().await;
    let conflicts = conflicts?;
    if conflicts.is_empty() {
        println!("no conflicts at {}", args.stage);
    }
    for view in &conflicts {
        println!();
        print_view(view);
    }
    Ok(())
}

pub async fn resolve(args: ResolveArgs, context: &Context) -> Result<()> {
    let service = open(&args.review, context).await?;
    let result = service
        .resolve(
            &context.actor,
            args.citation,
            args.stage,
            args.decision,
            args.reason.as_deref(),
            args.method,
        )
        .await;
    service.close().await;
    let r = result?;
    println!(
        "citation {} at {}: {} ({}){}",
        r.citation,
        r.stage,
        r.decision,
        r.method,
        r.reason.map(|x| format!(", {x}")).unwrap_or_default()
    );
    Ok(())
}

pub async fn progress(args: StageArgs, context: &Context) -> Result<()> {
    let service = open(&args.review, context).await?;
    let progress = service.progress(&context.actor, args.stream.as_deref(), args.stage).await;
    service.close().await;
    let p = progress?;
    println!(
        "{}: {} citations, {} resolved ({} included, {} excluded){}",
        p.stage,
        p.n_citations,
        p.n_resolved,
        p.n_included,
        p.n_excluded,
        p.n_conflicts.map(|n| format!(", {n} waiting for a resolver")).unwrap_or_default()
    );
    let mut table = Table::new(&["reviewer", ">screened", ">% of citations", ">seconds per vote"]);
    for (name, n) in &p.per_reviewer {
        let percent = if p.n_citations == 0 { 0.0 } else { 100.0 * *n as f64 / p.n_citations as f64 };
        let seconds = p.seconds_per_vote.iter().find(|(r, _)| r == name).and_then(|(_, s)| *s);
        table.row(vec![
            name.clone(),
            n.to_string(),
            format!("{percent:.0}"),
            seconds.map(|s| format!("{s:.0}")).unwrap_or_default(),
        ]);
    }
    print!("{}", table.render());
    if !p.by_method.is_empty() {
        let methods: Vec<String> = p.by_method.iter().map(|(m, n)| format!("{m} {n}")).collect();
        println!("resolved by: {}", methods.join(", "));
    }
    if let Some(stop) = &p.stopping {
        println!(
            "stopping aid: relevant found {}; with {:.0} % confidence recall >= {:.0} %; safe to stop at {:.0} % recall: {}; {} records left to check",
            stop.n_relevant_found,
            stop.confidence * 100.0,
            (stop.recall_lower_bound * 100.0).floor(),
            stop.target_recall * 100.0,
            if stop.safe_to_stop { "yes" } else { "no" },
            stop.n_remaining()
        );
    }
    Ok(())
}

pub async fn fulltext(command: FulltextCommand, context: &Context) -> Result<()> {
    match command {
        FulltextCommand::Attach { review, citation, file } => {
            let service = open(&review, context).await?;
            let result = service.fulltext_attach(&context.actor, citation, &file).await;
            service.close().await;
            println!("attached {} to citation {citation} (sha256 {})", file.display(), result?);
        }
        FulltextCommand::Missing { review, citation, reason } => {
            let service = open(&review, context).await?;
            let result = service.fulltext_missing(&context.actor, citation, &reason).await;
            service.close().await;
            result?;
            println!("citation {citation}: full text not retrieved ({reason})");
        }
        FulltextCommand::Get { review, citation, out } => {
            let service = open(&review, context).await?;
            let result = service.fulltext_pdf(citation).await;
            service.close().await;
            std::fs::write(&out, result?).with_context(|| format!("writing {}", out.display()))?;
            println!("wrote {}", out.display());
        }
    }
    Ok(())
}

pub async fn study(command: StudyCommand, context: &Context) -> Result<()> {
    match command {
        StudyCommand::Link { review, study, citations } => {
            let service = open(&review, context).await?;
            let result = service.link_study(&context.actor, &study, &citations).await;
            service.close().await;
            result?;
            println!("study {study:?}: reports {citations:?}");
        }
        StudyCommand::Unlink { review, citation } => {
            let service = open(&review, context).await?;
            let result = service.unlink_study(&context.actor, citation).await;
            service.close().await;
            println!("citation {citation} taken out of study {:?}", result?);
        }
        StudyCommand::List { review, stream } => {
            let service = open(&review, context).await?;
            let studies = service.studies(stream.as_deref()).await;
            service.close().await;
            let mut table = Table::new(&["study", "reports (citations)"]);
            for (label, citations) in studies? {
                table.row(vec![
                    label,
                    citations.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
                ]);
            }
            print!("{}", table.render());
        }
    }
    Ok(())
}

fn print_record(r: &sift_service::StoredRecord) {
    let f = &r.reference;
    println!("  {}", f.title.as_deref().unwrap_or("(no title)"));
    let authors: Vec<String> = f.authors.iter().take(6).map(ToString::to_string).collect();
    if !authors.is_empty() {
        println!("  {}{}", authors.join("; "), if f.authors.len() > 6 { "; et al." } else { "" });
    }
    let source = [f.journal.clone(), f.year.map(|y| y.to_string()), f.volume.clone(), f.pages.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
    if !source.is_empty() {
        println!("  {source}");
    }
    if let Some(doi) = &f.doi {
        println!("  doi {doi}");
    }
    if !f.keywords.is_empty() {
        println!("  keywords: {}", clip(&f.keywords.join("; "), 200));
    }
    if let Some(a) = &f.abstract_text {
        println!();
        println!("  {a}");
    }
}

fn print_view(v: &CitationView) {
    let status = match &v.status {
        None => "not resolved yet (votes blinded)".to_string(),
        Some(Status::Open { votes, required }) => format!("{votes} of {required} votes"),
        Some(Status::Agreed(d)) => format!("votes agree: {d} (waiting for a resolver)"),
        Some(Status::Conflict) => "conflict".into(),
        Some(Status::Resolved(d)) => format!("resolved: {d}"),
    };
    println!("citation {} at {}: {status}", v.citation, v.stage);
    print_record(&v.record);
    if !v.votes.is_empty() {
        let mut table = Table::new(&["reviewer", "vote", "reason", "note"]);
        for vote in &v.votes {
            table.row(vec![
                vote.reviewer.clone(),
                vote.decision.to_string(),
                vote.reason.clone().unwrap_or_default(),
                clip(vote.note.as_deref().unwrap_or(""), 60),
            ]);
        }
        println!();
        print!("{}", table.render());
    }
    if let Some(r) = &v.resolution {
        println!(
            "resolution: {} ({}){}",
            r.decision,
            r.method,
            r.reason.as_ref().map(|x| format!(", {x}")).unwrap_or_default()
        );
    }
    if let Some(f) = &v.fulltext {
        match f.status.as_str() {
            "attached" => println!("full text: {} attached", f.file_name.as_deref().unwrap_or("PDF")),
            _ => println!("full text: not retrieved ({})", f.reason.as_deref().unwrap_or("")),
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct PrismaArgs {
    pub review: String,
    #[arg(long)]
    pub stream: Option<String>,
    /// Print the counts as JSON.
    #[arg(long)]
    pub json: bool,
}

pub async fn prisma(args: PrismaArgs, context: &Context) -> Result<()> {
    let service = open(&args.review, context).await?;
    let counts = service.prisma(args.stream.as_deref()).await;
    service.close().await;
    let p = counts?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&p)?);
        return Ok(());
    }
    println!("Identification");
    for s in &p.records_identified_by_source {
        println!("  records from {}: {}", s.name, s.count);
    }
    println!(
        "  records from databases: {}   registers: {}",
        p.records_from_databases, p.records_from_registers
    );
    println!("  duplicates removed: {}", p.duplicates_removed);
    println!("Screening");
    println!("  records screened: {}   excluded: {}", p.records_screened, p.records_excluded);
    let column = |name: &str, r: &sift_domain::prisma::Retrieval| {
        println!(
            "  {name}: reports sought {}, not retrieved {}, assessed {}, excluded {}",
            r.reports_sought, r.reports_not_retrieved, r.reports_assessed, r.reports_excluded
        );
        for reason in &r.reports_excluded_by_reason {
            println!("    excluded, {}: {}", reason.name, reason.count);
        }
    };
    column("databases and registers", &p.databases);
    if !p.other_methods_identified_by_source.is_empty() || p.other_methods.reports_sought > 0 {
        for s in &p.other_methods_identified_by_source {
            println!("  other methods, records from {}: {}", s.name, s.count);
        }
        column("other methods", &p.other_methods);
    }
    println!("Included");
    println!("  studies: {}   reports: {}", p.studies_included, p.reports_included);
    let w = &p.pending;
    if w.records_not_deduplicated + w.awaiting_title_abstract + w.awaiting_full_text > 0 {
        println!(
            "Not finished: {} records not deduplicated, {} citations await title/abstract, {} await full text",
            w.records_not_deduplicated, w.awaiting_title_abstract, w.awaiting_full_text
        );
    }
    Ok(())
}

pub async fn agreement(args: StageArgs, context: &Context) -> Result<()> {
    let service = open(&args.review, context).await?;
    let agreement = service.agreement(&context.actor, args.stream.as_deref(), args.stage).await;
    service.close().await;
    let a = agreement?;
    println!(
        "{}: {} resolved citations with two or more votes{}",
        a.stage,
        a.n_citations,
        a.all_agreed.map(|p| format!("; all votes agreed on {:.1} %", 100.0 * p)).unwrap_or_default()
    );
    let mut table = Table::new(&["reviewers", ">citations", ">agreement %", ">Cohen's kappa", ">95% CI"]);
    for p in &a.pairs {
        let (kappa, ci) = match &p.kappa {
            Some(k) => (format!("{:.3}", k.kappa), format!("{:.3} to {:.3}", k.ci_low, k.ci_high)),
            None => ("undefined".into(), String::new()),
        };
        table.row(vec![
            format!("{} & {}", p.a, p.b),
            p.n.to_string(),
            format!("{:.1}", 100.0 * p.proportion_agreed),
            kappa,
            ci,
        ]);
    }
    print!("{}", table.render());
    if let Some(k) = &a.fleiss {
        println!(
            "Fleiss' kappa ({} raters per citation, {} citations): {:.3} (95% CI {:.3} to {:.3}, from the standard error under no agreement)",
            a.fleiss_raters, k.n, k.kappa, k.ci_low, k.ci_high
        );
    }
    Ok(())
}

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    pub review: String,
    /// The exported decisions: a CSV of (record id, DOI or PMID; reviewer; decision; reason),
    /// or an ASReview, Rayyan or Covidence export.
    pub file: PathBuf,
    /// csv, asreview, rayyan or covidence (detected when left out).
    #[arg(long)]
    pub source: Option<sift_service::DecisionSource>,
    /// The decision of every row, for exports that are one list (Covidence "irrelevant": exclude).
    #[arg(long)]
    pub decision: Option<Decision>,
    /// The stage of rows that do not say.
    #[arg(long)]
    pub stage: Option<Stage>,
    /// Rows without a reviewer are the team's final decisions (resolutions), not your votes.
    #[arg(long)]
    pub as_resolutions: bool,
    #[arg(long)]
    pub stream: Option<String>,
}

pub async fn import(args: ImportArgs, context: &Context) -> Result<()> {
    let service = open(&args.review, context).await?;
    let spec = sift_service::DecisionImportSpec {
        stream: args.stream.clone(),
        source: args.source,
        default_decision: args.decision,
        stage: args.stage,
        as_resolutions: args.as_resolutions,
    };
    let result = service.import_decisions(&context.actor, &args.file, &spec).await;
    service.close().await;
    let r = result?;
    println!("{}", r.summary(&args.file.display().to_string()));
    if !r.new_members.is_empty() {
        println!("  new reviewers: {}", r.new_members.join(", "));
    }
    for d in &r.diagnostics {
        println!("  {}", d.located(&args.file.display().to_string()));
    }
    for (line, what) in r.unmatched.iter().take(20) {
        println!("  {}:{line}: no citation in the review matches {what:?}", args.file.display());
    }
    if r.unmatched.len() > 20 {
        println!("  ... and {} more unmatched rows", r.unmatched.len() - 20);
    }
    Ok(())
}
