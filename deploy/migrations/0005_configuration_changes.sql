-- Every change made through the administration RPCs (PutQueue, PutSkill, PutAgentProfile), written
-- before the change is applied: at start the server applies them, in version order, on top of the
-- configuration file, so run-time changes survive a restart and versions never repeat.
-- before and after hold the changed item (a ConfigurationItem of routing_state.proto) as JSON with
-- the proto's field names; before is null when the change created the item.
CREATE TABLE configuration_changes (
    domain_id  text        NOT NULL,
    version    bigint      NOT NULL,
    changed_at timestamptz NOT NULL,
    kind       text        NOT NULL CHECK (kind IN ('queue', 'skill', 'agent_profile')),
    subject    text        NOT NULL,
    before     jsonb,
    after      jsonb       NOT NULL,
    PRIMARY KEY (domain_id, version)
);
