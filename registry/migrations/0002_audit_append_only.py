from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION registry_audit_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % of entry % refused', TG_OP, OLD.id
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER registry_auditentry_append_only
    BEFORE UPDATE OR DELETE ON registry_auditentry
    FOR EACH ROW EXECUTE FUNCTION registry_audit_refuse_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS registry_auditentry_append_only ON registry_auditentry;
DROP FUNCTION IF EXISTS registry_audit_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
