"""The quality figures against hand-computed values, in one query each."""

import datetime as dt

import pytest

from bookings.models import Building, Room
from quality import figures, services
from quality.models import InspectionTemplate, TemplateItem
from staffing.models import Team
from tests.conftest import NOW
from tests.staffing_factories import make_staff

MONDAY = dt.date(2026, 11, 23)  # NOW is Friday 27 November 2026


@pytest.fixture
def flat(db):
    """A checklist of one item of weight 1: scores 1..5 give 0, 25, 50, 75, 100."""
    template = InspectionTemplate.objects.create(name="单项")
    TemplateItem.objects.create(template=template, position=1, text="整体")
    return template


@pytest.fixture
def place(db, create_room, building):
    east = Building.objects.create(code="east-f", name="东楼", sort_order=2)
    return {
        "conference": create_room(number="F1", kind=Room.Kind.OFFICE, capacity=2),
        "east": create_room(number="F2", kind=Room.Kind.OFFICE, capacity=2, building=east),
    }


@pytest.fixture
def people(db):
    red = Team.objects.create(name="一班")
    blue = Team.objects.create(name="二班")
    return {
        "wang": make_staff(name="王芳", team=red),
        "li": make_staff(name="李娟", team=red),
        "zhao": make_staff(name="赵敏", team=blue),
        "loner": make_staff(name="孙丽"),
    }


def inspect(supervisor, template, room, score, at, staff=(), action=None):
    findings = []
    if action is not None:
        assignee, due_on, _closed_at = action
        findings = [{"text": "问题", "assignee": assignee, "due_on": due_on}]
    inspection = services.record_inspection(
        by=supervisor,
        template=template,
        room=room,
        scores={item.pk: score for item in template.items.all()},
        staff=list(staff),
        findings=findings,
        now=at,
    )
    if action is not None and action[2] is not None:
        done = inspection.findings.get().actions.get()
        services.close_action(done, by=supervisor, note="好了", now=action[2])
    return inspection


def test_period_bounds_run_monday_to_monday_and_month_to_month():
    start, end = figures.period_bounds(NOW.date(), "week")
    assert (start.date(), end.date()) == (MONDAY, MONDAY + dt.timedelta(days=7))
    assert start.utcoffset() == dt.timedelta(hours=8)
    start, end = figures.period_bounds(dt.date(2026, 12, 15), "month")
    assert (start.date(), end.date()) == (dt.date(2026, 12, 1), dt.date(2027, 1, 1))


def test_inspections_done_and_average_score_by_building_team_and_person(
    supervisor, flat, place, people, django_assert_num_queries
):
    week = figures.period_bounds(NOW.date(), "week")
    wang, li, zhao, loner = people["wang"], people["li"], people["zhao"], people["loner"]
    conf, east = place["conference"], place["east"]
    inspect(supervisor, flat, conf, 5, NOW, [wang, li])  # 100; red counted once
    inspect(supervisor, flat, conf, 3, NOW - dt.timedelta(days=1), [wang, zhao])  # 50
    inspect(supervisor, flat, east, 2, NOW - dt.timedelta(days=2), [loner])  # 25
    inspect(supervisor, flat, east, 4, NOW - dt.timedelta(days=3))  # 75, nobody recorded
    inspect(supervisor, flat, conf, 1, NOW - dt.timedelta(days=7), [wang])  # last week: 0

    with django_assert_num_queries(1):
        by_building = figures.inspection_figures(*week, by="building")
    assert [(r.label, r.inspections, r.average_score) for r in by_building] == [
        ("东楼", 2, 50.0),
        ("会议大厦", 2, 75.0),
    ]
    with django_assert_num_queries(1):
        by_team = figures.inspection_figures(*week, by="team")
    # The last row is "No team" (translated): compared by its key.
    assert [(r.key and r.label, r.inspections, r.average_score) for r in by_team] == [
        ("一班", 2, 75.0),  # inspections 1 and 2, once each
        ("二班", 1, 50.0),
        (None, 1, 25.0),
    ]
    with django_assert_num_queries(1):
        by_person = figures.inspection_figures(*week, by="person")
    assert {(r.label, r.inspections, r.average_score) for r in by_person} == {
        ("王芳", 2, 75.0),
        ("李娟", 1, 100.0),
        ("赵敏", 1, 50.0),
        ("孙丽", 1, 25.0),
    }
    month = figures.period_bounds(NOW.date(), "month")
    total = figures.inspection_figures(*month, by="building")
    assert [(r.label, r.inspections, r.average_score) for r in total] == [
        ("东楼", 2, 50.0),
        ("会议大厦", 3, 50.0),  # 100, 50, 0
    ]


def test_actions_raised_closed_open_and_overdue(
    supervisor, flat, place, people, django_assert_num_queries
):
    wang, zhao = people["wang"], people["zhao"]
    conf, east = place["conference"], place["east"]
    week_start, week_end = figures.period_bounds(NOW.date(), "week")
    friday = NOW.date()
    # Raised last week, still open, due last week: open and overdue at the week's end.
    inspect(
        supervisor,
        flat,
        conf,
        3,
        NOW - dt.timedelta(days=8),
        action=(wang, friday - dt.timedelta(days=6), None),
    )
    # Raised this week, due next week: open, not overdue.
    inspect(supervisor, flat, conf, 3, NOW, action=(wang, friday + dt.timedelta(days=5), None))
    # Raised this week and closed this week.
    inspect(supervisor, flat, east, 3, NOW, action=(zhao, friday, NOW + dt.timedelta(hours=2)))
    # Raised last week, closed this week: it was overdue then, it is not open now.
    inspect(
        supervisor,
        flat,
        east,
        3,
        NOW - dt.timedelta(days=9),
        action=(zhao, friday - dt.timedelta(days=8), NOW),
    )

    with django_assert_num_queries(1):
        rows = figures.action_figures(week_start, week_end, by="building")
    assert [(r.label, r.raised, r.closed, r.open, r.overdue) for r in rows] == [
        ("东楼", 1, 2, 0, 0),
        ("会议大厦", 1, 0, 2, 1),
    ]
    by_person = figures.action_figures(week_start, week_end, by="person")
    assert [(r.label, r.raised, r.closed, r.open, r.overdue) for r in by_person] == [
        ("王芳", 1, 0, 2, 1),
        ("赵敏", 1, 2, 0, 0),
    ]
    by_team = figures.action_figures(week_start, week_end, by="team")
    assert [(r.label, r.open, r.overdue) for r in by_team] == [("一班", 2, 1), ("二班", 0, 0)]
    # As things stood this Monday at midnight: both of last week's actions open and overdue.
    monday = week_start
    last_week = figures.period_bounds(NOW.date() - dt.timedelta(days=7), "week")
    rows = figures.action_figures(*last_week, at=monday, by="building")
    assert [(r.label, r.raised, r.open, r.overdue) for r in rows] == [
        ("东楼", 1, 1, 1),
        ("会议大厦", 1, 1, 1),
    ]
    assert figures.open_and_overdue(NOW + dt.timedelta(days=1)) == (2, 1)


def test_an_unknown_grouping_is_a_programming_error(db):
    week = figures.period_bounds(NOW.date(), "week")
    with pytest.raises(ValueError):
        figures.inspection_figures(*week, by="floor")
