-- Sift schema version 3: the team, stage settings, eligibility criteria, votes (append-only),
-- resolutions, full texts (content-addressed blobs), other-methods provenance, and studies.

CREATE TABLE members (
    id __ID__,
    review_id BIGINT NOT NULL REFERENCES reviews (id),
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    resolver BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    UNIQUE (review_id, name)
);

CREATE TABLE stage_settings (
    review_id BIGINT NOT NULL REFERENCES reviews (id),
    stage TEXT NOT NULL,
    reviewers_required BIGINT NOT NULL,
    blinded BIGINT NOT NULL,
    auto_resolve BIGINT NOT NULL,
    PRIMARY KEY (review_id, stage)
);

CREATE TABLE criteria (
    id __ID__,
    review_id BIGINT NOT NULL REFERENCES reviews (id),
    position BIGINT NOT NULL,
    label TEXT NOT NULL,
    description TEXT,
    UNIQUE (review_id, label)
);

CREATE TABLE votes (
    id __ID__,
    review_id BIGINT NOT NULL REFERENCES reviews (id),
    citation_id BIGINT NOT NULL REFERENCES citations (id),
    stage TEXT NOT NULL,
    reviewer_id BIGINT NOT NULL REFERENCES members (id),
    decision TEXT NOT NULL,
    reason TEXT,
    note TEXT,
    at TEXT NOT NULL
);
CREATE INDEX votes_citation ON votes (citation_id, stage);
CREATE INDEX votes_reviewer ON votes (reviewer_id, stage);

CREATE TABLE resolutions (
    id __ID__,
    review_id BIGINT NOT NULL REFERENCES reviews (id),
    citation_id BIGINT NOT NULL REFERENCES citations (id),
    stage TEXT NOT NULL,
    decision TEXT NOT NULL,
    reason TEXT,
    method TEXT NOT NULL,
    resolved_by BIGINT REFERENCES members (id),
    at TEXT NOT NULL,
    UNIQUE (citation_id, stage)
);

CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    size_bytes BIGINT NOT NULL,
    data __BLOB__ NOT NULL
);

CREATE TABLE fulltexts (
    citation_id BIGINT PRIMARY KEY REFERENCES citations (id),
    status TEXT NOT NULL,
    sha256 TEXT REFERENCES blobs (sha256),
    file_name TEXT,
    reason TEXT,
    decided_by TEXT NOT NULL,
    at TEXT NOT NULL
);

CREATE TABLE search_sources (
    search_id BIGINT PRIMARY KEY REFERENCES searches (id),
    found_in_citation_id BIGINT NOT NULL REFERENCES citations (id)
);

CREATE TABLE studies (
    id __ID__,
    review_id BIGINT NOT NULL REFERENCES reviews (id),
    stream_id BIGINT NOT NULL REFERENCES streams (id),
    label TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (stream_id, label)
);

CREATE TABLE study_reports (
    citation_id BIGINT PRIMARY KEY REFERENCES citations (id),
    study_id BIGINT NOT NULL REFERENCES studies (id)
);
