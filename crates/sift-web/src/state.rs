//! What every handler shares: the reviews served (one file, every `.sift` file of a data
//! directory, or the reviews of a database server) and the accounts store.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::SystemTime;

use sift_domain::ReviewType;
use sift_service::{
    Account, Accounts, Locator, NewReviewSpec, Service, ServiceError, ServiceResult, check_slug,
};

/// The name of the accounts file in a data directory.
pub const ACCOUNTS_FILE: &str = "accounts.sift-accounts";

/// The reviews a server serves, by slug. A data directory or a database server can gain
/// reviews while it runs (an administrator creates one on the reviews page); a lookup hands
/// out a clone of the review's service (a handle: its connections and caches are shared).
#[derive(Clone, Debug)]
pub struct Reviews {
    by_slug: Arc<RwLock<BTreeMap<String, Service>>>,
    /// Data-directory files that could not be opened, as they were then (modified time and
    /// length): tried again, and logged again, only once they change.
    unreadable: Arc<Mutex<HashMap<PathBuf, FileStamp>>>,
    /// Data-directory files already looked at and served or found to be a copy (a file's
    /// review keeps the short name it was made with, which need not be the file's name).
    served_files: Arc<Mutex<HashSet<PathBuf>>>,
    /// The data-directory file each review is served from, by slug, and which file it was
    /// (device and inode): a review whose file is gone (moved or deleted while the server
    /// runs) is no longer served, and one whose file was replaced (another moved or restored
    /// over it) is served afresh from the new file.
    files: Arc<Mutex<HashMap<String, (PathBuf, FileId)>>>,
    /// Handles on replaced files, closed before their path is opened again (closing
    /// checkpoints and deletes the old file's write-ahead log, which must not meet the new
    /// file).
    retired: Arc<Mutex<Vec<Service>>>,
    /// Held while the data directory is looked at, so that one request's opening of a
    /// replaced file never overtakes another's closing of the old handles.
    discovery: Arc<tokio::sync::Mutex<()>>,
}

/// A file's modified time and length.
type FileStamp = (Option<SystemTime>, u64);

/// Which file a path names (device and inode); `None` when there is none.
type FileId = Option<(u64, u64)>;

fn file_id(path: &Path) -> FileId {
    let metadata = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((metadata.dev(), metadata.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        Some((0, 0))
    }
}

impl Reviews {
    pub fn new(services: Vec<Service>) -> Reviews {
        let map = services.into_iter().map(|s| (s.review().slug.clone(), s)).collect();
        Reviews {
            by_slug: Arc::new(RwLock::new(map)),
            unreadable: Arc::default(),
            served_files: Arc::default(),
            files: Arc::default(),
            retired: Arc::default(),
            discovery: Arc::default(),
        }
    }

    /// The review served as `slug`. One whose data-directory file is gone is forgotten here
    /// (its address then answers "no such review"), rather than served from a deleted file;
    /// one whose file was replaced is forgotten too, and served from the new file once the
    /// directory is looked at again ([`AppState::discover_reviews`]).
    pub fn get(&self, slug: &str) -> Option<Service> {
        let file = self.files.lock().unwrap_or_else(PoisonError::into_inner).get(slug).cloned();
        if let Some((file, id)) = file {
            let now = file_id(&file);
            if now != id {
                self.forget(slug, now.is_some());
                return None;
            }
        }
        self.by_slug.read().unwrap_or_else(PoisonError::into_inner).get(slug).cloned()
    }

    /// Stops serving `slug`, whose file is gone or was replaced. Files that were copies of it
    /// are looked at again the next time the directory is, so a copy left behind (or the file
    /// that replaced it) can be served instead.
    fn forget(&self, slug: &str, replaced: bool) {
        let removed = self.by_slug.write().unwrap_or_else(PoisonError::into_inner).remove(slug);
        let mut files = self.files.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((file, _)) = files.remove(slug) {
            let what = if replaced { "was replaced; it is opened afresh" } else { "is gone" };
            eprintln!("sift serve: {} {what} (the review {slug:?})", file.display());
        }
        let kept: HashSet<&PathBuf> = files.values().map(|(file, _)| file).collect();
        self.served_files.lock().unwrap_or_else(PoisonError::into_inner).retain(|f| kept.contains(f));
        // Requests still running hold their own handles; the connections close with the last,
        // or, for a replaced file, before its path is opened again.
        if let (Some(service), true) = (removed, replaced) {
            self.retired.lock().unwrap_or_else(PoisonError::into_inner).push(service);
        }
    }

    /// Closes the handles on replaced files (their requests finish first).
    async fn close_retired(&self) {
        let retired = std::mem::take(&mut *self.retired.lock().unwrap_or_else(PoisonError::into_inner));
        for service in retired {
            service.close().await;
        }
    }

    /// Records the file a review is served from.
    fn served_from(&self, service: &Service, file: &Path) {
        let slug = service.review().slug.clone();
        let id = file_id(file);
        self.files.lock().unwrap_or_else(PoisonError::into_inner).insert(slug, (file.to_path_buf(), id));
        self.served_files.lock().unwrap_or_else(PoisonError::into_inner).insert(file.to_path_buf());
    }

    /// Every review served, by slug (less those whose file is gone or was replaced).
    pub fn all(&self) -> Vec<Service> {
        let changed: Vec<(String, bool)> = self
            .files
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter_map(|(slug, (file, id))| {
                let now = file_id(file);
                (now != *id).then(|| (slug.clone(), now.is_some()))
            })
            .collect();
        for (slug, replaced) in changed {
            self.forget(&slug, replaced);
        }
        self.by_slug.read().unwrap_or_else(PoisonError::into_inner).values().cloned().collect()
    }

    /// Replaces a served review's handle with one whose review details changed (title, type,
    /// question), so later requests show them.
    pub fn refresh(&self, service: Service) {
        let mut map = self.by_slug.write().unwrap_or_else(PoisonError::into_inner);
        map.insert(service.review().slug.clone(), service);
    }

    /// Serves one more review. When its slug is taken (another request found it first),
    /// nothing changes and `service` comes back as the unserved twin.
    #[must_use]
    pub fn insert(&self, service: Service) -> Option<Service> {
        let mut map = self.by_slug.write().unwrap_or_else(PoisonError::into_inner);
        let slug = service.review().slug.clone();
        if map.contains_key(&slug) {
            return Some(service);
        }
        map.insert(slug, service);
        None
    }
}

/// Where a server keeps its reviews, and so where a new one goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Home {
    /// One review file, served alone: it cannot hold another.
    File,
    /// A directory of `.sift` files: a new review is a new file there.
    DataDir(PathBuf),
    /// Every review of a database server: a new review is created beside the others.
    Database,
    /// One review of a database server, served alone.
    DatabaseReview,
}

/// The app's shared state.
#[derive(Clone, Debug)]
pub struct AppState {
    pub reviews: Reviews,
    pub accounts: Accounts,
    pub home: Home,
    /// Mark cookies `Secure` (serving behind HTTPS). Also set per request when a proxy says
    /// `X-Forwarded-Proto: https`.
    pub secure_cookies: bool,
}

impl AppState {
    /// Serves one review file; its accounts live in the same file.
    pub async fn for_file(path: &Path) -> ServiceResult<AppState> {
        let service = Service::open(&Locator::File(path.to_path_buf())).await?;
        let accounts = Accounts::of_review(&service);
        Ok(AppState {
            reviews: Reviews::new(vec![service]),
            accounts,
            home: Home::File,
            secure_cookies: false,
        })
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
        let home = if review.is_some() { Home::DatabaseReview } else { Home::Database };
        Ok(AppState { reviews: Reviews::new(services), accounts, home, secure_cookies: false })
    }

    /// Serves every `*.sift` file of a directory; accounts live in `DIR/accounts.sift-accounts`.
    pub async fn for_data_dir(dir: &Path) -> ServiceResult<AppState> {
        let mut services = Vec::new();
        let files = review_files(dir)?;
        for file in &files {
            services.push(Service::open(&Locator::File(file.clone())).await?);
        }
        let accounts = Accounts::open_file(&dir.join(ACCOUNTS_FILE)).await?;
        let home = Home::DataDir(dir.to_path_buf());
        let reviews = Reviews::new(services.clone());
        for (service, file) in services.iter().zip(&files) {
            reviews.served_from(service, file);
        }
        Ok(AppState { reviews, accounts, home, secure_cookies: false })
    }

    /// Whether `account` may create reviews here, or why not: the server's administrator
    /// may, on a data directory or a database server.
    pub fn may_create_reviews(&self, account: &Account) -> ServiceResult<()> {
        if !account.is_admin {
            return Err(ServiceError::Forbidden(
                "only the server's administrator creates reviews; ask them, or ask an owner to invite you"
                    .into(),
            ));
        }
        match self.home {
            Home::File => Err(ServiceError::Forbidden(
                "this server serves one review file; create another with `sift init` and serve a data directory (`sift serve --data-dir DIR`)".into(),
            )),
            Home::DatabaseReview => Err(ServiceError::Forbidden(
                "this server serves one review of its database; serve them all (`sift serve --database URL`) to create more".into(),
            )),
            Home::DataDir(_) | Home::Database => Ok(()),
        }
    }

    /// Starts serving the reviews added to the data directory or the database since the
    /// server started or last looked (`sift init` beside a running server). A file that cannot
    /// be opened is left out and logged, not an error of the page that looked.
    pub async fn discover_reviews(&self) {
        match &self.home {
            Home::File | Home::DatabaseReview => {}
            Home::DataDir(dir) => {
                // Files replaced since the last look are noticed, their old handles closed.
                let _one_at_a_time = self.reviews.discovery.lock().await;
                let _ = self.reviews.all();
                self.reviews.close_retired().await;
                let files = match review_files(dir) {
                    Ok(files) => files,
                    Err(e) => return eprintln!("sift serve: {e}"),
                };
                let served = || self.reviews.served_files.lock().unwrap_or_else(PoisonError::into_inner);
                for file in files {
                    if served().contains(&file) {
                        continue;
                    }
                    let stamp =
                        std::fs::metadata(&file).map(|m| (m.modified().ok(), m.len())).unwrap_or_default();
                    let unreadable =
                        || self.reviews.unreadable.lock().unwrap_or_else(PoisonError::into_inner);
                    if unreadable().get(&file) == Some(&stamp) {
                        continue;
                    }
                    match Service::open(&Locator::File(file.clone())).await {
                        // Found by another request meanwhile: this second handle's own
                        // connections are closed.
                        Ok(service) => {
                            unreadable().remove(&file);
                            // Not yet marked: no other request opened this file meanwhile.
                            let first = served().insert(file.clone());
                            let handle = service.clone();
                            if let Some(twin) = self.reviews.insert(service) {
                                if first {
                                    eprintln!(
                                        "sift serve: {} holds the review {:?}, already served from another file (a copy?); not served twice",
                                        file.display(),
                                        twin.review().slug
                                    );
                                }
                                twin.close().await;
                            } else {
                                self.reviews.served_from(&handle, &file);
                            }
                        }
                        Err(e) => {
                            eprintln!("sift serve: {} is not served: {e}", file.display());
                            unreadable().insert(file, stamp);
                        }
                    }
                }
            }
            Home::Database => {
                let Some(any) = self.reviews.all().into_iter().next() else { return };
                match any.reviews_beside().await {
                    Ok(all) => {
                        // Handles on the one shared pool: a twin is dropped, never closed.
                        for service in all {
                            let _ = self.reviews.insert(service);
                        }
                    }
                    Err(e) => eprintln!("sift serve: could not list the database's reviews: {e}"),
                }
            }
        }
    }

    /// Creates a review with `account` as its owner (a new `.sift` file in the data
    /// directory, or a review beside the others in the database) and serves it at once.
    pub async fn create_review(&self, account: &Account, new: &NewReview<'_>) -> ServiceResult<Service> {
        self.may_create_reviews(account)?;
        let slug = new.slug.trim();
        check_slug(slug).map_err(|_| {
            ServiceError::invalid(
                "short name",
                format!("{slug:?}: start with a letter or digit, then letters, digits, '-', '_' or '.' (64 at most)"),
            )
        })?;
        if self.reviews.get(slug).is_some() {
            return Err(ServiceError::Conflict(format!(
                "a review named {slug:?} already exists on this server"
            )));
        }
        let review_type: ReviewType =
            new.review_type.parse().map_err(|e| ServiceError::invalid("type", format!("{e}")))?;
        let question = Some(new.question.trim().to_string()).filter(|q| !q.is_empty());
        // The service checks the title (its error names it "--title"; `for_people` says "title").
        let spec = NewReviewSpec { title: new.title.trim().to_string(), review_type, question };
        let actor = account.actor();
        let service = match &self.home {
            Home::DataDir(dir) => {
                let path = dir.join(format!("{slug}.sift"));
                if path.exists() {
                    return Err(ServiceError::Conflict(format!(
                        "the data directory already has a file {slug}.sift; choose another short name"
                    )));
                }
                let service = Service::create(&Locator::File(path.clone()), &spec, &actor).await?;
                self.reviews.served_from(&service, &path);
                service
            }
            Home::Database => {
                let Some(any) = self.reviews.all().into_iter().next() else {
                    return Err(ServiceError::invalid(
                        "review",
                        "this server has no database to create it in",
                    ));
                };
                any.create_beside(slug, &spec, &actor).await?
            }
            Home::File | Home::DatabaseReview => unreachable!("refused by may_create_reviews"),
        };
        // Only a request that discovered the new review a moment ago can have served it first.
        if let Some(twin) = self.reviews.insert(service.clone()) {
            if matches!(self.home, Home::DataDir(_)) {
                twin.close().await;
            }
            return self.reviews.get(slug).ok_or_else(|| ServiceError::Conflict(slug.to_string()));
        }
        Ok(service)
    }
}

/// What a new review is given, as typed into the form or sent to the API.
#[derive(Clone, Copy, Debug)]
pub struct NewReview<'a> {
    pub title: &'a str,
    /// The short name in addresses (and the file name in a data directory).
    pub slug: &'a str,
    /// systematic, scoping, rapid or umbrella.
    pub review_type: &'a str,
    /// The review question; may be empty.
    pub question: &'a str,
}

/// The review files of a data directory, by name.
fn review_files(dir: &Path) -> ServiceResult<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir)
        .map_err(|source| ServiceError::Io { path: dir.display().to_string(), source })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "sift"))
        .collect();
    files.sort();
    Ok(files)
}
