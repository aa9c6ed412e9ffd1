"""The default checklist (品质检查表) with the five items of the service plan. The texts are
stored in Chinese because they are data: the supervisor edits them in the admin."""

from django.db import migrations

NAME = "品质检查表"
ITEMS = [
    (1, "仪容仪表、着装规范", 2),
    (2, "准时到岗", 2),
    (3, "会场准备", 2),
    (4, "茶水服务", 1),
    (5, "清洁卫生", 2),
]


def seed(apps, schema_editor):
    InspectionTemplate = apps.get_model("quality", "InspectionTemplate")
    TemplateItem = apps.get_model("quality", "TemplateItem")
    if InspectionTemplate.objects.filter(name=NAME).exists():
        return
    template = InspectionTemplate.objects.create(name=NAME, applies_to="both", active=True)
    TemplateItem.objects.bulk_create(
        [
            TemplateItem(template=template, position=position, text=text, weight=weight)
            for position, text, weight in ITEMS
        ]
    )


def unseed(apps, schema_editor):
    InspectionTemplate = apps.get_model("quality", "InspectionTemplate")
    InspectionTemplate.objects.filter(name=NAME, inspections__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("quality", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
