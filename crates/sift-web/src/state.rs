//! What every handler shares: the reviews served (one file, every `.sift` file of a data
//! directory, or the reviews of a database server) and the accounts store.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sift_service::{Accounts, Locator, Service, ServiceError, ServiceResult};

/// The name of the accounts file in a data directory.
pub const ACCOUNTS_FILE: &str = "accounts.sift-accounts";

/// The reviews a server serves, by slug.
#[derive(Clone, Debug)]
pub struct Reviews {
    by_slug: Arc<BTreeMap<String, Service>>,
}

impl Reviews {
    pub fn new(services: Vec<Service>) -> Reviews {
        Reviews { by_slug: Arc::new(services.into_iter().map(|s| (s.review().slug.clone(), s)).collect()) }
    }

    pub fn get(&self, slug: &str) -> Option<&Service> {
        self.by_slug.get(slug)
    }

    pub fn all(&self) -> impl Iterator<Item = &Service> {
        self.by_slug.values()
    }
}

/// The app's shared state.
#[derive(Clone, Debug)]
pub struct AppState {
    pub reviews: Reviews,
    pub accounts: Accounts,
    /// Mark cookies `Secure` (serving behind HTTPS). Also set per request when a proxy says
    /// `X-Forwarded-Proto: https`.
    pub secure_cookies: bool,
}

impl AppState {
    /// Serves one review file; its accounts live in the same file.
    pub async fn for_file(path: &Path) -> ServiceResult<AppState> {
        let service = Service::open(&Locator::File(path.to_path_buf())).await?;
        let accounts = Accounts::of_review(&service);
        Ok(AppState { reviews: Reviews::new(vec![service]), accounts, secure_cookies: false })
    }

    /// Serves the reviews of a database server (`postgres://...`), or only the one whose slug
    /// is given; accounts live in the same database.
    pub async fn for_database(url: &str, review: Option<&str>) -> ServiceResult<AppState> {
        let services = match review {
            Some(slug) => {
                vec![
                    Service::open(&Locator::Database {
                        url: url.to_string(),
                        review: Some(slug.to_string()),
                    })
                    .await?,
                ]
            }
            None => Service::open_all(url).await?,
        };
        let Some(first) = services.first() else {
            return Err(ServiceError::invalid(
                "--database",
                "the database holds no review; create one with `sift init REVIEW --database URL`",
            ));
        };
        let accounts = Accounts::of_review(first);
        Ok(AppState { reviews: Reviews::new(services), accounts, secure_cookies: false })
    }

    /// Serves every `*.sift` file of a directory; accounts live in `DIR/accounts.sift-accounts`.
    pub async fn for_data_dir(dir: &Path) -> ServiceResult<AppState> {
        let entries = std::fs::read_dir(dir)
            .map_err(|source| ServiceError::Io { path: dir.display().to_string(), source })?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "sift"))
            .collect();
        files.sort();
        let mut services = Vec::new();
        for file in files {
            services.push(Service::open(&Locator::File(file)).await?);
        }
        let accounts = Accounts::open_file(&dir.join(ACCOUNTS_FILE)).await?;
        Ok(AppState { reviews: Reviews::new(services), accounts, secure_cookies: false })
    }
}
