"""Checklists and completing a check: every item ticked or noted, the levels in order, level 3
waits for the departments, problems open incidents."""

import datetime as dt

import pytest

from bookings import orders
from bookings.models import OrderKind, OrderStatus
from core.models import AuditEntry
from inspections.checklists import items_for
from inspections.errors import CheckError
from inspections.models import Check, ChecklistItem, CheckResult, CheckStatus, Incident
from inspections.services import complete_check
from tests.conftest import NOW


def check_of(meeting, level) -> Check:
    return Check.objects.get(meeting=meeting, level=level)


def all_ticked(check, **notes) -> list[dict]:
    return [
        {"text": item["text"], "ok": True, "note": notes.get(item["text"], "")}
        for item in items_for(check)
    ]


def complete(meeting, level, by, **kwargs):
    check = check_of(meeting, level)
    return complete_check(check, by=by, items=kwargs.pop("items", all_ticked(check)), **kwargs)


def an_order(meeting, clerk):
    """The meeting's tea order (from its level's package, or added)."""
    existing = meeting.orders.filter(kind=OrderKind.TEA).first()
    if existing:
        return existing
    return orders.add_order(meeting, by=clerk, kind=OrderKind.TEA, quantity=12, now=NOW)


@pytest.fixture
def meeting(book):
    return book()


def test_the_items_come_from_the_templates_of_the_level_and_service_level(meeting):
    check = check_of(meeting, 1)
    expected = [
        i.text
        for i in ChecklistItem.objects.filter(check_level=1, active=True)
        if i.applies_to(meeting.level)
    ]

    assert [i["text"] for i in items_for(check)] == expected
    assert expected  # the migration seeded the plan's items


def test_an_inactive_template_item_is_not_asked(meeting):
    first = ChecklistItem.objects.filter(check_level=1).first()
    first.active = False
    first.save()

    assert first.text not in [i["text"] for i in items_for(check_of(meeting, 1))]


def test_a_check_with_every_item_ticked_passes(meeting, clerk):
    check = complete(meeting, 1, clerk, now=NOW)

    assert check.status == CheckStatus.DONE
    assert check.result == CheckResult.OK
    assert check.done_by == clerk and check.done_at == NOW
    assert len(check.item_results) == len(items_for(check))
    assert AuditEntry.objects.filter(action="check_done", to_state="done").count() == 1
    assert not Incident.objects.exists()


def test_an_item_neither_ticked_nor_noted_is_refused(meeting, clerk):
    check = check_of(meeting, 1)
    items = all_ticked(check)
    items[0]["ok"] = False

    with pytest.raises(CheckError) as refused:
        complete_check(check, by=clerk, items=items, now=NOW)

    assert refused.value.code == "incomplete"
    assert "items" in refused.value.fields
    check.refresh_from_db()
    assert check.status == CheckStatus.PENDING


def test_an_unknown_item_is_refused(meeting, clerk):
    check = check_of(meeting, 1)
    items = [*all_ticked(check), {"text": "不存在的项目", "ok": True, "note": ""}]

    with pytest.raises(CheckError):
        complete_check(check, by=clerk, items=items, now=NOW)


def test_an_unticked_item_with_a_note_passes_and_opens_an_incident(meeting, clerk):
    check = check_of(meeting, 1)
    items = all_ticked(check)
    items[0].update(ok=False, note="投影仪不亮")

    check = complete_check(check, by=clerk, items=items, now=NOW)

    assert check.status == CheckStatus.DONE
    assert check.result == CheckResult.PROBLEM
    [incident] = Incident.objects.all()
    assert incident.found_by_check == check
    assert incident.meeting == meeting and incident.room == meeting.room
    assert incident.category == "other"
    assert "投影仪不亮" in incident.description
    assert incident.reported_by == clerk and incident.is_open


def test_a_problem_found_by_a_check_reaches_the_hotline_at_once(meeting, clerk, make_user):
    from core.models import Notification
    from core.roles import Role

    hotline = make_user("hotline-desk", Role.HOTLINE)
    complete(meeting, 1, clerk, result=CheckResult.PROBLEM, note="空调噪音大", now=NOW)

    [note] = Notification.objects.filter(recipient=hotline, kind="incident")
    assert "空调噪音大" not in note.title  # the place and category only: it may be secret


def test_a_problem_result_opens_an_incident(meeting, clerk):
    complete(meeting, 1, clerk, result=CheckResult.PROBLEM, note="空调噪音大", now=NOW)

    assert Incident.objects.get().description == "空调噪音大"


def test_level_2_waits_for_level_1(meeting, clerk):
    with pytest.raises(CheckError) as refused:
        complete(meeting, 2, clerk, now=NOW)
    assert refused.value.code == "out_of_order"

    complete(meeting, 1, clerk, now=NOW)
    assert complete(meeting, 2, clerk, now=NOW).status == CheckStatus.DONE


def test_level_3_waits_for_levels_1_and_2(meeting, clerk):
    complete(meeting, 1, clerk, now=NOW)
    with pytest.raises(CheckError) as refused:
        complete(meeting, 3, clerk, now=NOW)
    assert refused.value.code == "out_of_order"


def test_a_done_or_cancelled_check_cannot_be_completed_again(meeting, clerk):
    complete(meeting, 1, clerk, now=NOW)

    with pytest.raises(CheckError) as refused:
        complete(meeting, 1, clerk, now=NOW)
    assert refused.value.code == "invalid_state"


def test_level_3_lists_the_orders_and_refuses_one_not_prepared_without_a_note(meeting, clerk):
    order = an_order(meeting, clerk)
    complete(meeting, 1, clerk, now=NOW)
    complete(meeting, 2, clerk, now=NOW)
    check = check_of(meeting, 3)
    lines = [i for i in items_for(check) if i.get("order_id") == order.pk]
    assert len(lines) == 1 and lines[0]["ready"] is False

    with pytest.raises(CheckError) as refused:
        complete_check(check, by=clerk, items=all_ticked(check), now=NOW)
    assert refused.value.code == "orders_not_ready"

    waiting = {i["text"]: "由主办单位自备" for i in items_for(check) if i.get("ready") is False}
    noted = all_ticked(check, **waiting)
    assert complete_check(check, by=clerk, items=noted, now=NOW).status == CheckStatus.DONE


def test_level_3_passes_once_every_order_is_prepared(meeting, clerk):
    order = an_order(meeting, clerk)
    for status in (OrderStatus.ACKNOWLEDGED, OrderStatus.PREPARED):
        order = orders.advance_order(order, by=clerk, to_status=status, now=NOW)
    for other in meeting.orders.exclude(pk=order.pk).exclude(status=OrderStatus.CANCELLED):
        orders.cancel_order(other, by=clerk, now=NOW)
    complete(meeting, 1, clerk, now=NOW)
    complete(meeting, 2, clerk, now=NOW)

    check = complete(meeting, 3, clerk, now=NOW + dt.timedelta(minutes=1))

    assert check.status == CheckStatus.DONE and check.result == CheckResult.OK
    [line] = [r for r in check.item_results if r.get("order_id") == order.pk]
    assert line["order_status"] == OrderStatus.PREPARED
