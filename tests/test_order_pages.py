"""The service orders in the pages: the orders section of the meeting page, the clerk's order
editor (name plates with their rostrum), and each department's queue.

Wording comes from the translation catalogue, so these tests look for ids, classes, data and
the same gettext output the page was built from, never for English literals.
"""

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _

from bookings import orders, services, visibility
from bookings.models import (
    Confidentiality,
    Department,
    Leader,
    LeaderRank,
    OrderKind,
    OrderStatus,
    ServiceOrder,
)
from bookings.views.orders import NEXT_STEP_LABELS, relative_due
from core.models import AuditEntry
from core.roles import Role
from core.timeutils import format_date, format_time
from tests.conftest import NOW


def local(hour: int, minute: int = 0, *, days: int = 0) -> dt.datetime:
    return NOW.replace(hour=hour, minute=minute) + dt.timedelta(days=days)


@pytest.fixture
def clock():
    """The requests run at NOW (Friday 2026-11-27 09:00 in Shanghai)."""
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def hall(create_room):
    return create_room(number="一号厅", capacity=200)


@pytest.fixture
def major(book, hall, leader, clock):
    """Level A (district leader) tomorrow 10:00–12:00, with the whole package."""
    return book(room=hall, leader=leader, attendees=40, start=local(10, days=1))


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def detail(client, meeting) -> str:
    response = client.get(reverse("meeting-detail", args=[meeting.pk]))
    assert response.status_code == 200
    return response.content.decode()


def order_of(meeting, kind) -> ServiceOrder:
    return meeting.orders.get(kind=kind)


def edit_url(order) -> str:
    return reverse("order-edit", args=[order.meeting_id, order.pk])


def form_data(client, order) -> dict:
    """What the edit form would send back untouched (its hidden state token included)."""
    response = client.get(edit_url(order))
    assert response.status_code == 200
    form = response.context["form"]
    data = {name: form[name].value() for name in form.fields}
    return {key: ("" if value is None else value) for key, value in data.items()}


def message_levels(response) -> list[str]:
    """The levels of the messages a response left (and consumes them, as a page would)."""
    return [m.level_tag for m in get_messages(response.wsgi_request)]


def post_and_read_messages(client, url, data=None) -> list[str]:
    response = client.post(url, data or {}, follow=True)
    assert response.status_code == 200
    return [m.level_tag for m in response.context["messages"]]


# --- the orders section of the meeting page ---------------------------------------------------


def test_the_meeting_page_lists_the_proposed_package_by_department(as_user, clerk, major):
    html = detail(as_user(clerk), major)
    section = re.search(r'<section[^>]*id="orders".*?</section>', html, re.S).group(0)
    departments = re.findall(r'<tbody class="order-group" id="orders-([a-z_]+)"', section)
    # In the departments' own order, each only once.
    assert departments == [code for code in Department.values if code in departments]
    assert set(departments) == set(major.orders.values_list("department", flat=True))
    banner = order_of(major, OrderKind.BANNER)
    row = re.search(rf'<tr[^>]*id="order-{banner.pk}".*?</tr>', section, re.S).group(0)
    assert str(OrderKind.BANNER.label) in row
    assert f"{format_date(banner.due_at)} {format_time(banner.due_at)}" in row
    assert str(OrderStatus.REQUESTED.label) in row
    assert f"“{major.title}”" in row  # the banner text, summarised
    assert relative_due(banner.due_at, NOW) in row  # due 10:00 today, seen at 09:00
    assert relative_due(banner.due_at, NOW) == _("in %(span)s") % {
        "span": timeuntil(local(10), NOW)
    }


def test_each_kind_is_summarised_in_words(as_user, clerk, major):
    html = detail(as_user(clerk), major)
    tea = order_of(major, OrderKind.TEA)
    row = re.search(rf'<tr[^>]*id="order-{tea.pk}".*?</tr>', html, re.S).group(0)
    for flag in ("Tea", "Water", "Fruit", "Paper towels"):
        assert _(flag) in row
    hostesses = order_of(major, OrderKind.HOSTESSES)
    row = re.search(rf'<tr[^>]*id="order-{hostesses.pk}".*?</tr>', html, re.S).group(0)
    assert re.search(r'class="text-end order-quantity">4<', row)


def test_an_order_past_its_due_time_is_marked_overdue_in_words(as_user, clerk, book, hall, clock):
    # Booked at 09:00 for 10:30 today: the banner was due yesterday 10:30.
    meeting = book(room=hall, attendees=40, leader_rank=LeaderRank.BUREAU, start=local(10, 30))
    banner = order_of(meeting, OrderKind.BANNER)
    tea = order_of(meeting, OrderKind.TEA)
    html = detail(as_user(clerk), meeting)
    late = re.search(rf'<tr[^>]*id="order-{banner.pk}".*?</tr>', html, re.S).group(0)
    fine = re.search(rf'<tr[^>]*id="order-{tea.pk}".*?</tr>', html, re.S).group(0)
    assert "order-row-overdue" in late
    assert _("Overdue") in late
    assert "order-row-overdue" not in fine
    assert _("Overdue") not in fine


def test_the_order_history_reads_as_what_happened(as_user, clerk, attendant, major):
    tea = order_of(major, OrderKind.TEA)
    orders.update_order(tea, by=clerk, details={**tea.details, "fruit": False}, now=NOW)
    orders.advance_order(tea, by=attendant, to_status="acknowledged", now=NOW)
    html = detail(as_user(clerk), major)
    history = re.search(r'<details id="order-history">.*?</details>', html, re.S).group(0)
    assert _("Order changed") in history
    assert _("Acknowledged by the department") in history
    assert _("Fruit") in history
    # The meeting's own history stays the meeting's.
    meeting_history = re.search(r'<ol[^>]*id="history"[^>]*>(.*?)</ol>', html, re.S).group(1)
    assert meeting_history.count("history-entry") == 1


@pytest.mark.parametrize("persona", ["attendant", "lobby_manager", "outsider"])
def test_people_who_do_not_book_see_the_orders_but_cannot_change_them(
    request, as_user, major, persona
):
    client = as_user(request.getfixturevalue(persona))
    html = detail(client, major)
    assert 'id="orders-table"' in html
    assert 'id="add-order-form"' not in html
    assert "edit-order-" not in html
    banner = order_of(major, OrderKind.BANNER)
    assert client.get(edit_url(banner)).status_code == 403
    assert client.post(edit_url(banner), {"text": "改"}).status_code == 403
    cancel = reverse("order-cancel", args=[major.pk, banner.pk])
    assert client.post(cancel).status_code == 403
    add = reverse("order-add", args=[major.pk])
    assert client.post(add, {"kind": "flowers"}).status_code == 403
    banner.refresh_from_db()
    assert banner.status == OrderStatus.REQUESTED
    assert banner.details["text"] == major.title


def test_a_secret_meetings_orders_are_not_shown_to_those_who_may_not_see_it(
    as_user, attendant, book, hall, leader, clock
):
    meeting = book(
        room=hall,
        leader=leader,
        title="涉密专题会",
        confidentiality=Confidentiality.SECRET,
        start=local(10, days=1),
    )
    html = detail(as_user(attendant), meeting)
    assert 'id="orders"' not in html
    assert "涉密专题会" not in html
    assert 'id="meeting-level-badge"' not in html
    assert leader.name not in html  # the name plates would tell


def test_the_meeting_page_needs_the_same_queries_for_few_or_many_orders(
    as_user, clerk, book, hall, leader, clock
):
    # Both have a convening leader (the leader-notes check costs its own query), but the
    # section-level one sizes the small meeting C with a two-order package.
    section_leader = Leader.objects.create(name="王科长", title="科长", rank=LeaderRank.SECTION)
    small = book(room=hall, leader=section_leader, attendees=8, start=local(10, days=1))
    large = book(room=hall, leader=leader, attendees=40, start=local(15, days=1))
    client = as_user(clerk)

    def count(meeting) -> int:
        client.get(reverse("meeting-detail", args=[meeting.pk]))
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("meeting-detail", args=[meeting.pk]))
        return len(queries)

    assert small.orders.count() < large.orders.count()
    assert count(small) == count(large)


# --- the clerk edits an order --------------------------------------------------------------


def test_a_clerk_edits_the_banner_text(as_user, clerk, major):
    client = as_user(clerk)
    banner = order_of(major, OrderKind.BANNER)
    data = form_data(client, banner)
    data.update(text="  全区安全生产工作会议  ", note="红底白字")
    response = client.post(edit_url(banner), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("meeting-detail", args=[major.pk]) + "#orders"
    banner.refresh_from_db()
    assert banner.details["text"] == "全区安全生产工作会议"
    assert banner.note == "红底白字"
    assert banner.updated_by == clerk


def test_an_empty_banner_text_is_refused_on_the_form(as_user, clerk, major):
    client = as_user(clerk)
    banner = order_of(major, OrderKind.BANNER)
    data = form_data(client, banner)
    data["text"] = ""
    response = client.post(edit_url(banner), data)
    assert response.status_code == 200
    assert response.context["form"].errors["text"]
    banner.refresh_from_db()
    assert banner.details["text"] == major.title


def test_the_tea_service_is_chosen_with_checkboxes(as_user, clerk, major):
    client = as_user(clerk)
    tea = order_of(major, OrderKind.TEA)
    data = form_data(client, tea)
    for flag in ("tea", "water", "fruit", "towels"):
        data.pop(flag, None)
    data.update(tea="on", towels="on")
    assert client.post(edit_url(tea), data).status_code == 302
    tea.refresh_from_db()
    assert tea.details == {"tea": True, "water": False, "fruit": False, "towels": True}


def test_audio_visual_needs_are_chosen_with_checkboxes(as_user, clerk, major):
    client = as_user(clerk)
    av = order_of(major, OrderKind.AUDIO_VISUAL)
    data = form_data(client, av)
    for flag in ("operator", "recording", "video_conference", "interpretation"):
        data.pop(flag, None)
    data.update(operator="on", video_conference="on", interpretation="on")
    assert client.post(edit_url(av), data).status_code == 302
    av.refresh_from_db()
    assert av.details == {
        "operator": True,
        "recording": False,
        "video_conference": True,
        "interpretation": True,
    }
    entry = AuditEntry.objects.for_object(av).filter(action="order_edited").get()
    assert set(entry.changes) == {
        "details.recording",
        "details.video_conference",
        "details.interpretation",
    }


@pytest.mark.parametrize(("kind", "count"), [(OrderKind.HOSTESSES, 6), (OrderKind.FLOWERS, 5)])
def test_hostesses_and_flowers_are_counted(as_user, clerk, major, kind, count):
    client = as_user(clerk)
    order = order_of(major, kind)
    data = form_data(client, order)
    data["quantity"] = count
    assert client.post(edit_url(order), data).status_code == 302
    order.refresh_from_db()
    assert order.quantity == count


def test_parking_takes_vehicles_and_a_guest_list(as_user, clerk, major):
    client = as_user(clerk)
    parking = order_of(major, OrderKind.PARKING_ACCESS)
    data = form_data(client, parking)
    data.update(vehicles=3, guests="李华 市发改委 沪A12345\n王强 市财政局")
    assert client.post(edit_url(parking), data).status_code == 302
    parking.refresh_from_db()
    assert parking.details == {"vehicles": 3, "guests": "李华 市发改委 沪A12345\n王强 市财政局"}
    html = detail(client, major)
    row = re.search(rf'<tr[^>]*id="order-{parking.pk}".*?</tr>', html, re.S).group(0)
    assert re.search(r'class="text-end order-quantity">3<', row)


def test_a_negative_count_is_refused_on_the_form(as_user, clerk, major):
    client = as_user(clerk)
    parking = order_of(major, OrderKind.PARKING_ACCESS)
    data = form_data(client, parking)
    data["vehicles"] = -1
    response = client.post(edit_url(parking), data)
    assert response.status_code == 200
    assert response.context["form"].errors["vehicles"]


def test_an_order_changed_meanwhile_is_refused_with_what_happened(as_user, clerk, attendant, major):
    client = as_user(clerk)
    tea = order_of(major, OrderKind.TEA)
    data = form_data(client, tea)
    orders.advance_order(tea, by=attendant, to_status="acknowledged", now=NOW)
    data["note"] = "加柠檬"
    response = client.post(edit_url(tea), data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert 'id="order-errors"' in response.content.decode()
    tea.refresh_from_db()
    assert tea.note == ""


def test_a_closed_order_has_no_edit_page(as_user, clerk, major):
    client = as_user(clerk)
    tea = order_of(major, OrderKind.TEA)
    orders.cancel_order(tea, by=clerk, now=NOW)
    response = client.get(edit_url(tea))
    assert response.status_code == 302
    assert message_levels(response) == ["error"]
    html = detail(client, major)
    row = re.search(rf'<tr[^>]*id="order-{tea.pk}".*?</tr>', html, re.S).group(0)
    assert "edit-order-" not in row
    assert str(OrderStatus.CANCELLED.label) in row


def test_an_order_of_another_meeting_is_not_found(as_user, clerk, major, book, clock):
    other = book(start=local(15, days=2))
    tea = order_of(other, OrderKind.TEA)
    url = reverse("order-edit", args=[major.pk, tea.pk])
    assert as_user(clerk).get(url).status_code == 404


def test_a_clerk_cancels_an_order(as_user, clerk, major):
    client = as_user(clerk)
    flowers = order_of(major, OrderKind.FLOWERS)
    cancel = reverse("order-cancel", args=[major.pk, flowers.pk])
    assert post_and_read_messages(client, cancel) == ["success"]
    flowers.refresh_from_db()
    assert flowers.status == OrderStatus.CANCELLED
    assert post_and_read_messages(client, cancel) == ["error"]
    assert client.get(reverse("order-cancel", args=[major.pk, flowers.pk])).status_code == 405


def test_a_clerk_adds_a_missing_service_and_lands_on_its_form(as_user, clerk, book, hall, clock):
    meeting = book(room=hall, attendees=8, start=local(10, days=1))
    client = as_user(clerk)
    html = detail(client, meeting)
    form = re.search(r'<form[^>]*id="add-order-form".*?</form>', html, re.S).group(0)
    offered = set(re.findall(r'<option value="([a-z_]+)"', form))
    assert offered == set(OrderKind.values) - {"layout", "tea"}
    response = client.post(reverse("order-add", args=[meeting.pk]), {"kind": "hostesses"})
    order = order_of(meeting, OrderKind.HOSTESSES)
    assert response.status_code == 302
    assert response["Location"] == edit_url(order)
    assert order.department == Department.MEETING_SERVICE
    assert order.quantity == 4  # the package's proposal, from the level that has it


def test_adding_a_service_the_meeting_has_is_refused_with_a_message(as_user, clerk, major):
    client = as_user(clerk)
    count = major.orders.count()
    add = reverse("order-add", args=[major.pk])
    assert post_and_read_messages(client, add, {"kind": "tea"}) == ["error"]
    assert major.orders.count() == count
    assert post_and_read_messages(client, add, {"kind": "caviar"}) == ["error"]
    assert major.orders.count() == count


def test_a_cancelled_meeting_offers_no_order_controls(as_user, clerk, major):
    services.cancel_meeting(major, by=clerk, reason="取消", now=NOW)
    html = detail(as_user(clerk), major)
    assert 'id="add-order-form"' not in html
    assert "edit-order-" not in html


# --- name plates ------------------------------------------------------------------------------


def plates_data(client, order, rows: list[dict], **extra) -> dict:
    """The editor's POST: its note and token, then the given rows as the formset."""
    data = form_data(client, order)
    data.update(
        {
            "plates-TOTAL_FORMS": str(len(rows)),
            "plates-INITIAL_FORMS": "0",
            "plates-MIN_NUM_FORMS": "0",
            "plates-MAX_NUM_FORMS": "1000",
        }
    )
    for index, row in enumerate(rows):
        for name in ("name", "title", "rank", "precedence"):
            data[f"plates-{index}-{name}"] = row.get(name, "none" if name == "rank" else "")
        if row.get("DELETE"):
            data[f"plates-{index}-DELETE"] = "on"
    data.update(extra)
    return data


PEOPLE = [
    {"name": "刘洋", "title": "科长", "rank": "section"},
    {"name": "张建国", "title": "副区长", "rank": "district"},
    {"name": "王芳", "title": "局长", "rank": "bureau"},
    {"name": "赵磊", "title": "处长", "rank": "division"},
    {"name": "", "title": "", "rank": "none"},
]


def seats_on(html: str, element_id: str = "rostrum") -> list[tuple[str, str]]:
    """(precedence, name) of each seat, left to right as the audience sees them."""
    figure = re.search(rf'<figure[^>]*id="{element_id}".*?</figure>', html, re.S).group(0)
    return re.findall(
        r'data-precedence="(\d+)">\s*<span class="rostrum-precedence">\d+</span>\s*'
        r'<span class="rostrum-name">([^<]*)</span>',
        figure,
    )


def test_the_name_plate_editor_lists_the_people_and_offers_blank_rows(as_user, clerk, major):
    client = as_user(clerk)
    plates = order_of(major, OrderKind.NAME_PLATES)
    response = client.get(edit_url(plates))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="张建国"' in html  # the convening leader, proposed by the package
    assert len(response.context["formset"].forms) == 1 + 2
    assert '<template id="plate-row-template">' in html
    assert "__prefix__" in re.search(r"<template.*?</template>", html, re.S).group(0)
    assert "<script>" not in html and " style=" not in html  # CSP: no inline script or style
    assert re.search(r'<script id="seating-data" type="application/json">', html)
    assert re.search(r'<script src="[^"]*js/orders\.js"', html)


def test_name_plates_without_numbers_are_seated_by_rank(as_user, clerk, major):
    client = as_user(clerk)
    plates = order_of(major, OrderKind.NAME_PLATES)
    response = client.post(edit_url(plates), plates_data(client, plates, PEOPLE))
    assert response.status_code == 302
    plates.refresh_from_db()
    ordered = sorted(plates.details["plates"], key=lambda p: p["precedence"])
    assert [p["name"] for p in ordered] == ["张建国", "王芳", "赵磊", "刘洋"]
    assert plates.quantity == 4
    # The meeting page draws the rostrum as the audience sees it: 4 2 1 3.
    html = detail(client, major)
    assert seats_on(html) == [("4", "刘洋"), ("2", "王芳"), ("1", "张建国"), ("3", "赵磊")]


def test_precedence_numbers_typed_by_the_clerk_decide_the_order(as_user, clerk, major):
    client = as_user(clerk)
    plates = order_of(major, OrderKind.NAME_PLATES)
    rows = [dict(person) for person in PEOPLE]
    rows[0]["precedence"] = 1  # the section chief hosts: first, whatever the ranks say
    rows[1]["precedence"] = 2
    rows[2]["precedence"] = 3
    rows[3]["precedence"] = 4
    client.post(edit_url(plates), plates_data(client, plates, rows))
    plates.refresh_from_db()
    ordered = sorted(plates.details["plates"], key=lambda p: p["precedence"])
    assert [p["name"] for p in ordered] == ["刘洋", "张建国", "王芳", "赵磊"]


def test_rows_sent_in_a_new_order_with_renumbered_precedence_are_saved_so(as_user, clerk, major):
    """What the drag-and-drop script sends: the rows in their new order, numbered 1..n."""
    client = as_user(clerk)
    plates = order_of(major, OrderKind.NAME_PLATES)
    rows = [
        {"name": "赵磊", "title": "处长", "rank": "division", "precedence": 1},
        {"name": "张建国", "title": "副区长", "rank": "district", "precedence": 2},
        {"name": "王芳", "title": "局长", "rank": "bureau", "precedence": 3},
    ]
    client.post(edit_url(plates), plates_data(client, plates, rows, save_and_stay="1"))
    response = client.get(edit_url(plates))
    names = [form["name"].value() for form in response.context["formset"].forms]
    assert names[:3] == ["赵磊", "张建国", "王芳"]
    assert seats_on(response.content.decode()) == [("3", "王芳"), ("1", "赵磊"), ("2", "张建国")]


def test_seat_by_rank_drops_the_typed_numbers(as_user, clerk, major):
    client = as_user(clerk)
    plates = order_of(major, OrderKind.NAME_PLATES)
    rows = [dict(person, precedence=i) for i, person in enumerate(PEOPLE[:4], start=1)]
    response = client.post(edit_url(plates), plates_data(client, plates, rows, by_rank="1"))
    assert response.status_code == 302
    assert response["Location"] == edit_url(plates)
    plates.refresh_from_db()
    ordered = sorted(plates.details["plates"], key=lambda p: p["precedence"])
    assert [p["name"] for p in ordered] == ["张建国", "王芳", "赵磊", "刘洋"]


def test_a_removed_row_leaves_the_rostrum(as_user, clerk, major):
    client = as_user(clerk)
    plates = order_of(major, OrderKind.NAME_PLATES)
    rows = [dict(person) for person in PEOPLE[:4]]
    rows[1]["DELETE"] = True
    client.post(edit_url(plates), plates_data(client, plates, rows))
    plates.refresh_from_db()
    assert {p["name"] for p in plates.details["plates"]} == {"刘洋", "王芳", "赵磊"}
    assert plates.quantity == 3


def test_a_row_without_a_name_is_refused_and_nothing_is_saved(as_user, clerk, major):
    client = as_user(clerk)
    plates = order_of(major, OrderKind.NAME_PLATES)
    before = plates.details
    rows = [dict(PEOPLE[0]), {"name": "", "title": "副局长", "rank": "bureau"}]
    response = client.post(edit_url(plates), plates_data(client, plates, rows))
    assert response.status_code == 200
    assert response.context["formset"].errors[1]["name"]
    plates.refresh_from_db()
    assert plates.details == before


def test_an_unknown_rank_is_refused_on_the_form(as_user, clerk, major):
    client = as_user(clerk)
    plates = order_of(major, OrderKind.NAME_PLATES)
    rows = [{"name": "甲", "title": "", "rank": "emperor"}]
    response = client.post(edit_url(plates), plates_data(client, plates, rows))
    assert response.status_code == 200
    assert response.context["formset"].errors[0]["rank"]


# --- the department queues ------------------------------------------------------------------


def queue_url(department: str) -> str:
    return reverse("department-queue", args=[department])


QUEUE_PERSONAS = [
    Role.CLERK,
    Role.SUPERVISOR,
    Role.LOBBY_MANAGER,
    Role.HOTLINE,
    Role.GROUP_LEADER,
    Role.ENV_SUPERVISOR,
    Role.AUDIO_TECH,
    Role.ATTENDANT,
]


@pytest.mark.parametrize("role", QUEUE_PERSONAS)
def test_the_desk_and_the_serving_roles_work_the_queues(make_user, as_user, major, role):
    client = as_user(make_user(None, role))
    assert client.get(reverse("department-index")).status_code == 200
    response = client.get(queue_url(Department.MEETING_SERVICE))
    assert response.status_code == 200
    banner = order_of(major, OrderKind.BANNER)
    advance = client.post(reverse("order-advance", args=[banner.pk]), {"to_status": "acknowledged"})
    assert advance.status_code == 302
    banner.refresh_from_db()
    assert banner.status == OrderStatus.ACKNOWLEDGED
    nav = re.search(
        r'<ul[^>]*id="nav-items"[^>]*>(.*?)</ul>', response.content.decode(), re.S
    ).group(1)
    assert f'href="{reverse("department-index")}"' in nav


@pytest.mark.parametrize("role", [None, Role.BUREAU])
def test_others_may_not_see_or_move_the_queues(make_user, as_user, major, role):
    user = make_user(None, role) if role else make_user(None)
    client = as_user(user)
    assert client.get(reverse("department-index")).status_code == 403
    assert client.get(queue_url(Department.MEETING_SERVICE)).status_code == 403
    banner = order_of(major, OrderKind.BANNER)
    response = client.post(
        reverse("order-advance", args=[banner.pk]), {"to_status": "acknowledged"}
    )
    assert response.status_code == 403
    banner.refresh_from_db()
    assert banner.status == OrderStatus.REQUESTED
    home = client.get(reverse("today")).content.decode()
    assert f'href="{reverse("department-index")}"' not in home


def test_an_unknown_department_is_not_found(as_user, attendant):
    assert as_user(attendant).get(queue_url("kitchen")).status_code == 404


def test_the_index_counts_open_and_overdue_orders_per_department(
    as_user, attendant, book, hall, clerk, clock
):
    # Level B at 10:30 today, seen at 09:00: the banner (24 h before), name plates (4 h),
    # layout and flowers (2 h) are late; audio-visual, lighting (1 h) and tea (30 min) are not.
    today = book(room=hall, attendees=40, leader_rank=LeaderRank.BUREAU, start=local(10, 30))
    tomorrow = book(room=hall, attendees=8, start=local(14, days=1))  # level C
    cancelled = book(room=hall, attendees=8, start=local(9, days=3))
    services.cancel_meeting(cancelled, by=clerk, reason="取消", now=NOW)
    response = as_user(attendant).get(reverse("department-index"))
    counts = {d["code"]: (d["open"], d["overdue"]) for d in response.context["departments"]}
    meeting_service = today.orders.filter(department=Department.MEETING_SERVICE).count()
    assert counts[Department.MEETING_SERVICE] == (meeting_service + 2, 3)  # + tomorrow's two
    assert counts[Department.ENVIRONMENT] == (1, 1)
    assert counts[Department.AUDIO_CONTROL] == (1, 0)
    assert counts[Department.ENGINEERING] == (1, 0)
    assert counts[Department.SECURITY] == (0, 0)
    assert tomorrow.pk


def test_a_queue_lists_open_orders_soonest_due_first_with_overdue_marked(
    as_user, attendant, book, hall, clock
):
    late = book(room=hall, attendees=40, leader_rank=LeaderRank.BUREAU, start=local(10, 30))
    book(room=hall, attendees=40, leader_rank=LeaderRank.BUREAU, start=local(14, days=1))
    response = as_user(attendant).get(queue_url(Department.MEETING_SERVICE))
    html = response.content.decode()
    ids = [int(pk) for pk in re.findall(r'id="queue-order-(\d+)"', html)]
    dues = [ServiceOrder.objects.get(pk=pk).due_at for pk in ids]
    assert dues == sorted(dues)
    assert len(ids) == ServiceOrder.objects.filter(department="meeting_service").count()
    banner = order_of(late, OrderKind.BANNER)
    row = re.search(rf'<tr[^>]*id="queue-order-{banner.pk}".*?</tr>', html, re.S).group(0)
    assert "order-row-overdue" in row
    assert _("Overdue") in row
    assert str(NEXT_STEP_LABELS[OrderStatus.REQUESTED]) in row
    assert late.title in row


def test_the_next_step_button_walks_an_order_to_delivered(as_user, attendant, major):
    client = as_user(attendant)
    banner = order_of(major, OrderKind.BANNER)
    for current, target in [
        (OrderStatus.REQUESTED, "acknowledged"),
        (OrderStatus.ACKNOWLEDGED, "prepared"),
        (OrderStatus.PREPARED, "delivered"),
    ]:
        html = client.get(queue_url(Department.MEETING_SERVICE)).content.decode()
        row = re.search(rf'<tr[^>]*id="queue-order-{banner.pk}".*?</tr>', html, re.S).group(0)
        assert f'name="to_status" value="{target}"' in row
        assert str(NEXT_STEP_LABELS[current]) in row
        response = client.post(reverse("order-advance", args=[banner.pk]), {"to_status": target})
        assert response.status_code == 302
        assert response["Location"] == queue_url(Department.MEETING_SERVICE)
        assert message_levels(response) == ["success"]
    banner.refresh_from_db()
    assert banner.status == OrderStatus.DELIVERED
    html = client.get(queue_url(Department.MEETING_SERVICE)).content.decode()
    assert f'id="queue-order-{banner.pk}"' not in html  # delivered: off the queue


def test_a_step_someone_else_took_first_is_refused_with_a_message(
    as_user, attendant, lobby_manager, major
):
    banner = order_of(major, OrderKind.BANNER)
    orders.advance_order(banner, by=lobby_manager, to_status="acknowledged", now=NOW)
    response = as_user(attendant).post(
        reverse("order-advance", args=[banner.pk]), {"to_status": "acknowledged"}, follow=True
    )
    assert response.status_code == 200
    [message] = list(response.context["messages"])
    assert message.level_tag == "error"
    assert str(OrderStatus.ACKNOWLEDGED.label) in str(message)
    assert AuditEntry.objects.filter(action="order_acknowledged").count() == 1


def test_a_secret_meeting_is_named_per_the_visibility_policy_in_the_queue(
    as_user, attendant, clerk, book, hall, clock
):
    meeting = book(
        room=hall,
        title="涉密专题会",
        attendees=40,
        confidentiality=Confidentiality.SECRET,
        start=local(14, days=1),
    )
    banner = order_of(meeting, OrderKind.BANNER)
    html = as_user(attendant).get(queue_url(Department.MEETING_SERVICE)).content.decode()
    row = re.search(rf'<tr[^>]*id="queue-order-{banner.pk}".*?</tr>', html, re.S).group(0)
    assert "涉密专题会" not in html
    assert visibility.title_for(attendant, meeting) in row
    assert f'id="advance-{banner.pk}"' not in row
    forbidden = as_user(attendant).post(
        reverse("order-advance", args=[banner.pk]), {"to_status": "acknowledged"}
    )
    assert forbidden.status_code == 403
    # A clerk with the permission sees it and may move it.
    html = as_user(clerk).get(queue_url(Department.MEETING_SERVICE)).content.decode()
    assert "涉密专题会" in html


def test_the_queue_needs_the_same_queries_for_few_or_many_orders(
    as_user, attendant, book, create_room, clock
):
    client = as_user(attendant)

    def count() -> int:
        client.get(queue_url(Department.MEETING_SERVICE))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(queue_url(Department.MEETING_SERVICE))
        assert response.status_code == 200
        return len(queries)

    room = create_room(capacity=200)
    book(room=room, attendees=40, start=local(10, days=1))
    few = count()
    for day in range(2, 8):
        book(room=create_room(capacity=200), attendees=40, start=local(10, days=day))
    many = count()
    assert ServiceOrder.objects.filter(department="meeting_service").count() > 20
    assert many == few, (few, many)
    assert many <= 7  # session, user, groups, permissions (x2), orders

    def index_count() -> int:
        client.get(reverse("department-index"))
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("department-index"))
        return len(queries)

    assert index_count() <= 5  # session, user, groups, the bell, the counts


# --- in a real browser: drag the name plates, then the department moves the order ------------


@pytest.fixture
def reference_data(transactional_db):
    """The live server's tests flush the database, the seeded rules and packages included."""
    import importlib

    from django.apps import apps

    seed = importlib.import_module("bookings.migrations.0005_default_rules_and_packages")
    seed.load(apps, None)


@pytest.mark.browser
def test_a_clerk_drags_the_name_plates_into_order_in_the_browser(
    live_server, reference_data, clerk, attendant, hall, leader
):
    from django.utils import timezone

    from tests.test_browser import (
        CHROMIUM,
        CHROMIUM_ARGS,
        PASSWORD,
        assert_no_csp_violations,
        shot,
    )

    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing")
    from playwright.sync_api import sync_playwright

    start = (timezone.localtime() + dt.timedelta(days=2)).replace(
        hour=14, minute=0, second=0, microsecond=0
    )
    meeting = services.book_meeting(
        by=clerk,
        room=hall,
        title="全区重点项目推进会",
        hosting_unit=leader.unit,
        start=start,
        end=start + dt.timedelta(hours=2),
        attendees=60,
        leader=leader,
    )
    plates = order_of(meeting, OrderKind.NAME_PLATES)
    base = live_server.url
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            context = browser.new_context(
                locale="en-US", viewport={"width": 1280, "height": 900}, timezone_id="Asia/Shanghai"
            )
            page = context.new_page()
            page.set_default_timeout(15_000)
            page.console_errors, page.page_errors = [], []
            page.on(
                "console",
                lambda m: page.console_errors.append(m.text) if m.type == "error" else None,
            )
            page.on("pageerror", lambda error: page.page_errors.append(str(error)))
            page.on("dialog", lambda dialog: dialog.accept())

            def log_in(user):
                page.goto(f"{base}/login/")
                page.fill("#id_username", user.username)
                page.fill("#id_password", PASSWORD)
                page.locator("#login-form button[type=submit]").click()
                # Each role lands on its own page (the attendant on 我的任务).
                page.wait_for_url(lambda url: "/login/" not in url)

            log_in(clerk)
            page.goto(f"{base}/meetings/{meeting.pk}/")
            assert "A：" in page.inner_text("#meeting-level-badge")
            assert page.locator("#orders-table .order-row").count() == meeting.orders.count()
            shot(page, "meeting-orders.png")

            # The name-plate editor: two people added with the script's button.
            page.click("#edit-order-name_plates")
            page.wait_for_url(re.compile(r"/orders/\d+/$"))
            rows = page.locator("#plates-rows [data-plate-row]")
            assert rows.count() == 3  # the leader and two blank rows
            page.fill("#id_plates-1-name", "王芳")
            page.fill("#id_plates-1-title", "局长")
            page.select_option("#id_plates-1-rank", "bureau")
            page.fill("#id_plates-2-name", "赵磊")
            page.fill("#id_plates-2-title", "处长")
            page.select_option("#id_plates-2-rank", "division")
            page.click("#add-plate")
            assert rows.count() == 4
            page.fill("#id_plates-3-name", "刘洋")
            page.fill("#id_plates-3-title", "主持人")
            page.select_option("#id_plates-3-rank", "section")
            page.locator("#id_plates-3-title").press("Tab")  # change event: redraw
            names = page.locator("#rostrum .rostrum-name")
            assert names.all_inner_texts() == ["刘洋", "王芳", "张建国", "赵磊"]  # 4 2 1 3

            # Drag the host (last row) to the top: the numbers are rewritten 1..4.
            page.locator("#plates-rows [data-plate-row]").nth(3).locator(
                "[data-drag-handle]"
            ).drag_to(
                page.locator("#plates-rows [data-plate-row]").nth(0),
                target_position={
                    "x": 20,
                    "y": 4,
                },
            )
            precedence = [
                page.input_value(f"#plates-rows [data-plate-row]:nth-child({i}) .plate-precedence")
                for i in range(1, 5)
            ]
            assert precedence == ["1", "2", "3", "4"]
            order = [
                page.input_value(f"#plates-rows [data-plate-row]:nth-child({i}) .plate-name")
                for i in range(1, 5)
            ]
            assert order == ["刘洋", "张建国", "王芳", "赵磊"]
            assert page.locator("#rostrum-preview-flag").is_visible()
            shot(page, "name-plates-editor.png")
            page.click("#save-order")
            page.wait_for_url(re.compile(rf"/meetings/{meeting.pk}/"))
            plates.refresh_from_db()
            saved = sorted(plates.details["plates"], key=lambda p: p["precedence"])
            assert [p["name"] for p in saved] == ["刘洋", "张建国", "王芳", "赵磊"]
            assert page.locator("#meeting-rostrum .rostrum-name").all_inner_texts() == [
                "赵磊",
                "张建国",
                "刘洋",
                "王芳",
            ]
            page.locator("#orders").scroll_into_view_if_needed()
            shot(page, "meeting-orders-after-plates.png")
            assert_no_csp_violations(page)

            # The meeting-service department acknowledges it from its queue.
            page.context.clear_cookies()
            log_in(attendant)
            page.goto(f"{base}/orders/")
            shot(page, "department-index.png")
            page.click("#department-meeting_service")
            page.wait_for_url(re.compile(r"/orders/meeting_service/$"))
            page.click(f"#advance-{plates.pk}")
            page.wait_for_url(re.compile(r"/orders/meeting_service/$"))
            plates.refresh_from_db()
            assert plates.status == OrderStatus.ACKNOWLEDGED
            shot(page, "department-queue.png")
            assert_no_csp_violations(page)
        finally:
            # ORM calls made while Playwright runs use a connection of their own (its
            # greenlets carry their own context): close it here, or PostgreSQL cannot drop
            # the test database.
            connections.close_all()
