//! Web accounts, sessions, one-time links, login attempts, and per-review highlight keywords.
//!
//! Tokens never reach this module in the clear: callers pass the hash of a session or link
//! token, so a copy of the database does not let anyone log in. Times compared here are Unix
//! seconds.

use sift_domain::ReviewId;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Conn, Result, StoreError};

/// An account as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountRow {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub is_admin: bool,
    pub created_at: String,
}

/// A live session: whose it is and the CSRF token its forms must carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRow {
    pub account: AccountRow,
    pub kind: String,
    pub csrf_token: String,
    pub expires_at: i64,
}

/// A one-time link (first-start setup, or an invitation to set a password).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkRow {
    pub kind: String,
    pub username: Option<String>,
    pub created_by: String,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

const ACCOUNT_COLUMNS: &str = "a.id, a.username, a.password_hash, a.is_admin, a.created_at";

fn account_from_row(row: &AnyRow) -> Result<AccountRow> {
    let is_admin: i64 = row.try_get("is_admin")?;
    Ok(AccountRow {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        password_hash: row.try_get("password_hash")?,
        is_admin: is_admin != 0,
        created_at: row.try_get("created_at")?,
    })
}

pub async fn count_accounts(conn: &mut Conn) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM accounts").fetch_one(conn).await?)
}

pub async fn insert_account(
    conn: &mut Conn,
    username: &str,
    password_hash: &str,
    is_admin: bool,
    created_at: &str,
) -> Result<AccountRow> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO accounts (username, password_hash, is_admin, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(username)
    .bind(password_hash)
    .bind(i64::from(is_admin))
    .bind(created_at)
    .fetch_one(conn)
    .await
    .map_err(|e| StoreError::on_unique(e, || format!("an account named {username:?} already exists")))?;
    Ok(AccountRow {
        id,
        username: username.to_string(),
        password_hash: password_hash.to_string(),
        is_admin,
        created_at: created_at.to_string(),
    })
}

pub async fn account_by_username(conn: &mut Conn, username: &str) -> Result<Option<AccountRow>> {
    let row = sqlx::query(&format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.username = $1"))
        .bind(username)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(account_from_row).transpose()
}

pub async fn account_by_id(conn: &mut Conn, id: i64) -> Result<AccountRow> {
    let row = sqlx::query(&format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound { what: "account", key: id.to_string() })?;
    account_from_row(&row)
}

pub async fn set_password_hash(conn: &mut Conn, account: i64, password_hash: &str) -> Result<()> {
    sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2")
        .bind(password_hash)
        .bind(account)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn insert_session(
    conn: &mut Conn,
    token_hash: &str,
    account: i64,
    kind: &str,
    csrf_token: &str,
    now: i64,
    expires_at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, account_id, kind, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token_hash)
    .bind(account)
    .bind(kind)
    .bind(csrf_token)
    .bind(now)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The session with this token hash, if it exists and has not expired at `now`.
pub async fn live_session(conn: &mut Conn, token_hash: &str, now: i64) -> Result<Option<SessionRow>> {
    let row = sqlx::query(&format!(
        "SELECT {ACCOUNT_COLUMNS}, s.kind, s.csrf_token, s.expires_at FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = $1 AND s.expires_at > $2"
    ))
    .bind(token_hash)
    .bind(now)
    .fetch_optional(conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(SessionRow {
        account: account_from_row(&row)?,
        kind: row.try_get("kind")?,
        csrf_token: row.try_get("csrf_token")?,
        expires_at: row.try_get("expires_at")?,
    }))
}

pub async fn delete_session(conn: &mut Conn, token_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(conn).await?;
    Ok(())
}

/// Ends every session of an account except `keep` (after a password change).
pub async fn delete_other_sessions(conn: &mut Conn, account: i64, keep: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND token_hash <> $2")
        .bind(account)
        .bind(keep)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_expired_sessions(conn: &mut Conn, now: i64) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(conn).await?;
    Ok(())
}

pub async fn insert_link(
    conn: &mut Conn,
    token_hash: &str,
    kind: &str,
    username: Option<&str>,
    created_by: &str,
    now: i64,
    expires_at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO account_links (token_hash, kind, username, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token_hash)
    .bind(kind)
    .bind(username)
    .bind(created_by)
    .bind(now)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn link(conn: &mut Conn, token_hash: &str) -> Result<Option<LinkRow>> {
    let row = sqlx::query(
        "SELECT kind, username, created_by, expires_at, used_at FROM account_links WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(LinkRow {
        kind: row.try_get("kind")?,
        username: row.try_get("username")?,
        created_by: row.try_get("created_by")?,
        expires_at: row.try_get("expires_at")?,
        used_at: row.try_get("used_at")?,
    }))
}

/// Marks a link used; `false` when it was already used (two tabs racing).
pub async fn use_link(conn: &mut Conn, token_hash: &str, now: i64) -> Result<bool> {
    let done = sqlx::query("UPDATE account_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL")
        .bind(now)
        .bind(token_hash)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Retires every unused link of a kind (a new setup link replaces the old one).
pub async fn expire_links(conn: &mut Conn, kind: &str, now: i64) -> Result<()> {
    sqlx::query("UPDATE account_links SET expires_at = $1 WHERE kind = $2 AND used_at IS NULL")
        .bind(now)
        .bind(kind)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn insert_login_attempt(
    conn: &mut Conn,
    username: &str,
    remote: &str,
    ok: bool,
    at: i64,
) -> Result<()> {
    sqlx::query("INSERT INTO login_attempts (username, remote, ok, at) VALUES ($1, $2, $3, $4)")
        .bind(username)
        .bind(remote)
        .bind(i64::from(ok))
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Failed logins for a username, or from a remote address, since `since`.
pub async fn failed_logins_since(
    conn: &mut Conn,
    username: &str,
    remote: &str,
    since: i64,
) -> Result<(i64, i64)> {
    let by_user: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM login_attempts WHERE username = $1 AND ok = 0 AND at >= $2")
            .bind(username)
            .bind(since)
            .fetch_one(&mut *conn)
            .await?;
    let by_remote: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM login_attempts WHERE remote = $1 AND ok = 0 AND at >= $2")
            .bind(remote)
            .bind(since)
            .fetch_one(&mut *conn)
            .await?;
    Ok((by_user, by_remote))
}

/// A review's highlight keywords: `(word, kind)` with kind `include` or `exclude`.
pub async fn keywords(conn: &mut Conn, review: ReviewId) -> Result<Vec<(String, String)>> {
    let rows = sqlx::query("SELECT word, kind FROM review_keywords WHERE review_id = $1 ORDER BY kind, word")
        .bind(review.0)
        .fetch_all(conn)
        .await?;
    rows.iter().map(|r| Ok((r.try_get("word")?, r.try_get("kind")?))).collect()
}

/// Replaces a review's highlight keywords.
pub async fn set_keywords(conn: &mut Conn, review: ReviewId, words: &[(String, String)]) -> Result<()> {
    sqlx::query("DELETE FROM review_keywords WHERE review_id = $1")
        .bind(review.0)
        .execute(&mut *conn)
        .await?;
    for (word, kind) in words {
        sqlx::query("INSERT INTO review_keywords (review_id, word, kind) VALUES ($1, $2, $3)")
            .bind(review.0)
            .bind(word)
            .bind(kind)
            .execute(&mut *conn)
            .await
            .map_err(|e| StoreError::on_unique(e, || format!("the keyword {word:?} is listed twice")))?;
    }
    Ok(())
}
