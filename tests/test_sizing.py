"""Sizing: a meeting's level from the hosting unit, the attendees and the convening leader's rank,
by the rule table edited in the admin; the meeting shows why, and re-sizes when an input changes.
"""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from bookings import services, sizing
from bookings.models import (
    HostingUnit,
    Leader,
    LeaderRank,
    OrderKind,
    OrderStatus,
    PackageItem,
    ServiceLevel,
    SizingRule,
)
from bookings.orders import cancel_order, update_order
from core.models import AuditEntry
from tests.conftest import NOW

# The seeded table (migration 0005), first match wins.
DISTRICT_REASON = "区级领导召集"
HUNDRED_REASON = "参会100人以上"
BUREAU_REASON = "局级领导召集"
THIRTY_REASON = "参会30人以上"
ROUTINE_REASON = "常规会议"


@pytest.fixture
def hall(create_room):
    return create_room(number="大礼堂", capacity=300)


@pytest.fixture
def superuser(make_user):
    return make_user("root", is_superuser=True, is_staff=True)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def rule(reason: str) -> SizingRule:
    return SizingRule.objects.get(reason=reason)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rank", "attendees", "level", "reason"),
    [
        (LeaderRank.DISTRICT, 5, ServiceLevel.A, DISTRICT_REASON),
        (LeaderRank.DISTRICT, 150, ServiceLevel.A, DISTRICT_REASON),  # the first rule wins
        (LeaderRank.NONE, 100, ServiceLevel.A, HUNDRED_REASON),
        (LeaderRank.SECTION, 250, ServiceLevel.A, HUNDRED_REASON),
        (LeaderRank.BUREAU, 5, ServiceLevel.B, BUREAU_REASON),
        (LeaderRank.BUREAU, 60, ServiceLevel.B, BUREAU_REASON),
        (LeaderRank.NONE, 99, ServiceLevel.B, THIRTY_REASON),
        (LeaderRank.DIVISION, 30, ServiceLevel.B, THIRTY_REASON),
        (LeaderRank.NONE, 29, ServiceLevel.C, ROUTINE_REASON),
        (LeaderRank.DIVISION, 12, ServiceLevel.C, ROUTINE_REASON),
    ],
)
def test_the_seeded_rules_size_a_meeting(rank, attendees, level, reason, hosting_unit):
    assert sizing.size(
        hosting_unit_id=hosting_unit.pk, attendees=attendees, leader_rank=rank
    ) == sizing.Sizing(level, reason)


def test_booking_stores_the_level_and_its_reason(book, hall, leader):
    district = book(room=hall, leader=leader, attendees=8)
    crowd = book(room=hall, attendees=120, start=NOW + dt.timedelta(days=2))
    routine = book(room=hall, attendees=8, start=NOW + dt.timedelta(days=3))
    assert (district.level, district.level_reason) == ("A", DISTRICT_REASON)
    assert (crowd.level, crowd.level_reason) == ("A", HUNDRED_REASON)
    assert (routine.level, routine.level_reason) == ("C", ROUTINE_REASON)


def test_an_inactive_rule_is_skipped(hosting_unit):
    SizingRule.objects.filter(reason=BUREAU_REASON).update(active=False)
    result = sizing.size(
        hosting_unit_id=hosting_unit.pk, attendees=5, leader_rank=LeaderRank.BUREAU
    )
    assert result == sizing.Sizing(ServiceLevel.C, ROUTINE_REASON)


def test_a_rule_for_one_hosting_unit_applies_to_that_unit_only(hosting_unit):
    other = HostingUnit.objects.create(name="区教育局", short_name="教育局")
    SizingRule.objects.create(
        position=1, hosting_unit=other, level=ServiceLevel.B, reason="教育局专场"
    )
    assert sizing.size(hosting_unit_id=other.pk, attendees=5, leader_rank="none").level == "B"
    assert (
        sizing.size(hosting_unit_id=hosting_unit.pk, attendees=5, leader_rank="none").level == "C"
    )


def test_a_rule_with_an_upper_bound_stops_matching_above_it(hosting_unit):
    SizingRule.objects.create(
        position=1, min_attendees=10, max_attendees=20, level="B", reason="10–20人"
    )
    size = sizing.size
    assert size(hosting_unit_id=hosting_unit.pk, attendees=15, leader_rank="none").level == "B"
    assert size(hosting_unit_id=hosting_unit.pk, attendees=21, leader_rank="none").level == "C"


def test_an_emptied_table_still_gives_every_meeting_a_level(hosting_unit):
    SizingRule.objects.all().delete()
    result = sizing.size(hosting_unit_id=hosting_unit.pk, attendees=500, leader_rank="district")
    assert result.level == ServiceLevel.C
    assert result.reason


# --- the rule table in the admin -------------------------------------------------------------


def _rule_form(rule_row: SizingRule, **changes) -> dict:
    data = {
        "position": rule_row.position,
        "hosting_unit": rule_row.hosting_unit_id or "",
        "min_leader_rank": rule_row.min_leader_rank,
        "min_attendees": rule_row.min_attendees or "",
        "max_attendees": rule_row.max_attendees or "",
        "level": rule_row.level,
        "reason": rule_row.reason,
        "active": "on" if rule_row.active else "",
        "_save": "1",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def test_editing_a_rule_in_the_admin_changes_the_next_bookings_level(
    client, superuser, book, hall, clock
):
    bureau = rule(BUREAU_REASON)
    before = book(room=hall, leader_rank=LeaderRank.BUREAU, attendees=10)
    assert before.level == ServiceLevel.B

    client.force_login(superuser)
    url = reverse("admin:bookings_sizingrule_change", args=[bureau.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, _rule_form(bureau, level="A"))
    assert response.status_code == 302, response.content.decode()[:2000]

    after = book(room=hall, leader_rank=LeaderRank.BUREAU, attendees=10, start=NOW.replace(day=29))
    assert (after.level, after.level_reason) == ("A", BUREAU_REASON)
    # The meeting booked before keeps its level until one of its inputs changes.
    before.refresh_from_db()
    assert before.level == ServiceLevel.B


def test_reordering_rules_in_the_admin_list_changes_which_rule_wins(
    client, superuser, book, hall, clock
):
    client.force_login(superuser)
    rules = list(SizingRule.objects.order_by("position", "id"))
    thirty = rule(THIRTY_REASON)
    data = {
        "form-TOTAL_FORMS": str(len(rules)),
        "form-INITIAL_FORMS": str(len(rules)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "_save": "1",
    }
    for index, row in enumerate(rules):
        data[f"form-{index}-id"] = str(row.pk)
        data[f"form-{index}-position"] = "1" if row.pk == thirty.pk else str(row.position)
    response = client.post(reverse("admin:bookings_sizingrule_changelist"), data)
    assert response.status_code == 302
    thirty.refresh_from_db()
    assert thirty.position == 1

    meeting = book(room=hall, leader_rank=LeaderRank.DISTRICT, attendees=40)
    assert (meeting.level, meeting.level_reason) == ("B", THIRTY_REASON)


def test_the_admin_refuses_a_rule_whose_bounds_cross(client, superuser):
    client.force_login(superuser)
    thirty = rule(THIRTY_REASON)
    response = client.post(
        reverse("admin:bookings_sizingrule_change", args=[thirty.pk]),
        _rule_form(thirty, min_attendees=50, max_attendees=40),
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["max_attendees"]
    thirty.refresh_from_db()
    assert thirty.max_attendees is None


def test_the_admin_shows_packages_and_keeps_orders_and_series_read_only(client, superuser, book):
    meeting = book()
    client.force_login(superuser)
    assert client.get(reverse("admin:bookings_packageitem_changelist")).status_code == 200
    item = PackageItem.objects.first()
    assert (
        client.get(reverse("admin:bookings_packageitem_change", args=[item.pk])).status_code == 200
    )
    assert client.get(reverse("admin:bookings_serviceorder_changelist")).status_code == 200
    order = meeting.orders.first()
    change = client.get(reverse("admin:bookings_serviceorder_change", args=[order.pk]))
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    assert client.get(reverse("admin:bookings_serviceorder_add")).status_code == 403
    assert client.get(reverse("admin:bookings_meetingseries_changelist")).status_code == 200
    assert client.get(reverse("admin:bookings_meetingseries_add")).status_code == 403


# --- re-sizing when an input changes ---------------------------------------------------------


def test_more_attendees_re_size_the_meeting_and_the_audit_says_so(clerk, book, hall):
    meeting = book(room=hall, attendees=12)
    assert meeting.level == ServiceLevel.C
    services.edit_meeting(meeting, by=clerk, attendees=150, now=NOW)
    meeting.refresh_from_db()
    assert (meeting.level, meeting.level_reason) == ("A", HUNDRED_REASON)
    entry = AuditEntry.objects.for_object(meeting).filter(action="edited").get()
    assert entry.changes["attendees"] == [12, 150]
    assert entry.changes["level"] == ["C", "A"]
    assert entry.changes["level_reason"] == [ROUTINE_REASON, HUNDRED_REASON]


def test_choosing_a_district_leader_re_sizes_the_meeting(clerk, book, leader):
    meeting = book(attendees=12)
    services.edit_meeting(meeting, by=clerk, leader=leader, now=NOW)
    meeting.refresh_from_db()
    assert meeting.leader_rank == LeaderRank.DISTRICT
    assert (meeting.level, meeting.level_reason) == ("A", DISTRICT_REASON)


def test_a_change_that_is_not_an_input_keeps_the_level_even_after_the_rules_changed(clerk, book):
    meeting = book(attendees=12)
    SizingRule.objects.filter(reason=ROUTINE_REASON).update(level="B")
    services.edit_meeting(meeting, by=clerk, title="新的标题", now=NOW)
    meeting.refresh_from_db()
    assert meeting.level == ServiceLevel.C
    entry = AuditEntry.objects.for_object(meeting).filter(action="edited").get()
    assert "level" not in entry.changes


def test_a_lower_level_keeps_every_order_it_had(clerk, book, hall, leader):
    meeting = book(room=hall, leader=leader, attendees=12)
    kinds = set(meeting.orders.values_list("kind", flat=True))
    services.edit_meeting(meeting, by=clerk, leader=None, leader_rank=LeaderRank.NONE, now=NOW)
    meeting.refresh_from_db()
    assert meeting.level == ServiceLevel.C
    assert set(meeting.orders.values_list("kind", flat=True)) == kinds
    assert not meeting.orders.filter(status=OrderStatus.CANCELLED).exists()


def test_a_higher_level_adds_the_missing_orders_and_keeps_the_clerks_edits(clerk, book, hall):
    meeting = book(room=hall, attendees=12)
    assert set(meeting.orders.values_list("kind", flat=True)) == {"layout", "tea"}
    tea = meeting.orders.get(kind=OrderKind.TEA)
    update_order(
        tea,
        by=clerk,
        details={"tea": True, "water": True, "fruit": True, "towels": False},
        note="红茶",
        now=NOW,
    )
    cancel_order(meeting.orders.get(kind=OrderKind.LAYOUT), by=clerk, now=NOW)

    services.edit_meeting(meeting, by=clerk, leader_rank=LeaderRank.BUREAU, now=NOW)
    meeting.refresh_from_db()
    assert meeting.level == ServiceLevel.B
    kinds = dict(meeting.orders.values_list("kind", "status"))
    package = set(PackageItem.objects.filter(level="B").values_list("kind", flat=True))
    assert set(kinds) == package
    # The clerk's tea stays as edited; the layout they cancelled is not forced back.
    tea.refresh_from_db()
    assert tea.details["fruit"] is True
    assert tea.note == "红茶"
    assert kinds[OrderKind.LAYOUT] == OrderStatus.CANCELLED
    # The added ones are fresh requests, due by their lead time.
    banner = meeting.orders.get(kind=OrderKind.BANNER)
    assert banner.status == OrderStatus.REQUESTED
    assert banner.due_at == meeting.start - dt.timedelta(hours=24)
    assert banner.details["text"] == meeting.title


def test_a_level_a_meeting_gets_the_whole_package_with_the_leaders_name_plate(book, hall):
    leader = Leader.objects.create(name="陈立新", title="区长", rank=LeaderRank.DISTRICT)
    meeting = book(room=hall, leader=leader)
    package = set(PackageItem.objects.filter(level="A").values_list("kind", flat=True))
    assert set(meeting.orders.values_list("kind", flat=True)) == package
    plates = meeting.orders.get(kind=OrderKind.NAME_PLATES)
    assert [p["name"] for p in plates.details["plates"]] == ["陈立新"]
    assert plates.quantity == 1


# --- shown on the meeting page ---------------------------------------------------------------


def test_the_meeting_page_shows_the_level_with_its_reason_in_words(
    client, clerk, book, leader, clock
):
    meeting = book(leader=leader)
    client.force_login(clerk)
    html = client.get(reverse("meeting-detail", args=[meeting.pk])).content.decode()
    badge = re.search(r'id="meeting-level-badge">(.*?)</span>\s*$', html, re.M | re.S)
    assert badge
    assert f"A：{DISTRICT_REASON}" in badge.group(1)
    level = re.search(r'<dd[^>]*id="meeting-level">(.*?)</dd>', html, re.S).group(1)
    assert f"A：{DISTRICT_REASON}" in level
    assert str(ServiceLevel.A.label) in level
