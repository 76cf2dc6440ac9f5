-- Replicas sharing the database say they are alive; each takes its share of Teams' rate limits.
CREATE TABLE replicas (
    id text PRIMARY KEY,
    seen_at timestamptz NOT NULL
);

-- The replica whose claim on a delivery (its lease) is under way: a replica that stops saying it is
-- alive has its claims voided by the others, which send those deliveries (at least once) long
-- before the lease would end.
ALTER TABLE outbox ADD COLUMN claimed_by text;
CREATE INDEX outbox_claimed ON outbox (claimed_by) WHERE claimed_by IS NOT NULL;

-- An audit entry copied from an embedded store (learning-bot migrate) names its place there, so a
-- copy run again adds it once.
ALTER TABLE audit ADD COLUMN source_id text;
CREATE UNIQUE INDEX audit_copied ON audit (source_id);
