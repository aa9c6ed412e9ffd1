"""A person never holds two overlapping duties: a PostgreSQL exclusion constraint.

A group leader's lead duties are exempt (up to three concurrent meetings in one building; the
duty validator enforces that limit); on SQLite the validator's shared predicate is the guard.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE staffing_duty ADD CONSTRAINT duty_staff_no_overlap EXCLUDE USING gist (
    staff_id WITH =,
    tstzrange(start, "end", '[)') WITH &&
) WHERE (status <> 'released' AND role <> 'lead');
"""
DROP = "ALTER TABLE staffing_duty DROP CONSTRAINT IF EXISTS duty_staff_no_overlap;"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("staffing", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
