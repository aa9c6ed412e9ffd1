"""The plan's checklist items (三级检查及确认制度 and the small-meeting routine), editable in the
admin. The small-meeting routine is the level-1/2 checklist of a small (C) meeting."""

from django.db import migrations

ITEMS = [
    # (check level, service levels, text)
    (1, "ABC", "会议安排与预订一致（时间、会场、人数、召集领导）"),
    (1, "ABC", "主办单位确认会议按计划召开，无变更"),
    (1, "C", "服务员已提前30分钟到岗，着工装、佩戴工牌"),
    (1, "C", "灯光、空调、音视频设备已检查，故障已报修"),
    (1, "C", "桌椅已擦拭，会场整洁"),
    (1, "C", "消毒茶杯、茶叶、开水已备好"),
    (1, "AB", "会场布置符合要求（台型、会标、名牌、花卉）"),
    (1, "AB", "服务人员分工已落实"),
    (2, "ABC", "一级检查已完成且无遗留问题"),
    (2, "ABC", "工作安排已落实，人员已到岗"),
    (2, "C", "会前15分钟服务员在门口迎候"),
    (2, "ABC", "会场卫生、物品准备到位"),
    (2, "AB", "音视频、灯光、空调运行正常"),
    (3, "ABC", "一、二级检查均已完成"),
    (3, "ABC", "各部门服务单均已准备到位"),
    (3, "AB", "安保、停车及来宾引导已协调"),
]


def load(apps, schema_editor):
    ChecklistItem = apps.get_model("inspections", "ChecklistItem")
    if ChecklistItem.objects.exists():
        return
    for position, (level, service_levels, text) in enumerate(ITEMS, start=1):
        ChecklistItem.objects.create(
            check_level=level, service_levels=service_levels, position=position, text=text
        )


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
