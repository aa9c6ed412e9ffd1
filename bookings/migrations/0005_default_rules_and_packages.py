"""Default sizing rules and service packages; both stay editable in the admin."""

from django.db import migrations

# (position, min_leader_rank, min_attendees, level, reason)
RULES = [
    (10, "district", None, "A", "区级领导召集"),
    (20, "", 100, "A", "参会100人以上"),
    (30, "bureau", None, "B", "局级领导召集"),
    (40, "", 30, "B", "参会30人以上"),
    (50, "", None, "C", "常规会议"),
]

# level -> [(kind, quantity, details)]
PACKAGES = {
    "A": [
        ("banner", 1, {"text": ""}),
        ("name_plates", 0, {"plates": []}),
        ("layout", 1, {}),
        ("flowers", 2, {}),
        ("hostesses", 4, {}),
        ("tea", 1, {"tea": True, "water": True, "fruit": True, "towels": True}),
        (
            "audio_visual",
            1,
            {
                "operator": True,
                "recording": True,
                "video_conference": False,
                "interpretation": False,
            },
        ),
        ("lighting_ac", 1, {}),
        ("parking_access", 0, {"vehicles": 0, "guests": ""}),
    ],
    "B": [
        ("banner", 1, {"text": ""}),
        ("name_plates", 0, {"plates": []}),
        ("layout", 1, {}),
        ("flowers", 1, {}),
        ("tea", 1, {"tea": True, "water": True, "fruit": False, "towels": True}),
        (
            "audio_visual",
            1,
            {
                "operator": True,
                "recording": False,
                "video_conference": False,
                "interpretation": False,
            },
        ),
        ("lighting_ac", 1, {}),
    ],
    "C": [
        ("layout", 1, {}),
        ("tea", 1, {"tea": True, "water": True, "fruit": False, "towels": False}),
    ],
}


def load(apps, schema_editor):
    SizingRule = apps.get_model("bookings", "SizingRule")
    PackageItem = apps.get_model("bookings", "PackageItem")
    for position, rank, attendees, level, reason in RULES:
        SizingRule.objects.get_or_create(
            position=position,
            defaults={
                "min_leader_rank": rank,
                "min_attendees": attendees,
                "level": level,
                "reason": reason,
            },
        )
    for level, items in PACKAGES.items():
        for kind, quantity, details in items:
            PackageItem.objects.get_or_create(
                level=level, kind=kind, defaults={"quantity": quantity, "details": details}
            )


class Migration(migrations.Migration):
    dependencies = [("bookings", "0004_sizing_orders_series")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
