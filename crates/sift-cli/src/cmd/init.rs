//! `sift init`, `sift reviews` and `sift log`.

use anyhow::Result;
use sift_domain::ReviewType;
use sift_service::NewReviewSpec;
use sift_service::Service;

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
