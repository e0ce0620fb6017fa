//! `sift init`, `sift protocol`, `sift reviews` and `sift log`.

use anyhow::Result;
use sift_domain::ReviewType;
use sift_service::Service;
use sift_service::{NewReviewSpec, ProtocolChange};

use crate::Context;
use crate::table::{Table, clip};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The review file to create (`neuropathic-pain.sift`), or with --database the new review's name.
    pub review: String,
    /// The review's title.
    #[arg(long)]
    pub title: String,
    /// systematic, scoping, rapid or umbrella.
    #[arg(long = "type", default_value = "systematic")]
    pub review_type: ReviewType,
    /// The review question.
    #[arg(long)]
    pub question: Option<String>,
}

pub async fn run(args: Args, context: &Context) -> Result<()> {
    let spec = NewReviewSpec { title: args.title, review_type: args.review_type, question: args.question };
    let service = Service::create(&context.locator(&args.review)?, &spec, &context.actor).await?;
    let review = service.review().clone();
    service.close().await;
    println!(
        "created {} review {:?} ({}) with stream \"default\"",
        review.review_type, review.title, args.review
    );
    Ok(())
}

#[derive(clap::Args, Debug)]
pub struct ProtocolArgs {
    pub review: String,
    /// A new title.
    #[arg(long)]
    pub title: Option<String>,
    /// A new type: systematic, scoping, rapid or umbrella.
    #[arg(long = "type")]
    pub review_type: Option<ReviewType>,
    /// A new review question ("" removes it).
    #[arg(long)]
    pub question: Option<String>,
}

/// Shows the review's title, type and question, or changes them (owners).
pub async fn protocol(args: ProtocolArgs, context: &Context) -> Result<()> {
    let service = Service::open(&context.locator(&args.review)?).await?;
    let change = ProtocolChange { title: args.title, review_type: args.review_type, question: args.question };
    let changing = change.title.is_some() || change.review_type.is_some() || change.question.is_some();
    let result = if changing {
        service.set_protocol(&context.actor, &change).await.map(|s| s.review().clone())
    } else {
        Ok(service.review().clone())
    };
    service.close().await;
    let review = result?;
    if changing {
        println!("updated the review {:?}", review.slug);
    }
    println!("title:    {}", review.title);
    println!("type:     {}", review.review_type);
    println!("question: {}", review.question.as_deref().unwrap_or("(none)"));
    Ok(())
}

#[derive(clap::Args, Debug)]
pub struct ReviewsArgs {
    /// A review file; omit it with --database.
    pub review: Option<String>,
}

pub async fn reviews(args: ReviewsArgs, context: &Context) -> Result<()> {
    let Some(url) = context.database.clone().or(args.review) else {
        return Err(super::UsageError("name a review file or pass --database URL".into()).into());
    };
    let reviews = Service::list_reviews(&url).await?;
    let mut table = Table::new(&[">id", "name", "type", "title", "created"]);
    for r in reviews {
        table.row(vec![
            r.id.to_string(),
            r.slug,
            r.review_type.to_string(),
            clip(&r.title, 60),
            r.created_at,
        ]);
    }
    print!("{}", table.render());
    Ok(())
}

#[derive(clap::Args, Debug)]
pub struct LogArgs {
    pub review: String,
}

pub async fn log(args: LogArgs, context: &Context) -> Result<()> {
    let service = Service::open(&context.locator(&args.review)?).await?;
    let mut table = Table::new(&["when", "who", "what", "subject", "detail"]);
    for event in service.events().await? {
        table.row(vec![
            event.at,
            event.actor,
            event.kind,
            event.subject.unwrap_or_default(),
            clip(&event.detail.to_string(), 80),
        ]);
    }
    service.close().await;
    print!("{}", table.render());
    Ok(())
}
