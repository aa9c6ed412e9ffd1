"""The four buildings of the complex and the equipment catalogue: facts of the place."""

from django.db import migrations

BUILDINGS = [
    ("main", "主楼", "Main building", 1),
    ("east", "东楼", "East building", 2),
    ("west", "西楼", "West building", 3),
    ("conference", "会议大厦", "Conference building", 4),
]
EQUIPMENT = [
    ("projector", "投影仪"),
    ("led_screen", "LED屏"),
    ("microphones", "话筒"),
    ("video_conference", "视频会议"),
    ("recording", "录音录像"),
    ("interpretation", "同声传译"),
]


def load(apps, schema_editor):
    Building = apps.get_model("bookings", "Building")
    Equipment = apps.get_model("bookings", "Equipment")
    for code, name, name_en, order in BUILDINGS:
        Building.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "sort_order": order}
        )
    for code, name in EQUIPMENT:
        Equipment.objects.update_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("bookings", "0002_meeting_no_overlap")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
