-- What a routing domain is rebuilt from after a restart (docs/architecture.md, "Surviving a
-- restart"). The call events of 0001 are the calls' journal; what they do not hold is here.

-- One row per routing domain: its incarnation goes up by one at every start, and the epochs of
-- its offers start at incarnation * 2^40, so no two starts ever give the same epoch.
CREATE TABLE routing_domains (
    domain_id   text        PRIMARY KEY,
    incarnation bigint      NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now()
);

-- Every agent's last state, and what its actor keeps beside it, written with every change in the
-- same commit as the change's row in agent_state_changes. The version counts the agent's changes,
-- so a checkpoint replayed late never overwrites a newer one.
CREATE TABLE agent_checkpoints (
    agent_id   text        PRIMARY KEY,
    version    bigint      NOT NULL,
    checkpoint jsonb       NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every gateway event accepted, in the commit that made its effect durable: a gateway resending
-- an event after a restart is told it is a duplicate. Kept for the resend window, then deleted.
CREATE TABLE gateway_events (
    gateway_id  text        NOT NULL,
    event_id    text        NOT NULL,
    accepted_at timestamptz NOT NULL,
    PRIMARY KEY (gateway_id, event_id)
);

CREATE INDEX gateway_events_accepted_at ON gateway_events USING brin (accepted_at);

-- The calls still open (no outcome yet), found at start without reading every interaction. An
-- interaction leaves the index once at its end.
CREATE INDEX interactions_open ON interactions (call_id) WHERE outcome IS NULL;
