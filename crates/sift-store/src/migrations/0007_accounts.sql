-- Sift schema version 7: web accounts, their sessions (only a hash of each token is stored),
-- one-time setup and invitation links, login attempts (for rate limiting), and per-review
-- highlight keywords. Times that are compared in SQL (expiry, rate windows) are Unix seconds
-- in BIGINT columns so the comparison is numeric on both backends.

CREATE TABLE accounts (
    id __ID__,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    is_admin BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    kind TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE account_links (
    token_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    username TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

CREATE TABLE login_attempts (
    id __ID__,
    username TEXT NOT NULL,
    remote TEXT NOT NULL,
    ok BIGINT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_attempts_username ON login_attempts (username, at);

CREATE TABLE review_keywords (
    review_id BIGINT NOT NULL REFERENCES reviews (id),
    word TEXT NOT NULL,
    kind TEXT NOT NULL,
    PRIMARY KEY (review_id, word)
);
