-- Sift schema version 4: extraction forms, charted values per charter, consensus values,
-- appraisals and levels of evidence.

CREATE TABLE forms (
    id __ID__,
    review_id BIGINT NOT NULL REFERENCES reviews (id),
    name TEXT NOT NULL,
    definition TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (review_id, name)
);

CREATE TABLE extractions (
    id __ID__,
    review_id BIGINT NOT NULL REFERENCES reviews (id),
    form_id BIGINT NOT NULL REFERENCES forms (id),
    citation_id BIGINT NOT NULL REFERENCES citations (id),
    charter_id BIGINT NOT NULL REFERENCES members (id),
    field_values TEXT NOT NULL,
    complete BIGINT NOT NULL,
    at TEXT NOT NULL,
    UNIQUE (form_id, citation_id, charter_id)
);

CREATE TABLE consensus (
    form_id BIGINT NOT NULL REFERENCES forms (id),
    citation_id BIGINT NOT NULL REFERENCES citations (id),
    field_values TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (form_id, citation_id)
);

CREATE TABLE appraisals (
    id __ID__,
    review_id BIGINT NOT NULL REFERENCES reviews (id),
    citation_id BIGINT NOT NULL REFERENCES citations (id),
    tool TEXT NOT NULL,
    appraiser TEXT NOT NULL,
    appraisal TEXT NOT NULL,
    at TEXT NOT NULL,
    UNIQUE (citation_id, tool, appraiser)
);

CREATE TABLE evidence_levels (
    citation_id BIGINT PRIMARY KEY REFERENCES citations (id),
    system TEXT NOT NULL,
    level TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    at TEXT NOT NULL
);
