-- Sift schema version 2: citations (duplicate clusters of records) and deduplication decisions.
-- A record belongs to exactly one citation of its stream once deduplication has run. Merges and
-- splits are logged in dedup_decisions (append-only); possible pairs wait in dedup_queue.

CREATE TABLE citations (
    id __ID__,
    review_id BIGINT NOT NULL REFERENCES reviews (id),
    stream_id BIGINT NOT NULL REFERENCES streams (id),
    canonical_record_id BIGINT NOT NULL REFERENCES records (id),
    created_at TEXT NOT NULL
);
CREATE INDEX citations_stream ON citations (stream_id);

CREATE TABLE citation_records (
    record_id BIGINT PRIMARY KEY REFERENCES records (id),
    citation_id BIGINT NOT NULL REFERENCES citations (id)
);
CREATE INDEX citation_records_citation ON citation_records (citation_id);

CREATE TABLE dedup_decisions (
    id __ID__,
    review_id BIGINT NOT NULL REFERENCES reviews (id),
    stream_id BIGINT NOT NULL REFERENCES streams (id),
    kind TEXT NOT NULL,
    record_a BIGINT NOT NULL REFERENCES records (id),
    record_b BIGINT NOT NULL REFERENCES records (id),
    decided_by TEXT NOT NULL,
    automatic BIGINT NOT NULL,
    rule TEXT,
    score DOUBLE PRECISION,
    at TEXT NOT NULL
);
CREATE INDEX dedup_decisions_stream ON dedup_decisions (stream_id);

CREATE TABLE dedup_queue (
    id __ID__,
    review_id BIGINT NOT NULL REFERENCES reviews (id),
    stream_id BIGINT NOT NULL REFERENCES streams (id),
    record_a BIGINT NOT NULL REFERENCES records (id),
    record_b BIGINT NOT NULL REFERENCES records (id),
    score DOUBLE PRECISION NOT NULL,
    rule TEXT NOT NULL,
    status TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (stream_id, record_a, record_b)
);
CREATE INDEX dedup_queue_stream ON dedup_queue (stream_id, status);
