-- Fencing of a routing domain's writes by its incarnation (docs/architecture.md, "The cluster").
-- The log's writer calls this in every batch's transaction with the incarnations its records are
-- of. It holds the domains' rows shared until the commit, so a domain starting elsewhere (which
-- increments its row) waits for the batch to commit and then recovers from it; and it refuses the
-- batch when a later incarnation has already started, so a node cut off from its cluster cannot add
-- to a journal that was already recovered from.
CREATE FUNCTION log_fence(domains text[], incarnations bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    stale record;
BEGIN
    PERFORM 1 FROM routing_domains WHERE domain_id = ANY (domains) ORDER BY domain_id FOR SHARE;
    SELECT d.domain_id, d.incarnation, f.incarnation AS writer INTO stale
    FROM routing_domains d
    JOIN unnest(domains, incarnations) AS f (domain_id, incarnation) ON f.domain_id = d.domain_id
    WHERE d.incarnation > f.incarnation
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'routing domain % runs elsewhere now: incarnation % started after this one (%); its writes here are refused',
            stale.domain_id, stale.incarnation, stale.writer
            USING ERRCODE = 'CCF01';
    END IF;
END;
$$;
