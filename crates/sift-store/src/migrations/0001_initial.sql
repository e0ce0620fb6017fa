-- Sift schema version 1: reviews, streams, searches, imported files and records, audit log.
-- `__ID__` becomes the backend's auto-increment primary key (see migrate.rs); everything else
-- is portable SQL. Booleans are BIGINT 0/1; times are RFC 3339 text; lists are JSON text.

CREATE TABLE reviews (
    id __ID__,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    review_type TEXT NOT NULL,
    question TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE streams (
    id __ID__,
    review_id BIGINT NOT NULL REFERENCES reviews (id),
    name TEXT NOT NULL,
    description TEXT,
    is_default BIGINT NOT NULL DEFAULT 0,
    position BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (review_id, name)
);

CREATE TABLE searches (
    id __ID__,
    review_id BIGINT NOT NULL REFERENCES reviews (id),
    stream_id BIGINT NOT NULL REFERENCES streams (id),
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    platform TEXT,
    query TEXT,
    run_date TEXT,
    limits TEXT,
    hits_reported BIGINT,
    updates_search_id BIGINT REFERENCES searches (id),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX searches_stream ON searches (stream_id);

CREATE TABLE import_files (
    id __ID__,
    search_id BIGINT NOT NULL REFERENCES searches (id),
    file_name TEXT NOT NULL,
    format TEXT NOT NULL,
    encoding TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    n_records BIGINT NOT NULL,
    imported_at TEXT NOT NULL
);
CREATE INDEX import_files_search ON import_files (search_id);

CREATE TABLE import_diagnostics (
    id __ID__,
    import_file_id BIGINT NOT NULL REFERENCES import_files (id),
    severity TEXT NOT NULL,
    line BIGINT,
    tag TEXT,
    message TEXT NOT NULL,
    count BIGINT NOT NULL
);
CREATE INDEX import_diagnostics_file ON import_diagnostics (import_file_id);

CREATE TABLE records (
    id __ID__,
    review_id BIGINT NOT NULL REFERENCES reviews (id),
    search_id BIGINT NOT NULL REFERENCES searches (id),
    import_file_id BIGINT NOT NULL REFERENCES import_files (id),
    file_index BIGINT NOT NULL,
    file_line BIGINT NOT NULL,
    source_id TEXT,
    work_type TEXT NOT NULL,
    title TEXT,
    abstract TEXT,
    authors TEXT NOT NULL,
    year BIGINT,
    journal TEXT,
    journal_abbrev TEXT,
    volume TEXT,
    issue TEXT,
    pages TEXT,
    doi TEXT,
    pmid TEXT,
    pmcid TEXT,
    issn TEXT,
    isbn TEXT,
    publisher TEXT,
    language TEXT,
    publication_types TEXT NOT NULL,
    keywords TEXT NOT NULL,
    url TEXT,
    extra TEXT NOT NULL,
    raw TEXT NOT NULL
);
CREATE INDEX records_search ON records (search_id);
CREATE INDEX records_review_doi ON records (review_id, doi);
CREATE INDEX records_review_pmid ON records (review_id, pmid);

CREATE TABLE events (
    id __ID__,
    review_id BIGINT NOT NULL REFERENCES reviews (id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT,
    detail TEXT NOT NULL
);
CREATE INDEX events_review ON events (review_id);
