-- Sift schema version 6: a review's own appraisal tools, beside the built-in ones (the
-- definition is the tool as JSON: judgements, domains, signalling questions).

CREATE TABLE appraisal_tools (
    id __ID__,
    review_id BIGINT NOT NULL REFERENCES reviews (id),
    tool_key TEXT NOT NULL,
    definition TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (review_id, tool_key)
);
