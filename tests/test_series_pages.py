"""The series pages: plan a series, see every date free or taken, book only the free ones or
none, the series page, and "cancel / reschedule this and later" from an occurrence.

Wording comes from the translation catalogue, so these tests look for ids, data attributes,
dates from core.timeutils and titles, never for UI text.
"""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from bookings import series as series_services
from bookings import visibility
from bookings.models import (
    Confidentiality,
    Frequency,
    LeaderRank,
    Meeting,
    MeetingSeries,
    MeetingStatus,
)
from core.models import AuditEntry
from core.roles import Role
from core.timeutils import at, format_date
from tests.conftest import NOW

D = dt.date
T = dt.time
TUESDAYS = [D(2026, 12, day) for day in (1, 8, 15, 22)]


@pytest.fixture
def clock():
    """The requests run at NOW (Friday 2026-11-27 09:00 in Shanghai)."""
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def series_data(room, hosting_unit, **overrides) -> dict:
    data = {
        "room": room.pk,
        "start_time": "14:00",
        "end_time": "16:00",
        "setup_minutes": "",
        "teardown_minutes": "",
        "first_date": "2026-12-01",
        "frequency": Frequency.WEEKLY,
        "interval": 1,
        "weekdays": ["2"],
        "until": "",
        "count": 4,
        "title": "周例会",
        "hosting_unit": hosting_unit.pk,
        "attendees": 12,
        "leader": "",
        "leader_rank": LeaderRank.NONE,
        "confidentiality": Confidentiality.NORMAL,
        "layout": "",
        "contact_name": "",
        "contact_phone": "",
        "notes": "",
    }
    data.update(overrides)
    return data


def plan_rows(html: str) -> dict[str, str]:
    """data-date -> the plan row's class (plan-free, or plan-taken ...)."""
    rows = re.findall(r'<tr class="([^"]*)" data-date="([\d-]+)"', html)
    return {date: css for css, date in rows}


def messages_of(response) -> list[str]:
    return [m.level_tag for m in response.context["messages"]]


# --- reaching the pages ----------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, db):
    response = client.get(reverse("series-new"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["attendant", "outsider", "lobby_manager"])
def test_only_booking_roles_may_book_or_change_a_series(
    request, as_user, book, room, hosting_unit, clerk, clock, persona
):
    _series, booked, _skipped = series_services.book_series(
        by=clerk,
        room=room,
        title="周例会",
        hosting_unit=hosting_unit,
        attendees=12,
        start_time=T(14),
        end_time=T(16),
        first_date=D(2026, 12, 1),
        frequency=Frequency.WEEKLY,
        count=2,
        now=NOW,
    )
    client = as_user(request.getfixturevalue(persona))
    pk = booked[0].pk

    assert client.get(reverse("series-new")).status_code == 403
    assert client.post(reverse("series-new"), series_data(room, hosting_unit)).status_code == 403
    assert client.get(reverse("series-cancel-from", args=[pk])).status_code == 403
    assert client.post(reverse("series-cancel-from", args=[pk]), {"reason": "x"}).status_code == 403
    reschedule = {"start_time": "09:00", "end_time": "10:00", "room": ""}
    assert client.post(reverse("series-reschedule-from", args=[pk]), reschedule).status_code == 403
    assert statuses(booked) == ["requested", "requested"]
    # They still see the series page, without the actions.
    page = client.get(reverse("series-detail", args=[booked[0].series_id]))
    assert page.status_code == 200
    assert reverse("series-cancel-from", args=[pk]) not in page.content.decode()


def statuses(meetings) -> list[str]:
    return [Meeting.objects.get(pk=m.pk).status for m in meetings]


def test_the_series_form_is_prefilled_from_the_query(as_user, clerk, room, clock):
    response = as_user(clerk).get(
        reverse("series-new"),
        {"room": room.pk, "start": "2026-12-01T14:00", "end": "2026-12-01T15:30", "attendees": 8},
    )
    html = response.content.decode()

    assert response.status_code == 200
    assert 'type="date"' in html
    assert 'type="time"' in html
    assert 'value="2026-12-01"' in html
    assert 'value="14:00"' in html
    assert 'value="15:30"' in html
    assert f'<option value="{room.pk}" selected>' in html
    assert 'value="8"' in html


def test_the_series_pages_carry_no_inline_script_or_style(
    as_user, clerk, room, hosting_unit, clock
):
    client = as_user(clerk)
    pages = [
        client.get(reverse("series-new")),
        client.post(reverse("series-new"), series_data(room, hosting_unit)),
    ]
    for page in pages:
        html = page.content.decode()
        assert " style=" not in html
        assert "<style" not in html
        for tag in re.findall(r"<script[^>]*>", html):
            assert " src=" in tag or 'type="application/json"' in tag


# --- planning and booking --------------------------------------------------------------------


def test_the_plan_shows_every_date_free_or_taken_naming_the_meeting_in_the_way(
    as_user, clerk, room, hosting_unit, book, clock
):
    book(title="已有的协调会", start=at(TUESDAYS[1], 13), end=at(TUESDAYS[1], 14, 30))

    response = as_user(clerk).post(reverse("series-new"), series_data(room, hosting_unit))
    html = response.content.decode()

    assert response.status_code == 200
    assert plan_rows(html) == {
        "2026-12-01": "plan-free",
        "2026-12-08": "plan-taken table-danger",
        "2026-12-15": "plan-free",
        "2026-12-22": "plan-free",
    }
    for day in TUESDAYS:
        assert format_date(day) in html
    taken = re.search(r'data-date="2026-12-08">(.*?)</tr>', html, re.S).group(1)
    assert "已有的协调会" in taken
    assert "12:45–14:40" in taken  # its occupied window: 15 minutes' setup, 10 teardown
    assert 'id="book-free"' in html
    assert 'id="book-none"' in html
    # Planning saves nothing.
    assert not MeetingSeries.objects.exists()
    assert Meeting.objects.count() == 1


def test_the_plan_does_not_reveal_a_secret_meeting_in_the_way(
    as_user, make_user, room, hosting_unit, book, clock
):
    book(
        title="涉密专题会",
        start=at(TUESDAYS[1], 14),
        end=at(TUESDAYS[1], 15),
        confidentiality=Confidentiality.SECRET,
    )
    clerk_without_clearance = make_user("clerk2", Role.CLERK)
    visibility.register_authorisation_check(lambda user: user.username != "clerk2")
    try:
        response = as_user(clerk_without_clearance).post(
            reverse("series-new"), series_data(room, hosting_unit)
        )
        html = response.content.decode()
        assert "涉密专题会" not in html
        assert visibility.conflict_label(clerk_without_clearance, Meeting.objects.get()) in html
    finally:
        visibility.register_authorisation_check(lambda user: True)
    assert plan_rows(html)["2026-12-08"].startswith("plan-taken")


def test_booking_only_the_free_dates_books_them_and_shows_the_series(
    as_user, clerk, room, hosting_unit, book, clock
):
    book(title="已有的协调会", start=at(TUESDAYS[1], 13), end=at(TUESDAYS[1], 14, 30))
    client = as_user(clerk)
    plan = client.post(reverse("series-new"), series_data(room, hosting_unit))
    # The plan page carries the form as hidden fields: book from exactly what was planned.
    hidden = dict(
        re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', plan.content.decode())
    )
    assert hidden["skip_conflicts"] == "1"
    assert hidden["first_date"] == "2026-12-01"

    response = client.post(
        reverse("series-new"),
        {**series_data(room, hosting_unit), "action": "book", "skip_conflicts": "1"},
        follow=True,
    )

    series = MeetingSeries.objects.get()
    booked = list(series.occurrences.order_by("start"))
    assert response.redirect_chain == [(reverse("series-detail", args=[series.pk]), 302)]
    assert messages_of(response) == ["success"]
    assert [m.start for m in booked] == [at(day, 14) for day in (TUESDAYS[0], *TUESDAYS[2:])]
    assert all(m.booked_by == clerk for m in booked)
    assert AuditEntry.objects.for_object(series).get().action == "series_booked"
    html = response.content.decode()
    for meeting in booked:
        assert f'href="{reverse("meeting-detail", args=[meeting.pk])}"' in html
    missing = re.search(r'id="missing-dates">(.*?)</ul>', html, re.S).group(1)
    assert 'data-date="2026-12-08"' in missing
    assert format_date(TUESDAYS[1]) in missing


def test_book_none_goes_back_to_the_filled_form_and_books_nothing(
    as_user, clerk, room, hosting_unit, book, clock
):
    book(start=at(TUESDAYS[1], 14), end=at(TUESDAYS[1], 15))

    response = as_user(clerk).post(
        reverse("series-new"), {**series_data(room, hosting_unit), "action": "back"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="series-form"' in html
    assert 'value="周例会"' in html
    assert not MeetingSeries.objects.exists()
    assert Meeting.objects.count() == 1


def test_a_date_taken_after_the_plan_was_shown_is_reported_and_nothing_booked(
    as_user, clerk, room, hosting_unit, book, clock
):
    client = as_user(clerk)
    plan = client.post(reverse("series-new"), series_data(room, hosting_unit))
    assert 'id="book-all"' in plan.content.decode()
    book(title="抢先的会", start=at(TUESDAYS[2], 14), end=at(TUESDAYS[2], 15))

    response = client.post(
        reverse("series-new"),
        {**series_data(room, hosting_unit), "action": "book", "skip_conflicts": "0"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert messages_of(response) == ["error"]
    assert format_date(TUESDAYS[2]) in html
    assert plan_rows(html)["2026-12-15"].startswith("plan-taken")
    assert not MeetingSeries.objects.exists()
    assert Meeting.objects.count() == 1


def test_a_rule_without_an_end_is_refused_on_the_form(as_user, clerk, room, hosting_unit, clock):
    response = as_user(clerk).post(
        reverse("series-new"), series_data(room, hosting_unit, count="", until="")
    )

    form = response.context["form"]
    assert response.status_code == 200
    assert set(form.errors) >= {"until", "count"}
    assert 'class="invalid-feedback' in response.content.decode()


def test_too_many_attendees_are_refused_when_booking_and_nothing_is_saved(
    as_user, clerk, room, hosting_unit, clock
):
    data = series_data(room, hosting_unit, attendees=room.capacity + 5)

    response = as_user(clerk).post(
        reverse("series-new"), {**data, "action": "book", "skip_conflicts": "0"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["attendees"]
    assert not Meeting.objects.exists()
    assert not MeetingSeries.objects.exists()


# --- the series page and this-and-later ------------------------------------------------------


@pytest.fixture
def weekly(clerk, room, hosting_unit):
    """Four Tuesdays from 1 December 2026, 14:00-16:00."""
    _series, booked, _skipped = series_services.book_series(
        by=clerk,
        room=room,
        title="周例会",
        hosting_unit=hosting_unit,
        attendees=12,
        start_time=T(14),
        end_time=T(16),
        first_date=D(2026, 12, 1),
        frequency=Frequency.WEEKLY,
        count=4,
        now=NOW,
    )
    return booked


def test_the_series_page_lists_each_occurrence_with_its_status(as_user, clerk, weekly, clock):
    series_services.services.cancel_meeting(weekly[1], by=clerk, reason="出差", now=NOW)

    response = as_user(clerk).get(reverse("series-detail", args=[weekly[0].series_id]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "周例会" in html
    rows = re.findall(r'<tr class="occurrence" data-meeting="(\d+)">(.*?)</tr>', html, re.S)
    assert [int(pk) for pk, _row in rows] == [m.pk for m in weekly]
    assert "status-cancelled" in rows[1][1]
    assert "status-requested" in rows[0][1]
    assert reverse("series-cancel-from", args=[weekly[0].pk]) in rows[0][1]
    assert reverse("series-cancel-from", args=[weekly[1].pk]) not in rows[1][1]
    assert 'id="missing-dates"' not in html


def test_the_series_page_hides_a_secret_series_title(make_user, as_user, clerk, room, hosting_unit):
    _series, booked, _skipped = series_services.book_series(
        by=clerk,
        room=room,
        title="涉密系列会",
        hosting_unit=hosting_unit,
        attendees=12,
        start_time=T(14),
        end_time=T(16),
        first_date=D(2026, 12, 1),
        frequency=Frequency.WEEKLY,
        count=2,
        confidentiality=Confidentiality.SECRET,
        now=NOW,
    )

    html = (
        as_user(make_user(None, Role.ATTENDANT))
        .get(reverse("series-detail", args=[booked[0].series_id]))
        .content.decode()
    )

    assert "涉密系列会" not in html
    assert 'id="series-history"' not in html


def test_cancel_this_and_later_through_the_page(as_user, clerk, weekly, clock):
    client = as_user(clerk)
    url = reverse("series-cancel-from", args=[weekly[2].pk])
    page = client.get(url)
    targets = re.findall(
        r'class="list-group-item series-target" data-meeting="(\d+)"', page.content.decode()
    )
    assert [int(pk) for pk in targets] == [weekly[2].pk, weekly[3].pk]

    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400
    assert statuses(weekly) == ["requested"] * 4

    response = client.post(url, {"reason": "会议改版"}, follow=True)
    assert response.redirect_chain == [(reverse("series-detail", args=[weekly[0].series_id]), 302)]
    assert messages_of(response) == ["success"]
    assert statuses(weekly) == ["requested", "requested", "cancelled", "cancelled"]


def test_reschedule_this_and_later_through_the_page(as_user, clerk, weekly, book, clock):
    client = as_user(clerk)
    url = reverse("series-reschedule-from", args=[weekly[1].pk])
    assert 'value="14:00"' in client.get(url).content.decode()

    response = client.post(url, {"start_time": "09:00", "end_time": "10:30", "room": ""})

    assert response.status_code == 302
    starts = [Meeting.objects.get(pk=m.pk).start for m in weekly]
    assert starts == [at(TUESDAYS[0], 14), *(at(day, 9) for day in TUESDAYS[1:])]


def test_reschedule_this_and_later_names_the_clashing_dates_and_changes_nothing(
    as_user, clerk, weekly, book, clock
):
    book(title="挡路的会", start=at(TUESDAYS[3], 9, 30), end=at(TUESDAYS[3], 11))

    response = as_user(clerk).post(
        reverse("series-reschedule-from", args=[weekly[1].pk]),
        {"start_time": "09:00", "end_time": "10:30", "room": ""},
    )

    assert response.status_code == 200
    assert format_date(TUESDAYS[3]) in response.content.decode()
    assert [Meeting.objects.get(pk=m.pk).start for m in weekly] == [at(d, 14) for d in TUESDAYS]


def test_this_and_later_is_not_found_for_a_meeting_outside_a_series(as_user, clerk, book, clock):
    single = book()
    client = as_user(clerk)

    assert client.get(reverse("series-cancel-from", args=[single.pk])).status_code == 404
    assert client.get(reverse("series-reschedule-from", args=[single.pk])).status_code == 404
    assert Meeting.objects.get(pk=single.pk).status == MeetingStatus.REQUESTED
