-- The first schema: each record as JSON (its pydantic model), beside the columns that find it.
-- `seq` keeps the order records were first stored in, which lists return.

CREATE TABLE teams (
    id text PRIMARY KEY,
    seq bigserial NOT NULL,
    organisation_id text,
    active boolean NOT NULL,
    doc jsonb NOT NULL
);
CREATE INDEX teams_order ON teams (seq);

CREATE TABLE briefings (
    id text PRIMARY KEY,
    status text NOT NULL,
    uploaded_at timestamptz NOT NULL,
    doc jsonb NOT NULL
);

CREATE TABLE discussions (
    id text PRIMARY KEY,
    seq bigserial NOT NULL,
    briefing_id text NOT NULL,
    team_id text NOT NULL,
    doc jsonb NOT NULL
);
CREATE INDEX discussions_of_briefing ON discussions (briefing_id, seq);
CREATE INDEX discussions_of_team ON discussions (team_id, seq);

-- A response's id derives from the activity's idempotency key: a resend to any replica stores nothing twice.
CREATE TABLE responses (
    id text PRIMARY KEY,
    seq bigserial NOT NULL,
    discussion_id text NOT NULL,
    question_id text NOT NULL,
    created_at timestamptz NOT NULL,
    active boolean NOT NULL,
    doc jsonb NOT NULL
);
CREATE INDEX responses_of_discussion ON responses (discussion_id, seq);
CREATE INDEX responses_by_age ON responses (created_at);

CREATE TABLE minutes (
    discussion_id text PRIMARY KEY,
    compiled_at timestamptz NOT NULL,
    doc jsonb NOT NULL
);
CREATE INDEX minutes_by_age ON minutes (compiled_at);

CREATE TABLE actions (
    id text PRIMARY KEY,
    seq bigserial NOT NULL,
    discussion_id text NOT NULL,
    briefing_id text NOT NULL,
    organisation_id text NOT NULL,
    due date NOT NULL,
    to_follow_up boolean NOT NULL,  -- open and not reminded yet
    last_needed_at timestamptz NOT NULL,
    doc jsonb NOT NULL
);
CREATE INDEX actions_of_discussion ON actions (discussion_id, seq);
CREATE INDEX actions_of_briefing ON actions (briefing_id, seq);
CREATE INDEX actions_of_organisation ON actions (organisation_id, seq);
CREATE INDEX actions_to_follow_up ON actions (due, seq) WHERE to_follow_up;
CREATE INDEX actions_by_age ON actions (last_needed_at);

CREATE TABLE meta (
    key text PRIMARY KEY,
    value jsonb NOT NULL
);

CREATE TABLE audit (
    seq bigserial PRIMARY KEY,
    entry jsonb NOT NULL
);

-- due_at: the next attempt, or the end of a claim's lease if later (Delivery.due_at).
CREATE TABLE outbox (
    id text PRIMARY KEY,
    grp text NOT NULL,
    kind text NOT NULL,
    status text NOT NULL,
    due_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    doc jsonb NOT NULL
);
CREATE INDEX outbox_due ON outbox (due_at, created_at) WHERE status = 'pending';
CREATE INDEX outbox_of_group ON outbox (grp, created_at);
CREATE INDEX outbox_by_status ON outbox (status, created_at);
