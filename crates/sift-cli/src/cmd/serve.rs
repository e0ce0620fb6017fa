//! `sift serve`: the web app on one review file, a directory of them, or the reviews of a
//! database server (`--database URL`).

use std::io::{BufRead, Write};
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use sift_service::Service;
use sift_web::AppState;

use crate::Context;
use crate::cmd::UsageError;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The review file to serve (its accounts live in the same file); with `--database`, the
    /// slug of the one review to serve there (without it, every review there is served).
    #[arg(conflicts_with = "data_dir")]
    pub review: Option<PathBuf>,
    /// Serve every `*.sift` file of a directory; accounts live in `DIR/accounts.sift-accounts`.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR:PORT")]
    pub listen: String,
    /// Mark session cookies Secure (set this when serving behind HTTPS; a proxy's
    /// `X-Forwarded-Proto: https` also turns it on per request).
    #[arg(long)]
    pub secure_cookies: bool,
    /// Create the first (owner) account NAME before serving, reading its password from
    /// standard input, instead of printing a one-time setup link.
    #[arg(long, value_name = "NAME")]
    pub create_owner: Option<String>,
}

pub async fn run(args: Args, context: &Context) -> Result<()> {
    let mut state = match (&context.database, &args.review, &args.data_dir) {
        (Some(_), _, Some(_)) => {
            return Err(UsageError(
                "--data-dir serves review files; with --database the reviews are in the database".into(),
            )
            .into());
        }
        (Some(url), review, None) => {
            let slug = review.as_deref().map(|r| r.to_string_lossy().into_owned());
            AppState::for_database(url, slug.as_deref()).await?
        }
        (None, Some(file), _) => AppState::for_file(file).await?,
        (None, None, Some(dir)) => AppState::for_data_dir(dir).await?,
        (None, None, None) => {
            return Err(
                UsageError("name a review file, or pass --data-dir DIR or --database URL".into()).into()
            );
        }
    };
    state.secure_cookies = args.secure_cookies;
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let address = listener.local_addr()?;
    if let Some(name) = &args.create_owner {
        eprint!("Password for {name} (at least 10 characters, read from standard input): ");
        std::io::stderr().flush()?;
        let mut password = String::new();
        std::io::stdin().lock().read_line(&mut password)?;
        let all = state.reviews.all();
        let reviews: Vec<&Service> = all.iter().collect();
        let account =
            state.accounts.create_owner(name, password.trim_end_matches(['\r', '\n']), &reviews).await?;
        eprintln!("created the owner account {}", account.username);
    }
    let n_reviews = state.reviews.all().len();
    println!("sift: serving {n_reviews} review(s) on http://{address}/");
    if let Some(token) = state.accounts.setup_link().await? {
        println!("sift: no accounts yet; open this one-time link to create the owner account:");
        println!("  http://{address}/setup/{token}");
    }
    sift_web::serve(listener, state, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    println!("sift: stopped");
    Ok(())
}
