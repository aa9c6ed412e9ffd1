"""Meetings booked before the checks existed get their three checks, so that invariant 4 holds
on a database that was already in use. Checks whose time has passed are recorded as done by
the system with a note saying so: they were not performed here, and must not be swept now."""

from datetime import timedelta

from django.db import migrations
from django.utils import timezone

LEAD_MINUTES = {1: 120, 2: 60, 3: 30}
NOTE = "检查制度上线前的会议：由系统补建，未在系统中执行。"


def backfill(apps, schema_editor):
    Meeting = apps.get_model("bookings", "Meeting")
    Check = apps.get_model("inspections", "Check")
    now = timezone.now()
    have = set(Check.objects.values_list("meeting_id", flat=True).distinct())
    new = []
    for meeting in Meeting.objects.exclude(status="cancelled").only("pk", "start").iterator():
        if meeting.pk in have:
            continue
        for level, minutes in LEAD_MINUTES.items():
            due = meeting.start - timedelta(minutes=minutes)
            past = due <= now
            new.append(
                Check(
                    meeting_id=meeting.pk,
                    level=level,
                    due_at=due,
                    status="done" if past else "pending",
                    result="ok" if past else "",
                    done_at=now if past else None,
                    note=NOTE if past else "",
                )
            )
    Check.objects.bulk_create(new, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("inspections", "0002_checklist_templates"), ("bookings", "0005_default_rules_and_packages")]
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
