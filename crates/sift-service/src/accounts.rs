//! Accounts for the web app: the owner's first-start setup, login and logout, password
//! changes, invitations, login rate limiting, and [`Accounts::authorize`], the one check every
//! web handler goes through before it touches a review.
//!
//! An account acts in a review as the member with the same name (the name `--as NAME` gives
//! on the command line), so roles, resolvers and blinding are the screening rules already in
//! force. Passwords are hashed with argon2id; session and link tokens are random 256-bit
//! values of which only the SHA-256 is stored.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use serde_json::json;
use sha2::{Digest, Sha256};
use sift_domain::screening::{Role, Viewer};
use sift_store::Store;
use sift_store::accounts::{self as store, AccountRow};

use crate::clock::unix_now;
use crate::screening::Permission;
use crate::{Actor, Service, ServiceError, ServiceResult, clock};

/// How long a browser session lasts without logging in again.
pub const SESSION_SECONDS: i64 = 12 * 60 * 60;
/// How long an API token lasts.
pub const API_TOKEN_SECONDS: i64 = 30 * 24 * 60 * 60;
/// How long a setup or invitation link stays valid.
pub const LINK_SECONDS: i64 = 7 * 24 * 60 * 60;
/// Failed logins allowed per username (or per remote address) in [`LOCKOUT_WINDOW_SECONDS`].
pub const MAX_FAILED_LOGINS: i64 = 5;
pub const LOCKOUT_WINDOW_SECONDS: i64 = 15 * 60;
/// The shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 10;

/// A logged-in person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub username: String,
    /// Created through the first-start setup; may see every review served.
    pub is_admin: bool,
}

impl Account {
    /// The actor this account is in a review: the member of the same name.
    pub fn actor(&self) -> Actor {
        Actor::new(self.username.clone())
    }
}

/// Whether a session came from the login page (cookie + CSRF token) or the API (bearer token).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionKind {
    Browser,
    Api,
}

impl SessionKind {
    fn as_str(self) -> &'static str {
        match self {
            SessionKind::Browser => "browser",
            SessionKind::Api => "api",
        }
    }
}

/// A live session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub account: Account,
    pub kind: SessionKind,
    /// The token every state-changing form of this session must carry.
    pub csrf_token: String,
}

/// A session just created: the secret token to hand to the client, once.
#[derive(Clone, Debug)]
pub struct NewSession {
    pub token: String,
    pub session: Session,
}

/// What an invitation produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invitation {
    pub member: String,
    pub role: Role,
    pub resolver: bool,
    /// A one-time link token when the person has no account yet; `None` when they have one.
    pub link_token: Option<String>,
}

/// A one-time link as its holder may see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkInfo {
    pub setup: bool,
    /// The account the link creates (invitations name it; setup lets the holder choose).
    pub username: Option<String>,
    pub invited_by: String,
}

/// The accounts of one server, kept in one store (the review file when serving one review,
/// a separate accounts file when serving a data directory).
#[derive(Clone, Debug)]
pub struct Accounts {
    store: Store,
}

impl Accounts {
    pub fn new(store: Store) -> Accounts {
        Accounts { store }
    }

    /// The accounts kept in a served review's own file or database.
    pub fn of_review(service: &Service) -> Accounts {
        Accounts { store: service.store().clone() }
    }

    /// Opens (creating when missing) a file that holds only accounts, for a data directory.
    pub async fn open_file(path: &std::path::Path) -> ServiceResult<Accounts> {
        let store = Store::open_file(path, !path.exists()).await?;
        Ok(Accounts { store })
    }

    /// Whether nobody has set the server up yet.
    pub async fn needs_setup(&self) -> ServiceResult<bool> {
        let mut conn = self.store.read().await?;
        Ok(store::count_accounts(&mut conn).await? == 0)
    }

    /// A fresh one-time setup link token (older ones stop working); `None` once an account
    /// exists, so a restarted server never reopens setup.
    pub async fn setup_link(&self) -> ServiceResult<Option<String>> {
        let now = unix_now();
        let mut tx = self.store.write().await?;
        if store::count_accounts(tx.conn()).await? > 0 {
            return Ok(None);
        }
        store::expire_links(tx.conn(), "setup", now).await?;
        let token = random_token();
        store::insert_link(
            tx.conn(),
            &hash_token(&token),
            "setup",
            None,
            "sift serve",
            now,
            now + LINK_SECONDS,
        )
        .await?;
        tx.commit().await?;
        Ok(Some(token))
    }

    /// What a one-time link is for, or an error a visitor can read when it is unusable. An
    /// invitation is withdrawn once its name is a member of none of `reviews` (the reviews
    /// served): removing a mistyped or departed member must not leave a working link behind.
    pub async fn link_info(&self, token: &str, reviews: &[&Service]) -> ServiceResult<LinkInfo> {
        let link = {
            let mut conn = self.store.read().await?;
            usable_link(&mut conn, token).await?
        };
        if link.kind == "invite" {
            require_invited(link.username.as_deref().unwrap_or_default(), reviews).await?;
        }
        Ok(LinkInfo { setup: link.kind == "setup", username: link.username, invited_by: link.created_by })
    }

    /// Completes first-start setup: creates the administrator account and makes it an owner of
    /// every served review it is not already a member of.
    pub async fn complete_setup(
        &self,
        token: &str,
        username: &str,
        password: &str,
        reviews: &[&Service],
    ) -> ServiceResult<Account> {
        let username = check_username(username)?;
        check_password(password)?;
        let hash = hash_password(password)?;
        let now = unix_now();
        let mut tx = self.store.write().await?;
        let link = usable_link(tx.conn(), token).await?;
        if link.kind != "setup" || store::count_accounts(tx.conn()).await? > 0 {
            return Err(ServiceError::Forbidden("this server is already set up; log in instead".into()));
        }
        if !store::use_link(tx.conn(), &hash_token(token), now).await? {
            return Err(ServiceError::Forbidden("this setup link has already been used".into()));
        }
        let row = store::insert_account(tx.conn(), &username, &hash, true, &clock::now()).await?;
        tx.commit().await?;
        for service in reviews {
            service.adopt_owner(&username).await?;
        }
        Ok(account(row))
    }

    /// Creates the administrator from a command-line prompt instead of a setup link.
    pub async fn create_owner(
        &self,
        username: &str,
        password: &str,
        reviews: &[&Service],
    ) -> ServiceResult<Account> {
        let username = check_username(username)?;
        check_password(password)?;
        let hash = hash_password(password)?;
        let mut tx = self.store.write().await?;
        if store::count_accounts(tx.conn()).await? > 0 {
            return Err(ServiceError::Conflict("this server already has accounts; log in instead".into()));
        }
        let row = store::insert_account(tx.conn(), &username, &hash, true, &clock::now()).await?;
        tx.commit().await?;
        for service in reviews {
            service.adopt_owner(&username).await?;
        }
        Ok(account(row))
    }

    /// Checks a username and password and opens a session. Refuses with
    /// [`ServiceError::TooManyAttempts`] after [`MAX_FAILED_LOGINS`] failures for the
    /// username or from the address within [`LOCKOUT_WINDOW_SECONDS`], before checking the
    /// password, so guessing gets nowhere.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        remote: &str,
        kind: SessionKind,
    ) -> ServiceResult<NewSession> {
        let username = username.trim();
        let now = unix_now();
        let mut tx = self.store.write().await?;
        let (by_user, by_remote) =
            store::failed_logins_since(tx.conn(), username, remote, now - LOCKOUT_WINDOW_SECONDS).await?;
        if by_user >= MAX_FAILED_LOGINS || by_remote >= MAX_FAILED_LOGINS * 4 {
            return Err(ServiceError::TooManyAttempts { retry_after_seconds: LOCKOUT_WINDOW_SECONDS });
        }
        let row = store::account_by_username(tx.conn(), username).await?;
        let ok = match &row {
            Some(row) => verify_password(password, &row.password_hash),
            None => {
                // Spend the same time as a real check so timing does not reveal usernames.
                let _ = hash_password(password);
                false
            }
        };
        store::insert_login_attempt(tx.conn(), username, remote, ok, now).await?;
        let (Some(row), true) = (row, ok) else {
            tx.commit().await?;
            return Err(ServiceError::BadCredentials);
        };
        store::delete_expired_sessions(tx.conn(), now).await?;
        let token = random_token();
        let csrf_token = random_token();
        let lifetime = if kind == SessionKind::Api { API_TOKEN_SECONDS } else { SESSION_SECONDS };
        store::insert_session(
            tx.conn(),
            &hash_token(&token),
            row.id,
            kind.as_str(),
            &csrf_token,
            now,
            now + lifetime,
        )
        .await?;
        tx.commit().await?;
        Ok(NewSession { token, session: Session { account: account(row), kind, csrf_token } })
    }

    /// The live session a token belongs to.
    pub async fn session(&self, token: &str) -> ServiceResult<Option<Session>> {
        let mut conn = self.store.read().await?;
        let row = store::live_session(&mut conn, &hash_token(token), unix_now()).await?;
        Ok(row.map(|s| Session {
            account: account(s.account),
            kind: if s.kind == "api" { SessionKind::Api } else { SessionKind::Browser },
            csrf_token: s.csrf_token,
        }))
    }

    pub async fn logout(&self, token: &str) -> ServiceResult<()> {
        let mut tx = self.store.write().await?;
        store::delete_session(tx.conn(), &hash_token(token)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes a password after checking the current one; other sessions of the account end.
    pub async fn change_password(&self, token: &str, current: &str, new: &str) -> ServiceResult<()> {
        check_password(new)?;
        let hash = hash_password(new)?;
        let mut tx = self.store.write().await?;
        let session = store::live_session(tx.conn(), &hash_token(token), unix_now())
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        if !verify_password(current, &session.account.password_hash) {
            return Err(ServiceError::invalid("current password", "that is not your current password"));
        }
        store::set_password_hash(tx.conn(), session.account.id, &hash).await?;
        store::delete_other_sessions(tx.conn(), session.account.id, &hash_token(token)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds `name` to a review with a role (owners only) and, when nobody has an account of
    /// that name yet, makes a one-time link for them to set a password.
    pub async fn invite(
        &self,
        by: &Account,
        service: &Service,
        name: &str,
        role: Role,
        resolver: bool,
    ) -> ServiceResult<Invitation> {
        self.authorize(by, service, Permission::Manage).await?;
        let name = check_username(name)?;
        let member = service.set_member(&by.actor(), &name, role, resolver).await?;
        let now = unix_now();
        let mut tx = self.store.write().await?;
        let link_token = if store::account_by_username(tx.conn(), &name).await?.is_none() {
            let token = random_token();
            store::insert_link(
                tx.conn(),
                &hash_token(&token),
                "invite",
                Some(&name),
                &by.username,
                now,
                now + LINK_SECONDS,
            )
            .await?;
            Some(token)
        } else {
            None
        };
        tx.commit().await?;
        Ok(Invitation { member: member.name, role: member.role, resolver: member.resolver, link_token })
    }

    /// Accepts an invitation: creates the invited account with the chosen password, provided
    /// the invited name is still a member of one of `reviews` (see [`Accounts::link_info`]).
    pub async fn accept_invite(
        &self,
        token: &str,
        password: &str,
        reviews: &[&Service],
    ) -> ServiceResult<Account> {
        check_password(password)?;
        // Checked before the write transaction: the reviews may live in the same file.
        self.link_info(token, reviews).await?;
        let hash = hash_password(password)?;
        let now = unix_now();
        let mut tx = self.store.write().await?;
        let link = usable_link(tx.conn(), token).await?;
        let Some(username) = link.username.filter(|_| link.kind == "invite") else {
            return Err(ServiceError::Forbidden("this is not an invitation link".into()));
        };
        if !store::use_link(tx.conn(), &hash_token(token), now).await? {
            return Err(ServiceError::Forbidden("this invitation has already been used".into()));
        }
        let row = store::insert_account(tx.conn(), &username, &hash, false, &clock::now()).await?;
        tx.commit().await?;
        Ok(account(row))
    }

    /// The check every web handler makes: may this account do `what` in this review? An
    /// account must be a member of the review (by name); the domain's roles decide the rest.
    /// Returns the actor to pass to the service and what the member may see.
    pub async fn authorize(
        &self,
        account: &Account,
        service: &Service,
        what: Permission,
    ) -> ServiceResult<(Actor, Viewer)> {
        let actor = account.actor();
        let members = service.members().await?;
        if !members.iter().any(|m| m.name == account.username) {
            return Err(ServiceError::Forbidden(format!(
                "{} is not a member of the review {:?}",
                account.username,
                service.review().slug
            )));
        }
        let viewer = service.authorize(&actor, what).await?;
        Ok((actor, viewer))
    }
}

impl Service {
    /// Checks that `actor` may do `what` in this review (see [`Accounts::authorize`] for the
    /// web's stricter membership rule).
    pub async fn authorize(&self, actor: &Actor, what: Permission) -> ServiceResult<Viewer> {
        let mut conn = self.store.read().await?;
        self.require(&mut conn, actor, what).await
    }

    /// The review's highlight keywords: `(include, exclude)`.
    pub async fn keywords(&self) -> ServiceResult<(Vec<String>, Vec<String>)> {
        let mut conn = self.store.read().await?;
        let mut include = Vec::new();
        let mut exclude = Vec::new();
        for (word, kind) in store::keywords(&mut conn, self.review.id).await? {
            if kind == "exclude" { exclude.push(word) } else { include.push(word) }
        }
        Ok((include, exclude))
    }

    /// Replaces the review's highlight keywords (owners only). Words are trimmed, empty ones
    /// dropped; a word may not be both an include and an exclude keyword.
    pub async fn set_keywords(
        &self,
        actor: &Actor,
        include: &[String],
        exclude: &[String],
    ) -> ServiceResult<()> {
        let clean = |words: &[String]| -> Vec<String> {
            let mut out: Vec<String> =
                words.iter().map(|w| w.trim().to_string()).filter(|w| !w.is_empty()).collect();
            out.sort();
            out.dedup();
            out
        };
        let (include, exclude) = (clean(include), clean(exclude));
        if let Some(both) = include.iter().find(|w| exclude.iter().any(|x| x.eq_ignore_ascii_case(w))) {
            return Err(ServiceError::invalid(
                "keywords",
                format!("{both:?} is both an include and an exclude keyword"),
            ));
        }
        let words: Vec<(String, String)> = include
            .iter()
            .map(|w| (w.clone(), "include".to_string()))
            .chain(exclude.iter().map(|w| (w.clone(), "exclude".to_string())))
            .collect();
        let now = clock::now();
        let mut tx = self.store.write().await?;
        self.require(tx.conn(), actor, Permission::Manage).await?;
        store::set_keywords(tx.conn(), self.review.id, &words).await?;
        sift_store::reviews::append_event(
            tx.conn(),
            self.review.id,
            &now,
            &actor.name,
            "keywords.set",
            None,
            &json!({ "include": include, "exclude": exclude }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Makes `name` an owner of this review unless already a member (first-start setup).
    async fn adopt_owner(&self, name: &str) -> ServiceResult<()> {
        let now = clock::now();
        let mut tx = self.store.write().await?;
        let members = sift_store::screening::members(tx.conn(), self.review.id).await?;
        if members.iter().any(|m| m.name == name) {
            return Ok(());
        }
        sift_store::screening::insert_member(tx.conn(), self.review.id, name, Role::Owner, true, &now)
            .await?;
        sift_store::reviews::append_event(
            tx.conn(),
            self.review.id,
            &now,
            "sift serve setup",
            "member.set",
            Some(name),
            &json!({ "role": "owner", "resolver": true }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

fn account(row: AccountRow) -> Account {
    Account { id: row.id, username: row.username, is_admin: row.is_admin }
}

/// Refuses an invitation whose name was removed from every review it was invited to.
async fn require_invited(name: &str, reviews: &[&Service]) -> ServiceResult<()> {
    for review in reviews {
        if review.members().await?.iter().any(|m| m.name == name) {
            return Ok(());
        }
    }
    Err(ServiceError::Forbidden(format!(
        "this invitation was withdrawn: {name} is no longer a member of any review here; ask the review's owner"
    )))
}

async fn usable_link(conn: &mut sift_store::Conn, token: &str) -> ServiceResult<store::LinkRow> {
    let link = store::link(conn, &hash_token(token))
        .await?
        .ok_or_else(|| ServiceError::Forbidden("this link is not valid; ask for a new one".into()))?;
    if link.used_at.is_some() {
        return Err(ServiceError::Forbidden("this link has already been used".into()));
    }
    if link.expires_at <= unix_now() {
        return Err(ServiceError::Forbidden("this link has expired; ask for a new one".into()));
    }
    Ok(link)
}

fn check_username(name: &str) -> ServiceResult<String> {
    let name = name.trim();
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'));
    if !ok {
        return Err(ServiceError::invalid(
            "username",
            "use 1 to 64 letters, digits, dots, dashes, underscores or @",
        ));
    }
    Ok(name.to_string())
}

fn check_password(password: &str) -> ServiceResult<()> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(ServiceError::invalid(
            "password",
            format!("a password needs at least {MIN_PASSWORD_LEN} characters"),
        ));
    }
    Ok(())
}

fn hash_password(password: &str) -> ServiceResult<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt)
        .map_err(|e| ServiceError::Conflict(format!("no randomness available: {e}")))?;
    Argon2::default()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ServiceError::Conflict(format!("could not hash the password: {e}")))
}

fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default().verify_password(password.as_bytes(), hash).is_ok()
}

/// 32 random bytes, hex-encoded.
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random number generator");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}
