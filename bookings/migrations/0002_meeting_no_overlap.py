"""No two active meetings overlap in one room: a PostgreSQL exclusion constraint.

Created here rather than in Meta.constraints because Django runs Meta.constraints during model
validation, which would send PostgreSQL-only SQL to SQLite. On SQLite the same predicate
(MeetingQuerySet.occupying) runs inside an IMMEDIATE transaction instead.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE bookings_meeting ADD CONSTRAINT meeting_room_no_overlap EXCLUDE USING gist (
    room_id WITH =,
    tstzrange(occupied_from, occupied_until, '[)') WITH &&
) WHERE (status <> 'cancelled');
"""
DROP = "ALTER TABLE bookings_meeting DROP CONSTRAINT IF EXISTS meeting_room_no_overlap;"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
