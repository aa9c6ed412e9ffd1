"""Default staffing rules (editable in the admin): one lead; attendants by attendee count; the
hostesses ordered; an audio operator when audio-visual service is ordered, or for level A."""

from django.db import migrations

RULES = [
    {"role": "lead", "levels": "ABC", "fixed": 1},
    {"role": "attendant", "levels": "ABC", "attendees_per_person": 20},
    {"role": "hostess", "levels": "ABC", "count_from_order": "hostesses"},
    {"role": "audio", "levels": "ABC", "fixed": 1, "only_if_av": True},
    {"role": "audio", "levels": "A", "fixed": 1},
]


def load(apps, schema_editor):
    StaffingRule = apps.get_model("staffing", "StaffingRule")
    if StaffingRule.objects.exists():
        return
    for rule in RULES:
        StaffingRule.objects.create(**rule)


class Migration(migrations.Migration):
    dependencies = [("staffing", "0002_duty_no_overlap")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
