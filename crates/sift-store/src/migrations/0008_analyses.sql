-- Sift schema version 8: meta-analyses the report draws, kept as the spec the team wrote
-- (form, measure, model, subgroups, moderators), like the study-characteristics tables.

CREATE TABLE report_analyses (
    id __ID__,
    review_id BIGINT NOT NULL REFERENCES reviews (id),
    name TEXT NOT NULL,
    spec TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (review_id, name)
);
