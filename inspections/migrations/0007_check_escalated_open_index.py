# The hotline board's escalated open checks, on an index (issue 10: scale figures).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0006_office_requests"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="check",
            index=models.Index(
                condition=models.Q(("escalated_at__isnull", False), ("status", "notified")),
                fields=["due_at"],
                name="check_escalated_open_idx",
            ),
        ),
    ]
