-- stancewatch warehouse, schema version 1.
-- Tables hold the facts; the analyst-facing names (articles, mentions, article_stances,
-- runs, failures) are views or tables documented in warehouse/README.md.

CREATE TABLE runs (
    run_id             VARCHAR PRIMARY KEY,
    flow               VARCHAR NOT NULL,          -- daily | backfill | reclassify
    started_at         TIMESTAMPTZ NOT NULL,
    finished_at        TIMESTAMPTZ,
    status             VARCHAR NOT NULL,          -- running | completed | failed
    feeds_ok           INTEGER DEFAULT 0,
    feeds_failed       INTEGER DEFAULT 0,
    feeds_not_modified INTEGER DEFAULT 0,
    articles_seen      INTEGER DEFAULT 0,
    articles_new       INTEGER DEFAULT 0,
    duplicates         INTEGER DEFAULT 0,
    failures           INTEGER DEFAULT 0,
    mentions_new       INTEGER DEFAULT 0,
    http_requests      INTEGER DEFAULT 0,
    http_not_modified  INTEGER DEFAULT 0,
    model_version      VARCHAR,
    fetch_seconds      DOUBLE DEFAULT 0,
    extract_seconds    DOUBLE DEFAULT 0,
    classify_seconds   DOUBLE DEFAULT 0,
    store_seconds      DOUBLE DEFAULT 0,
    error              VARCHAR
);

CREATE TABLE failures (
    run_id      VARCHAR NOT NULL,
    url         VARCHAR NOT NULL,
    stage       VARCHAR NOT NULL,                 -- feed | robots | fetch | extract | classify | store
    error       VARCHAR NOT NULL,
    feed_url    VARCHAR,
    occurred_at TIMESTAMPTZ NOT NULL
);

-- Conditional-GET state per feed, written only after the feed's items are stored,
-- so a crash never hides unprocessed items behind a 304.
CREATE TABLE feed_state (
    feed_url        VARCHAR PRIMARY KEY,
    etag            VARCHAR,
    last_modified   VARCHAR,
    last_status     VARCHAR,
    last_checked_at TIMESTAMPTZ
);

CREATE TABLE stored_articles (
    article_id    VARCHAR PRIMARY KEY,            -- first 16 hex of sha256(canonical url)
    url           VARCHAR NOT NULL UNIQUE,        -- canonical URL
    source        VARCHAR NOT NULL,               -- outlet: site name, else domain
    domain        VARCHAR NOT NULL,
    title         VARCHAR,
    author        VARCHAR,
    published_at  TIMESTAMPTZ,
    language      VARCHAR,
    text          VARCHAR NOT NULL,
    content_hash  VARCHAR NOT NULL,
    simhash       BIGINT NOT NULL,
    duplicate_of  VARCHAR,                        -- article_id of the original, for copies
    feed_url      VARCHAR,
    fetched_at    TIMESTAMPTZ NOT NULL,
    run_id        VARCHAR NOT NULL
);

-- Every URL spelling that led to an article (feed links with tracking, redirects).
CREATE TABLE url_aliases (
    url        VARCHAR PRIMARY KEY,
    article_id VARCHAR NOT NULL
);

CREATE TABLE sentences (
    article_id     VARCHAR NOT NULL,
    sentence_index INTEGER NOT NULL,
    sentence       VARCHAR NOT NULL,
    PRIMARY KEY (article_id, sentence_index)
);

-- Only sentences judged on topic (stance <> 'none') are kept.
CREATE TABLE sentence_stances (
    article_id     VARCHAR NOT NULL,
    sentence_index INTEGER NOT NULL,
    topic          VARCHAR NOT NULL,
    stance         VARCHAR NOT NULL,
    confidence     DOUBLE NOT NULL,
    actor          VARCHAR,
    actor_group    VARCHAR,
    model_version  VARCHAR NOT NULL,
    PRIMARY KEY (article_id, sentence_index, topic)
);

CREATE TABLE article_topic_stances (
    article_id    VARCHAR NOT NULL,
    topic         VARCHAR NOT NULL,
    stance        VARCHAR NOT NULL,               -- favor | against | neutral | mixed
    confidence    DOUBLE NOT NULL,
    mentions      INTEGER NOT NULL,
    model_version VARCHAR NOT NULL,
    PRIMARY KEY (article_id, topic)
);
