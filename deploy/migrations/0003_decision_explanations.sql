-- What each routing decision was weighed against, from the engine's trace of the offer
-- (README, "Interaction log", "Why did this call go to this agent (or wait)?"). The columns
-- candidates and tie_break of 0001 are filled from now on; rows written before stay empty.
--
--   chose       'agent': the call (arriving, or back in line) took the first of its idle suitable
--               agents in the queue's selection order; 'call': an agent becoming free took the
--               best of the calls waiting in the lines it serves (or of those waiting for it by name).
--   considered  how many candidates that order held.
--   runner_up   the candidate that would have been chosen without the winner (an agent's id or a
--               call's id, by chose); null when there was none. Every other candidate ranked after it.
--   candidates  the chosen one and the runner-up, with the parts of their keys (JSON array).
--   tie_break   the first part of the order in which they differed: by-name, band, wait,
--               queue-priority, arrival-order (calls); proficiency, calls-today, idle-time,
--               login-order (agents); only-candidate.
--
-- Nullable columns without a default: adding them rewrites nothing.
ALTER TABLE routing_decisions
    ADD COLUMN chose      text,
    ADD COLUMN considered integer,
    ADD COLUMN runner_up  text;
