"""The feedback figures per week and month, by building, team and person, against values
worked out by hand; three queries whatever the number of answers."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import Building
from feedback import services
from feedback.figures import feedback_figures, month_bounds, service_averages, week_bounds
from feedback.models import OVERALL, Complaint
from staffing import services as staffing_services
from staffing.models import DutyRole, Team
from tests import test_feedback_services as shared
from tests.staffing_factories import make_staff
from tests.test_feedback_services import rate_all

SH = ZoneInfo("Asia/Shanghai")
past_meeting = shared.past_meeting


def at(day, hour, minute=0):
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=SH)


@pytest.fixture
def week(past_meeting, create_room, supervisor, building):
    """Three answers in the week of 23 November and one the week before:

    | meeting | building   | staff on it | overall | others | complaint, reply after |
    | m1 Thu  | conference | A, B (红队) | 5       | 5      | -                      |
    | m2 Thu  | conference | A (红队)    | 2       | 2      | 18 hours               |
    | m3 Wed  | east       | C (no team) | 3       | 1      | 6 hours                |
    | m0 Fri before | conference | A     | 1       | 1      | (other week)           |
    """
    east, _created = Building.objects.get_or_create(
        code="east", defaults={"name": "东楼", "name_en": "East building"}
    )
    east_room = create_room(number="E101", building=east)
    red = Team.objects.create(name="红队")
    days = [dt.date(2026, 11, d) for d in (20, 25, 26)]
    a = make_staff(name="甲", team=red, days=days)
    b = make_staff(name="乙", team=red, days=days)
    c = make_staff(name="丙", days=days)
    m1 = past_meeting(start=at(26, 9))
    m2 = past_meeting(start=at(26, 14))
    m3 = past_meeting(start=at(25, 10), room=east_room)
    m0 = past_meeting(start=at(20, 10))
    for meeting, people in ((m1, [a, b]), (m2, [a]), (m3, [c]), (m0, [a])):
        for person in people:
            staffing_services.assign_duty(
                meeting,
                by=supervisor,
                staff=person,
                role=DutyRole.ATTENDANT,
                now=meeting.start - dt.timedelta(days=1),
            )

    def answer(meeting, when, overall, others, reply_after=None):
        services.submit(
            services.invite(meeting, now=meeting.start).token,
            rate_all(meeting, others, **{OVERALL: overall}),
            now=when,
        )
        if reply_after is not None:
            complaint = Complaint.objects.get(meeting=meeting)
            services.reply(
                complaint, by=supervisor, text="已整改", now=when + dt.timedelta(hours=reply_after)
            )

    answer(m1, at(26, 14), 5, 5)
    answer(m2, at(26, 16), 2, 2, reply_after=18)
    answer(m3, at(25, 13), 3, 1, reply_after=6)
    answer(m0, at(20, 13), 1, 1)
    return {"m1": m1, "n": len(services.services_for(m1))}


def _by_label(rows):
    return {row.label: row for row in rows}


def test_week_and_month_bounds_start_on_monday_and_the_first():
    assert week_bounds(dt.date(2026, 11, 27)) == (at(23, 0), at(30, 0))
    assert month_bounds(dt.date(2026, 11, 27)) == (
        at(1, 0),
        dt.datetime(2026, 12, 1, tzinfo=SH),
    )
    assert month_bounds(dt.date(2026, 12, 5))[1] == dt.datetime(2027, 1, 1, tzinfo=SH)


def test_figures_by_building_match_the_hand_count(week):
    n = week["n"]
    rows = _by_label(feedback_figures(*week_bounds(dt.date(2026, 11, 27)), by="building"))
    conference, east = rows["会议大厦"], rows["东楼"]
    assert (conference.received, conference.average_rating, conference.complaints) == (2, 3.5, 1)
    assert conference.average_all_ratings == 3.5
    assert (conference.replied, conference.average_reply_hours, conference.max_reply_hours) == (
        1,
        18.0,
        18.0,
    )
    assert (east.received, east.average_rating, east.complaints) == (1, 3.0, 1)
    assert east.average_all_ratings == round((3 + (n - 1) * 1) / n, 2)
    assert (east.average_reply_hours, east.max_reply_hours) == (6.0, 6.0)
    # m2's reply came 18 hours after a Thursday 16:00 complaint: Friday 10:00, inside the
    # two working days; nothing overdue.
    assert conference.overdue == east.overdue == 0


def test_figures_by_person_and_team_count_the_staff_on_each_meeting(week):
    start, end = week_bounds(dt.date(2026, 11, 27))
    people = _by_label(feedback_figures(start, end, by="person"))
    assert {label: (r.received, r.average_rating, r.complaints) for label, r in people.items()} == {
        "甲": (2, 3.5, 1),
        "乙": (1, 5.0, 0),
        "丙": (1, 3.0, 1),
    }
    assert people["甲"].max_reply_hours == 18.0 and people["乙"].max_reply_hours is None
    teams = feedback_figures(start, end, by="team")
    # One answer counts once per team, though two of the team served it; "no team" comes last.
    assert [(t.label, t.received, t.complaints) for t in teams] == [
        ("红队", 2, 1),
        (teams[-1].label, 1, 1),
    ]
    assert (teams[-1].key, teams[-1].received) == (None, 1)


def test_the_total_and_the_month_include_the_week_before(week):
    (week_total,) = feedback_figures(*week_bounds(dt.date(2026, 11, 27)), by="all")
    assert (week_total.received, week_total.average_rating, week_total.complaints) == (
        3,
        round(10 / 3, 2),
        2,
    )
    assert (week_total.average_reply_hours, week_total.max_reply_hours) == (12.0, 18.0)
    (month,) = feedback_figures(*month_bounds(dt.date(2026, 11, 27)), by="all")
    assert (month.received, month.complaints, month.open_complaints) == (4, 3, 1)
    averages = service_averages(*week_bounds(dt.date(2026, 11, 27)))
    assert averages[OVERALL] == (3, round(10 / 3, 2))


def test_an_unknown_grouping_is_refused():
    with pytest.raises(ValueError):
        feedback_figures(at(23, 0), at(30, 0), by="room")


@pytest.mark.parametrize(
    ("by", "queries"), [("building", 2), ("all", 2), ("person", 3), ("team", 3)]
)
def test_the_figures_run_a_constant_number_of_queries(week, by, queries):
    with CaptureQueriesContext(connection) as captured:
        feedback_figures(*month_bounds(dt.date(2026, 11, 27)), by=by)
    assert len(captured) == queries
