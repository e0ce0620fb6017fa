//! `sift stream add|list`.

use anyhow::Result;
use sift_service::Service;

use crate::Context;
use crate::table::Table;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Add a stream (a separate screening pipeline with its own flow diagram).
    Add {
        review: String,
        /// A short name: letters, digits, '-', '_' or '.'.
        name: String,
        #[arg(long)]
        description: Option<String>,
    },
    /// List the review's streams.
    List { review: String },
}

pub async fn run(command: Command, context: &Context) -> Result<()> {
    match command {
        Command::Add { review, name, description } => {
            let service = Service::open(&context.locator(&review)?).await?;
            let stream = service.add_stream(&context.actor, &name, description.as_deref()).await?;
            service.close().await;
            println!("added stream {:?}", stream.name);
        }
        Command::List { review } => {
            let service = Service::open(&context.locator(&review)?).await?;
            let streams = service.streams().await?;
            let searches = service.searches(None).await?;
            service.close().await;
            let mut table = Table::new(&["stream", ">searches", ">records", "description"]);
            for stream in streams {
                let of_stream = searches.iter().filter(|s| s.search.stream_id == stream.id);
                let n_searches = of_stream.clone().count();
                let n_records: i64 = of_stream.map(|s| s.n_records).sum();
                let name = if stream.is_default { format!("{} (default)", stream.name) } else { stream.name };
                table.row(vec![
                    name,
                    n_searches.to_string(),
                    n_records.to_string(),
                    stream.description.unwrap_or_default(),
                ]);
            }
            print!("{}", table.render());
        }
    }
    Ok(())
}
