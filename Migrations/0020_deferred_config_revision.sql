-- A configuration change bumps its tenant's revision and writes the outbox row at COMMIT
-- instead of at the changed row: the tenant's row is then locked only while the transaction
-- commits, not from its first write to the end of its fsync, so writes to one tenant no longer
-- queue behind each other's round trips (issue 15). The revision still moves in the same
-- transaction as the change, once per transaction (`config_changed` keeps its txid check), and
-- nothing reads it back before committing.
DO $$
DECLARE
    tbl text;
BEGIN
    FOREACH tbl IN ARRAY ARRAY['extensions', 'rules', 'intervals', 'voicemail_settings', 'recording_settings', 'public_numbers',
                               'extension_groups', 'extension_group_members', 'queues', 'ivr_contexts', 'ivr_options',
                               'call_flows'] LOOP
        EXECUTE format('DROP TRIGGER config_changed ON %I', tbl);
        EXECUTE format('CREATE CONSTRAINT TRIGGER config_changed AFTER INSERT OR UPDATE OR DELETE ON %I '
                       'DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION config_changed()', tbl);
    END LOOP;
END $$;

DROP TRIGGER config_changed ON queue_agents;
CREATE CONSTRAINT TRIGGER config_changed AFTER INSERT OR DELETE ON queue_agents
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION config_changed();
DROP TRIGGER config_changed_settings ON queue_agents;
CREATE CONSTRAINT TRIGGER config_changed_settings AFTER UPDATE OF penalty, supervisor, pin_sha1 ON queue_agents
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN ((OLD.penalty, OLD.supervisor, OLD.pin_sha1) IS DISTINCT FROM (NEW.penalty, NEW.supervisor, NEW.pin_sha1))
    EXECUTE FUNCTION config_changed();

DROP TRIGGER config_changed ON tenants;
CREATE CONSTRAINT TRIGGER config_changed AFTER UPDATE OF status, timezone, language ON tenants
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.timezone IS DISTINCT FROM NEW.timezone
                       OR OLD.language IS DISTINCT FROM NEW.language)
    EXECUTE FUNCTION config_changed();
DROP TRIGGER config_changed_caller_ids ON tenants;
CREATE CONSTRAINT TRIGGER config_changed_caller_ids AFTER UPDATE OF outgoing_caller_ids ON tenants
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.outgoing_caller_ids IS DISTINCT FROM NEW.outgoing_caller_ids)
    EXECUTE FUNCTION config_changed();

DROP TRIGGER config_changed ON users;
CREATE CONSTRAINT TRIGGER config_changed AFTER UPDATE OF first_name, last_name, email, phone_language ON users
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.tenant_id IS NOT NULL AND (OLD.first_name, OLD.last_name, OLD.email, OLD.phone_language)
                       IS DISTINCT FROM (NEW.first_name, NEW.last_name, NEW.email, NEW.phone_language))
    EXECUTE FUNCTION config_changed();
