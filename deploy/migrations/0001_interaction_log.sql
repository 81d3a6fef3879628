-- The interaction log: one row per interaction, every call event, every agent state
-- change, every routing decision. Every table has a natural key, so the writer can
-- replay a batch it is unsure of (INSERT ... ON CONFLICT) without making a second row.

-- One row per interaction (a call, for its whole life across queues, transfers and callbacks).
-- Filled in piece by piece as the call goes on; the writer merges each piece into the row.
CREATE TABLE interactions (
    call_id               text        PRIMARY KEY,
    -- The highest call-event sequence merged so far: a piece older than that cannot
    -- overwrite what a newer one said (queue, agent, outcome).
    last_sequence         bigint      NOT NULL DEFAULT 0,
    gateway_id            text,
    caller                text,
    customer_id           text,
    tier                  text,
    queue_id              text,
    required_skills       text[],
    preferred_agent_id    text,
    emergency             boolean,
    arrived_at            timestamptz,
    queued_at             timestamptz,
    first_offered_at      timestamptz,
    answered_at           timestamptz,
    ended_at              timestamptz,
    wrap_up_ended_at      timestamptz,
    -- Durations follow from the times, so they can never disagree with them.
    wait_time             interval    GENERATED ALWAYS AS (COALESCE(answered_at, ended_at) - arrived_at) STORED,
    talk_time             interval    GENERATED ALWAYS AS (ended_at - answered_at) STORED,
    wrap_up_time          interval    GENERATED ALWAYS AS (wrap_up_ended_at - ended_at) STORED,
    outcome               text,
    agent_id              text,
    disposition_code      text,
    notes                 text,
    satisfaction_score    smallint,
    complaint             boolean,
    callback_requested_at timestamptz,
    linked_call_id        text,
    link_kind             text,
    updated_at            timestamptz NOT NULL DEFAULT now()
)
-- A row is updated several times in its first minutes; room on its page lets PostgreSQL
-- update it in place (a HOT update) as long as no indexed column changes.
WITH (fillfactor = 70);

-- Only what never changes after arrival is indexed, for the same reason; reports that need
-- more add their indexes in later migrations.
CREATE INDEX interactions_arrived_at ON interactions (arrived_at);

-- Every event of every call, in the call's own order (1, 2, 3, ... with no gaps).
CREATE TABLE call_events (
    call_id      text        NOT NULL,
    sequence     bigint      NOT NULL,
    occurred_at  timestamptz NOT NULL,
    kind         text        NOT NULL,
    queue_id     text,
    agent_id     text,
    epoch        bigint,
    -- What else the event says (reason, position, estimated wait, ...), when it says more.
    detail       jsonb,
    PRIMARY KEY (call_id, sequence)
);

CREATE INDEX call_events_occurred_at ON call_events USING brin (occurred_at);

-- Every change of an agent's status, with why; numbered in the agent's own order.
CREATE TABLE agent_state_changes (
    agent_id     text        NOT NULL,
    sequence     bigint      NOT NULL,
    changed_at   timestamptz NOT NULL,
    from_status  text        NOT NULL,
    to_status    text        NOT NULL,
    reason       text        NOT NULL,
    call_id      text,
    PRIMARY KEY (agent_id, sequence)
);

CREATE INDEX agent_state_changes_changed_at ON agent_state_changes USING brin (changed_at);

-- Every offer the routing engine decided, with what explains it: the rule and its step,
-- the candidates it weighed with their scores, the tie-break, the configuration version.
-- The epoch is the dispatcher's fencing token, unique within its routing domain.
CREATE TABLE routing_decisions (
    call_id               text        NOT NULL,
    epoch                 bigint      NOT NULL,
    decided_at            timestamptz NOT NULL,
    queue_id              text        NOT NULL,
    agent_id              text        NOT NULL,
    rule                  text        NOT NULL,
    relaxation_step       integer     NOT NULL,
    waited                interval    NOT NULL,
    configuration_version bigint      NOT NULL,
    candidates            jsonb,
    tie_break             text,
    PRIMARY KEY (call_id, epoch)
);

CREATE INDEX routing_decisions_decided_at ON routing_decisions USING brin (decided_at);
