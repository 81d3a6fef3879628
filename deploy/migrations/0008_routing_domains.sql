-- Every row of the log names the routing domain it belongs to (a contact centre, a tenant, a
-- region's hotline). Rows written before domains existed belong to the default domain, which is
-- the only one of a single-centre setup. Call, agent and gateway ids stay unique across domains
-- (a SIP Call-ID is), so the keys do not change.
ALTER TABLE interactions        ADD COLUMN domain_id text NOT NULL DEFAULT 'default';
ALTER TABLE call_events         ADD COLUMN domain_id text NOT NULL DEFAULT 'default';
ALTER TABLE agent_state_changes ADD COLUMN domain_id text NOT NULL DEFAULT 'default';
ALTER TABLE routing_decisions   ADD COLUMN domain_id text NOT NULL DEFAULT 'default';
ALTER TABLE agent_checkpoints   ADD COLUMN domain_id text NOT NULL DEFAULT 'default';
ALTER TABLE gateway_events      ADD COLUMN domain_id text NOT NULL DEFAULT 'default';

-- A domain's recovery reads its own open calls and agents.
DROP INDEX interactions_open;
CREATE INDEX interactions_open ON interactions (domain_id, call_id) WHERE outcome IS NULL;
CREATE INDEX agent_checkpoints_domain ON agent_checkpoints (domain_id, agent_id, version);

-- Reports are per domain.
CREATE INDEX interactions_domain_arrived_at ON interactions (domain_id, arrived_at);

CREATE OR REPLACE VIEW report_interactions AS
SELECT
    call_id,
    arrived_at,
    queue_id,
    tier,
    agent_id,
    outcome,
    answered_at,
    ended_at,
    EXTRACT(EPOCH FROM wait_time)::double precision    AS wait_seconds,
    EXTRACT(EPOCH FROM talk_time)::double precision    AS talk_seconds,
    EXTRACT(EPOCH FROM wrap_up_time)::double precision AS wrap_up_seconds,
    outcome = 'Answered'                                                    AS answered,
    outcome IN ('AbandonedWhileWaiting', 'AbandonedWhileRinging')           AS abandoned,
    outcome IN ('Answered', 'CallbackCompleted')                            AS handled,
    outcome IS NULL                                                         AS in_progress,
    disposition_code,
    satisfaction_score,
    COALESCE(complaint, false)                                              AS complaint,
    customer_id,
    caller,
    domain_id
FROM interactions;

CREATE OR REPLACE VIEW report_late_callbacks AS
SELECT
    e.call_id,
    e.occurred_at                                                 AS flagged_at,
    (e.detail ->> 'dueAt')::timestamptz                           AS due_at,
    (e.detail ->> 'latenessSeconds')::double precision            AS lateness_seconds_when_flagged,
    i.queue_id,
    i.customer_id,
    i.caller,
    i.outcome,
    CASE WHEN i.outcome = 'CallbackCompleted' THEN i.answered_at END AS reached_at,
    CASE WHEN i.outcome = 'CallbackCompleted'
         THEN EXTRACT(EPOCH FROM i.answered_at - (e.detail ->> 'dueAt')::timestamptz)::double precision
    END                                                           AS reached_late_by_seconds,
    e.domain_id
FROM call_events e
LEFT JOIN interactions i ON i.call_id = e.call_id
WHERE e.kind = 'CallbackLate';
