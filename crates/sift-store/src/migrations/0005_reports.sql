-- Sift schema version 5: what the review's reports need beyond its records: the specs of its
-- study-characteristics tables, and flow-diagram counts that records cannot give (a review
-- screened elsewhere, or a published one rebuilt), typed in per stream.

CREATE TABLE report_tables (
    id __ID__,
    review_id BIGINT NOT NULL REFERENCES reviews (id),
    name TEXT NOT NULL,
    spec TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (review_id, name)
);

CREATE TABLE flow_counts (
    stream_id BIGINT PRIMARY KEY REFERENCES streams (id),
    counts TEXT NOT NULL,
    given_by TEXT NOT NULL,
    at TEXT NOT NULL
);
