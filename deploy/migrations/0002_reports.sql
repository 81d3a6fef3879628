-- Reports over the interaction log: the indexes the report queries need and views a person
-- can query with psql. The server's reports (service Reports) read the same views, so a figure
-- computed by hand from a view is the figure the server gives.
--
-- Every report selects interactions by arrival (arrived_at >= from AND arrived_at < to), which
-- the index of 0001 serves. interactions keeps its indexes on columns that are set at arrival
-- and rarely change: an index on agent_id or ended_at would turn the row's updates at answer
-- and at end into non-HOT updates on the log's hot write path.

-- One queue over a range (queue_id is set at arrival and changes only on overflow or a
-- failed transfer).
CREATE INDEX interactions_queue_arrived_at ON interactions (queue_id, arrived_at);

-- Late callbacks: few events among many, found by when they were flagged. call_events is
-- never updated, so a partial index costs only its inserts.
CREATE INDEX call_events_callback_late ON call_events (occurred_at) WHERE kind = 'CallbackLate';

-- One row per interaction with what the reports derive from it. Times in seconds; whether a
-- wait is within a service-level threshold is left to the query (wait_seconds <= 15), since
-- the threshold is a choice of the reader.
CREATE VIEW report_interactions AS
SELECT
    call_id,
    arrived_at,
    queue_id,
    tier,
    agent_id,
    outcome,
    answered_at,
    ended_at,
    -- Until answered, or until the caller hung up or the call was refused.
    EXTRACT(EPOCH FROM wait_time)::double precision    AS wait_seconds,
    EXTRACT(EPOCH FROM talk_time)::double precision    AS talk_seconds,
    -- Null when no wrap-up end was recorded (a wrap-up that ended without a disposition).
    EXTRACT(EPOCH FROM wrap_up_time)::double precision AS wrap_up_seconds,
    outcome = 'Answered'                                                    AS answered,
    outcome IN ('AbandonedWhileWaiting', 'AbandonedWhileRinging')           AS abandoned,
    -- Calls an agent talked on to the end: answered calls and completed callbacks.
    outcome IN ('Answered', 'CallbackCompleted')                            AS handled,
    outcome IS NULL                                                         AS in_progress,
    disposition_code,
    satisfaction_score,
    COALESCE(complaint, false)                                              AS complaint,
    customer_id,
    caller
FROM interactions;

-- Every time a callback was flagged late, with the call it belongs to. "reached_at" is when an
-- agent reached the customer, once the callback completed.
CREATE VIEW report_late_callbacks AS
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
    END                                                           AS reached_late_by_seconds
FROM call_events e
LEFT JOIN interactions i ON i.call_id = e.call_id
WHERE e.kind = 'CallbackLate';
