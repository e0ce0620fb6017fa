//! Backing up and handing over a whole review: `export_archive` and `Service::import_archive`.

use std::io::{BufRead, Write};

use sift_store::Store;
use sift_store::archive::{self, ArchiveSummary};

use crate::{Actor, Locator, Permission, Service, ServiceError, ServiceResult};

impl Service {
    /// Writes the whole review (records with raw text, searches, decisions, notes, files,
    /// events) as a versioned archive.
    pub async fn export_archive(
        &self,
        actor: &Actor,
        out: &mut (dyn Write + Send),
    ) -> ServiceResult<ArchiveSummary> {
        let mut conn = self.store.read().await?;
        self.require(&mut conn, actor, Permission::Manage).await?;
        Ok(archive::export(&mut conn, self.review.id, out).await?)
    }

    /// Restores an archive into a new review file (or a database that lacks the review).
    pub async fn import_archive(
        locator: &Locator,
        input: &mut dyn BufRead,
    ) -> ServiceResult<(Service, ArchiveSummary)> {
        let store = match locator {
            Locator::File(path) => Store::open_file(path, true).await?,
            Locator::Database { url, .. } => Store::open_url(url).await?,
        };
        let summary = archive::import(&store, input).await.map_err(ServiceError::from);
        let summary = match summary {
            Ok(summary) => summary,
            Err(e) => {
                store.close().await;
                if let Locator::File(path) = locator {
                    // Nothing was committed; remove the empty file the failed restore created.
                    for suffix in ["", "-wal", "-shm"] {
                        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                    }
                }
                return Err(e);
            }
        };
        store.close().await;
        let locator = match locator {
            Locator::File(path) => Locator::File(path.clone()),
            Locator::Database { url, .. } => {
                Locator::Database { url: url.clone(), review: Some(summary.review_slug.clone()) }
            }
        };
        Ok((Service::open(&locator).await?, summary))
    }
}
