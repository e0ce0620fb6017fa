//! Creating and opening reviews; their streams.

use serde_json::json;
use sift_domain::{Review, ReviewType, Stream};
use sift_store::reviews::{self, NewReview};
use sift_store::{Store, StoreError};

use crate::{Actor, Locator, Service, ServiceError, ServiceResult, clock, slug_for_file};

/// The stream every review starts with.
pub const DEFAULT_STREAM: &str = "default";

/// A change to a review's protocol details: each `Some` replaces the current value (an empty
/// question removes it).
#[derive(Clone, Debug, Default)]
pub struct ProtocolChange {
    pub title: Option<String>,
    pub review_type: Option<ReviewType>,
    pub question: Option<String>,
}

/// What a new review needs.
#[derive(Clone, Debug)]
pub struct NewReviewSpec {
    pub title: String,
    pub review_type: ReviewType,
    pub question: Option<String>,
}

impl NewReviewSpec {
    /// The title, trimmed; a review needs one.
    fn title(&self) -> ServiceResult<&str> {
        let title = self.title.trim();
        if title.is_empty() {
            return Err(ServiceError::invalid("--title", "a review needs a title"));
        }
        Ok(title)
    }
}

impl Service {
    /// Creates a review: a new `.sift` file, or a new review in a database server. The
    /// review starts with one stream, `default`.
    pub async fn create(locator: &Locator, spec: &NewReviewSpec, actor: &Actor) -> ServiceResult<Service> {
        // Checked before a file is made for the review.
        let title = spec.title()?;
        let (store, slug) = match locator {
            Locator::File(path) => (Store::open_file(path, true).await?, slug_for_file(path)),
            Locator::Database { url, review } => {
                let slug = review.clone().ok_or_else(|| {
                    ServiceError::invalid(
                        "REVIEW",
                        "name the new review (a short slug) when creating it in a database",
                    )
                })?;
                check_slug(&slug)?;
                (Store::open_url(url).await?, slug)
            }
        };
        Service::create_in(store, &slug, title, spec, actor).await
    }

    /// Creates another review in the database server this one lives in, on the same
    /// connections: a team server adds a review while it runs. A review file holds one review,
    /// so for one the answer is an error.
    pub async fn create_beside(
        &self,
        slug: &str,
        spec: &NewReviewSpec,
        actor: &Actor,
    ) -> ServiceResult<Service> {
        if self.store.backend() == sift_store::Backend::Sqlite {
            return Err(ServiceError::invalid(
                "REVIEW",
                "a review file holds one review; create a new file with `sift init` instead",
            ));
        }
        check_slug(slug)?;
        let title = spec.title()?;
        Service::create_in(self.store.clone(), slug, title, spec, actor).await
    }

    async fn create_in(
        store: Store,
        slug: &str,
        title: &str,
        spec: &NewReviewSpec,
        actor: &Actor,
    ) -> ServiceResult<Service> {
        let now = clock::now();
        let mut tx = store.write().await?;
        let id = reviews::insert_review(
            tx.conn(),
            &NewReview {
                slug,
                title,
                review_type: spec.review_type,
                question: spec.question.as_deref(),
                created_at: &now,
            },
        )
        .await?;
        reviews::insert_stream(tx.conn(), id, DEFAULT_STREAM, None, true, &now).await?;
        sift_store::screening::insert_member(
            tx.conn(),
            id,
            &actor.name,
            sift_domain::screening::Role::Owner,
            true,
            &now,
        )
        .await?;
        reviews::append_event(
            tx.conn(),
            id,
            &now,
            &actor.name,
            "review.created",
            Some(slug),
            &json!({ "title": title, "type": spec.review_type.as_str() }),
        )
        .await?;
        tx.commit().await?;
        let review = {
            let mut conn = store.read().await?;
            reviews::review_by_id(&mut conn, id).await?
        };
        Ok(Service { store, review, ranker: Default::default(), report: Default::default() })
    }

    /// Opens an existing review.
    pub async fn open(locator: &Locator) -> ServiceResult<Service> {
        let (store, wanted) = match locator {
            Locator::File(path) => (Store::open_file(path, false).await?, None),
            Locator::Database { url, review } => (Store::open_url(url).await?, review.clone()),
        };
        let mut conn = store.read().await?;
        let review = match wanted {
            Some(slug) => reviews::review_by_slug(&mut conn, &slug).await.map_err(|e| match e {
                StoreError::NotFound { what, key } => ServiceError::NotFound {
                    what,
                    key,
                    hint: "; `sift reviews --database URL` lists the reviews there".into(),
                },
                other => other.into(),
            })?,
            None => {
                let mut all = reviews::list_reviews(&mut conn).await?;
                match all.len() {
                    1 => all.remove(0),
                    0 => {
                        return Err(ServiceError::invalid(
                            "REVIEW",
                            "the database holds no review; create one with `sift init`",
                        ));
                    }
                    n => {
                        let slugs: Vec<String> = all.into_iter().map(|r| r.slug).collect();
                        return Err(ServiceError::invalid(
                            "REVIEW",
                            format!("the database holds {n} reviews ({}); name one", slugs.join(", ")),
                        ));
                    }
                }
            }
        };
        drop(conn);
        Ok(Service { store, review, ranker: Default::default(), report: Default::default() })
    }

    /// Opens every review in a database, all on one connection pool: a team server's
    /// reviews. Closing one closes them all.
    pub async fn open_all(url: &str) -> ServiceResult<Vec<Service>> {
        let store = Store::open_url(url).await?;
        let mut conn = store.read().await?;
        let all = reviews::list_reviews(&mut conn).await?;
        drop(conn);
        Ok(all
            .into_iter()
            .map(|review| Service {
                store: store.clone(),
                review,
                ranker: Default::default(),
                report: Default::default(),
            })
            .collect())
    }

    /// Changes the review's title, type or question (owners); what is `None` stays. Returns the
    /// service with the review as it now stands (this handle keeps the old text).
    pub async fn set_protocol(&self, actor: &Actor, change: &ProtocolChange) -> ServiceResult<Service> {
        let now = clock::now();
        let mut tx = self.store.write().await?;
        self.require(tx.conn(), actor, crate::Permission::Manage).await?;
        let before = reviews::review_by_id(tx.conn(), self.review.id).await?;
        let title = match &change.title {
            Some(t) if t.trim().is_empty() => {
                return Err(ServiceError::invalid("--title", "a review needs a title"));
            }
            Some(t) => t.trim().to_string(),
            None => before.title.clone(),
        };
        let review_type = change.review_type.unwrap_or(before.review_type);
        let question = match &change.question {
            Some(q) => Some(q.trim().to_string()).filter(|q| !q.is_empty()),
            None => before.question.clone(),
        };
        reviews::update_review(tx.conn(), self.review.id, &title, review_type, question.as_deref()).await?;
        reviews::append_event(
            tx.conn(),
            self.review.id,
            &now,
            &actor.name,
            "review.updated",
            None,
            &json!({
                "before": { "title": before.title, "type": before.review_type.as_str(), "question": before.question },
                "after": { "title": title, "type": review_type.as_str(), "question": question },
            }),
        )
        .await?;
        tx.commit().await?;
        let review = Review { title, review_type, question, ..before };
        Ok(Service {
            store: self.store.clone(),
            review,
            ranker: self.ranker.clone(),
            report: Default::default(),
        })
    }

    /// Every review in the database server this one lives in, on the same connections: a team
    /// server picks up reviews created beside it while it runs. A review file holds only this
    /// one.
    pub async fn reviews_beside(&self) -> ServiceResult<Vec<Service>> {
        if self.store.backend() == sift_store::Backend::Sqlite {
            return Ok(vec![self.clone()]);
        }
        let mut conn = self.store.read().await?;
        let all = reviews::list_reviews(&mut conn).await?;
        drop(conn);
        Ok(all
            .into_iter()
            .map(|review| Service {
                store: self.store.clone(),
                review,
                ranker: Default::default(),
                report: Default::default(),
            })
            .collect())
    }

    /// Every review in a database (a `.sift` file holds one).
    pub async fn list_reviews(url: &str) -> ServiceResult<Vec<Review>> {
        let store = Store::open_url(url).await?;
        let mut conn = store.read().await?;
        let reviews = reviews::list_reviews(&mut conn).await?;
        drop(conn);
        store.close().await;
        Ok(reviews)
    }

    pub async fn add_stream(
        &self,
        actor: &Actor,
        name: &str,
        description: Option<&str>,
    ) -> ServiceResult<Stream> {
        let name = name.trim();
        check_slug(name).map_err(|_| {
            ServiceError::invalid(
                "NAME",
                "a stream name is 1-64 letters, digits, '-', '_' or '.' (no spaces)",
            )
        })?;
        let now = clock::now();
        let mut tx = self.store.write().await?;
        self.require(tx.conn(), actor, crate::Permission::Manage).await?;
        let description = description.map(str::trim).filter(|d| !d.is_empty());
        reviews::insert_stream(tx.conn(), self.review.id, name, description, false, &now).await?;
        reviews::append_event(
            tx.conn(),
            self.review.id,
            &now,
            &actor.name,
            "stream.added",
            Some(name),
            &json!({}),
        )
        .await?;
        tx.commit().await?;
        self.stream(Some(name)).await
    }

    pub async fn streams(&self) -> ServiceResult<Vec<Stream>> {
        let mut conn = self.store.read().await?;
        Ok(reviews::list_streams(&mut conn, self.review.id).await?)
    }

    /// The stream called `name`, or the default stream.
    pub async fn stream(&self, name: Option<&str>) -> ServiceResult<Stream> {
        let streams = self.streams().await?;
        let found = match name {
            Some(name) => streams.iter().find(|s| s.name == name),
            None => streams.iter().find(|s| s.is_default),
        };
        found.cloned().ok_or_else(|| {
            let names: Vec<&str> = streams.iter().map(|s| s.name.as_str()).collect();
            ServiceError::NotFound {
                what: "stream",
                key: name.unwrap_or(DEFAULT_STREAM).to_string(),
                hint: format!("; the review's streams are: {}", names.join(", ")),
            }
        })
    }

    /// The audit log, oldest first.
    pub async fn events(&self) -> ServiceResult<Vec<sift_store::reviews::Event>> {
        let mut conn = self.store.read().await?;
        Ok(reviews::list_events(&mut conn, self.review.id).await?)
    }
}

/// A review's short name: it appears in addresses and, in a data directory, as a file name.
pub fn check_slug(slug: &str) -> ServiceResult<()> {
    let ok = slug.len() <= 64
        && slug.chars().next().is_some_and(char::is_alphanumeric)
        && slug.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(ServiceError::invalid(
            "REVIEW",
            format!(
                "{slug:?} is not a valid name: start with a letter or digit, then letters, digits, '-', '_' or '.'"
            ),
        ))
    }
}
