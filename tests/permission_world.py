"""The world the permission matrix (tests/test_permission_matrix.py) walks: one of every object a
URL can name, a normal and a SECRET meeting side by side, and one login per persona.

Everything goes through the services the application uses, at the fixed moment NOW (time is
frozen by the test). The secret meeting carries marker strings in every detail the policy hides
(title, notes, contact, name plates, the leader's service notes), so a leak is a plain substring
search over whatever a response holds.
"""

import datetime as dt
import io
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from bookings import orders
from bookings import services as bookings
from bookings.models import (
    Building,
    Confidentiality,
    HostingUnit,
    Leader,
    LeaderRank,
    Meeting,
    OrderKind,
    Room,
)
from bookings.series import book_series
from conference import door
from core.notifications import notify
from core.roles import Role, add_role, sync_role_groups
from feedback import services as feedback
from feedback.models import Complaint
from feeds import services as feeds
from feeds.models import FeedKind, FeedLink
from inspections import incidents, requests
from inspections.models import IncidentCategory, Severity
from inspections.sweepers import escalate_late_checks, notify_due_checks
from offices import services as offices
from quality import services as quality
from quality.models import AppliesTo, CorrectiveAction, InspectionTemplate, TemplateItem
from quality.sweepers import notify_overdue_actions
from reports import services as reports
from reports.models import Kind
from reports.viewers import RoleViewer
from staffing import services as staffing
from staffing.models import DutyRole, Position

# Friday 27 November 2026, 09:00 in Shanghai (tests/conftest.py NOW).
from tests.conftest import NOW
from tests.staffing_factories import DEFAULT_DAY, make_staff

TODAY = DEFAULT_DAY

# --- the secret meeting's markers: none of them may reach a viewer without clearance ----------
SECRET_TITLE = "MXSECRETTITLE绝密专题会"
SECRET_NOTES = "MXSECRETNOTES会场布置"
SECRET_CONTACT = "MXSECRETCONTACT"
SECRET_PLATES = ("MXPLATEONE张三", "MXPLATETWO李四")
LEADER_NOTES = "MXLEADERNOTES喜喝龙井"
# Every marker, and the ones that even cleared viewers may not read unless they serve the meeting.
SECRET_MARKERS = (SECRET_TITLE, SECRET_NOTES, SECRET_CONTACT, *SECRET_PLATES, LEADER_NOTES)
NORMAL_TITLE = "MXNORMALTITLE普通工作会"

# Personas: each role, a clerk whose clearance ran out, an authorised attendant serving the
# secret meeting (the positive control for leader notes) and an anonymous visitor.
ANONYMOUS = "anonymous"
CLERK_UNCLEARED = "clerk_uncleared"
SECRET_SERVER = "secret_server"
NO_ROLE = "no_role"  # logged in, no role at all
ROLE_PERSONAS = tuple(role.value for role in Role)
PERSONAS = (ANONYMOUS, *ROLE_PERSONAS, CLERK_UNCLEARED, SECRET_SERVER, NO_ROLE)
# Who may read the secret meeting's details (bookings.visibility): the permission holders with a
# valid authorisation (the clerk and the supervisor are not linked to staff, so they count as
# authorised) and authorised staff on its duties. Only the last read the leader's notes.
CLEARED = frozenset({Role.CLERK.value, Role.SUPERVISOR.value, SECRET_SERVER})
READS_LEADER_NOTES = frozenset({SECRET_SERVER})


@dataclass
class World:
    users: dict = field(default_factory=dict)  # persona -> user (no entry for anonymous)
    ids: dict = field(default_factory=dict)  # name -> object id, for filling URL parameters
    tokens: dict = field(default_factory=dict)  # name -> token string
    kinds: dict = field(default_factory=dict)  # name -> str parameter (kinds, departments)


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile("finding.png", buffer.getvalue(), content_type="image/png")


def _user(username: str, *roles: Role):
    user = get_user_model().objects.create_user(
        username=username, password="pw-for-tests-only", email=f"{username}@example.cn"
    )
    for role in roles:
        add_role(user, role)
    return user


def _people(w: World, building: Building) -> dict:
    """One login per persona, linked to a staff record where the person serves meetings."""
    sync_role_groups()
    u = w.users
    for role in Role:
        u[role.value] = _user(f"pm-{role.value}", role)
    u[CLERK_UNCLEARED] = _user("pm-clerk-uncleared", Role.CLERK)
    u[SECRET_SERVER] = _user("pm-secret-server", Role.ATTENDANT)
    u[NO_ROLE] = _user("pm-no-role")
    staff = {
        # Clearance ran out yesterday: the permission alone no longer opens secret details.
        CLERK_UNCLEARED: make_staff(
            user=u[CLERK_UNCLEARED],
            position=Position.CLERK,
            authorised=True,
            authorised_until=TODAY - dt.timedelta(days=1),
        ),
        Role.LOBBY_MANAGER: make_staff(
            user=u[Role.LOBBY_MANAGER], position=Position.LOBBY_MANAGER, home_building=building
        ),
        Role.GROUP_LEADER: make_staff(
            user=u[Role.GROUP_LEADER], is_group_leader=True, home_building=building
        ),
        Role.ENV_SUPERVISOR: make_staff(user=u[Role.ENV_SUPERVISOR], home_building=building),
        Role.ATTENDANT: make_staff(user=u[Role.ATTENDANT], home_building=building),
        Role.AUDIO_TECH: make_staff(
            user=u[Role.AUDIO_TECH],
            position=Position.AUDIO_TECH,
            skills=["audio"],
            home_building=building,
        ),
        SECRET_SERVER: make_staff(
            user=u[SECRET_SERVER], authorised=True, home_building=building, name="保密服务员"
        ),
        "spare": make_staff(authorised=True, home_building=building, name="备用服务员"),
    }
    return staff


def build_world() -> World:
    w = World()
    building, _created = Building.objects.get_or_create(
        code="conference", defaults={"name": "会议大厦", "name_en": "Conference building"}
    )
    room_kw = {"building": building, "floor": 3, "capacity": 40, "layouts": ["boardroom"]}
    room = Room.objects.create(number="PM301", name="矩阵第一会议室", **room_kw)
    secret_room = Room.objects.create(number="PM302", name="矩阵第二会议室", **room_kw)
    office = Room.objects.create(
        building=building,
        number="PM805",
        name="矩阵办公室",
        floor=8,
        capacity=4,
        kind=Room.Kind.OFFICE,
    )
    unit = HostingUnit.objects.create(
        name="矩阵测试委员会", short_name="矩阵委", contact_name="李明", contact_phone="13800138000"
    )
    leader = Leader.objects.create(
        name="矩阵领导",
        title="副区长",
        rank=LeaderRank.DISTRICT,
        unit=unit,
        service_notes=LEADER_NOTES,
    )
    staff = _people(w, building)
    u = w.users
    clerk = u[Role.CLERK]

    def book(now=NOW, **kw):
        return bookings.book_meeting(by=clerk, hosting_unit=unit, attendees=12, now=now, **kw)

    earlier = NOW - dt.timedelta(days=3)

    normal = book(
        room=room,
        title=NORMAL_TITLE,
        start=NOW + dt.timedelta(hours=2),
        end=NOW + dt.timedelta(hours=3),
    )
    secret = book(
        room=secret_room,
        title=SECRET_TITLE,
        start=NOW + dt.timedelta(hours=4),
        end=NOW + dt.timedelta(hours=6),
        confidentiality=Confidentiality.SECRET,
        leader=leader,
        notes=SECRET_NOTES,
        contact_name=SECRET_CONTACT,
    )
    past = book(
        room=room,
        title="MXPASTTITLE昨日会议",
        start=NOW - dt.timedelta(days=1),
        end=NOW - dt.timedelta(days=1) + dt.timedelta(hours=1),
        now=earlier,
    )
    bookings.confirm_meeting(normal, by=clerk, now=NOW)
    bookings.confirm_meeting(secret, by=clerk, now=NOW)
    bookings.confirm_meeting(past, by=clerk, now=earlier)
    requested = book(
        room=room,
        title="MXREQUESTED待确认会议",
        start=NOW + dt.timedelta(days=1),
        end=NOW + dt.timedelta(days=1, hours=1),
    )
    book_series(
        by=clerk,
        room=room,
        title="矩阵周例会",
        hosting_unit=unit,
        attendees=10,
        start_time=dt.time(15),
        end_time=dt.time(16),
        first_date=TODAY + dt.timedelta(days=3),
        frequency="weekly",
        count=2,
        now=NOW,
    )
    series_id = Meeting.objects.filter(title="矩阵周例会")[0].series_id

    # Name plates: the secret meeting's attendees by name.
    plates = [{"name": n, "title": "处长", "precedence": i} for i, n in enumerate(SECRET_PLATES, 1)]
    existing = secret.orders.filter(kind=OrderKind.NAME_PLATES).first()
    if existing is None:
        orders.add_order(secret, by=clerk, kind=OrderKind.NAME_PLATES, details={"plates": plates})
    else:
        orders.update_order(existing, by=clerk, details={"plates": plates})
    order = normal.orders.exclude(status="cancelled").order_by("pk").first()
    secret_order = secret.orders.get(kind=OrderKind.NAME_PLATES)

    # Duties: the serving roles on the normal meeting, the authorised attendant on the secret one.
    duty = staffing.assign_duty(
        normal, by=u[Role.SUPERVISOR], staff=staff[Role.ATTENDANT], role=DutyRole.ATTENDANT, now=NOW
    )
    for persona, role in (
        (Role.GROUP_LEADER, DutyRole.LEAD),
        (Role.AUDIO_TECH, DutyRole.AUDIO),
        (Role.ENV_SUPERVISOR, DutyRole.HOSTESS),
    ):
        staffing.assign_duty(
            normal, by=u[Role.SUPERVISOR], staff=staff[persona], role=role, now=NOW
        )
    secret_duty = staffing.assign_duty(
        secret, by=u[Role.SUPERVISOR], staff=staff[SECRET_SERVER], role=DutyRole.ATTENDANT, now=NOW
    )

    # Office service: a requested round, on the attendant's phone.
    office_round = offices.request_round(
        by=u[Role.HOTLINE], room=office, what="送茶", when=NOW + dt.timedelta(hours=1), now=NOW
    )
    round_duty = staffing.assign_round_duty(
        office_round, by=u[Role.SUPERVISOR], staff=staff[Role.ATTENDANT], now=NOW
    )

    # Checks, incidents, phoned-in requests: on the secret meeting where they can name it.
    check = secret.checks.order_by("level").first()
    incident = incidents.report_incident(
        by=u[Role.HOTLINE],
        category=IncidentCategory.EQUIPMENT,
        severity=Severity.HIGH,
        description="话筒无声",
        meeting=secret,
        now=NOW,
    )
    service_request = requests.log_request(
        by=u[Role.HOTLINE], what="加水", room=secret_room, caller="会务", now=NOW
    )

    # Quality: an inspection of the secret meeting with a photographed finding and its action.
    template, created = InspectionTemplate.objects.get_or_create(
        name="品质检查表", defaults={"applies_to": AppliesTo.BOTH}
    )
    if created:
        TemplateItem.objects.create(template=template, position=1, text="会场准备", weight=1)
    inspection = quality.record_inspection(
        by=u[Role.SUPERVISOR],
        template=template,
        meeting=secret,
        scores={item.pk: 4 for item in template.items.all()},
        findings=[
            {
                "text": "茶杯摆放不整齐",
                "photo": _png(),
                "assignee": staff[Role.ATTENDANT],
                "due_on": TODAY + dt.timedelta(days=2),
                "action": "重新摆放",
            }
        ],
        now=NOW,
    )
    action = CorrectiveAction.objects.get(finding__inspection=inspection)

    # Feedback: yesterday's meeting answered with a complaint; a live link for the secret one.
    invitation = feedback.invite(past, now=NOW)
    answered = feedback.services_for(past)
    feedback.submit(invitation.token, dict.fromkeys(answered, 1), "太冷", complaint=True, now=NOW)
    complaint = Complaint.objects.order_by("pk").first()
    open_invitation = feedback.invite(secret, now=NOW)

    # Door display, calendar feeds, a notification.
    door_link = door.issue_link(building, by=u[Role.SUPERVISOR], now=NOW)
    room_feed = feeds.link_for(clerk, FeedKind.ROOM, secret_room, now=NOW)
    unit_feed = feeds.link_for(clerk, FeedKind.UNIT, unit, now=NOW)
    staff_feed = feeds.link_for(u[SECRET_SERVER], FeedKind.STAFF, staff[SECRET_SERVER], now=NOW)
    note = notify([clerk], kind="info", title="矩阵通知", email=False, now=NOW)[0]

    # Documents, generated now: today's notice as the cleared clerk sees it, the same notice
    # scheduled for the clerks' role, the secret meeting's name plates, and the lobby manager's
    # own notice (made for a viewer without clearance).
    docs = {
        "doc_clerk_notice": reports.request_document(
            by=clerk, kind=Kind.DAILY_NOTICE, day=TODAY, now=NOW
        ),
        "doc_role_notice": reports.request_document(
            by=None,
            kind=Kind.DAILY_NOTICE,
            day=TODAY,
            viewer=RoleViewer(Role.CLERK),
            slot="pm-slot",
            now=NOW,
        ),
        "doc_plates": reports.request_document(
            by=clerk, kind=Kind.NAME_PLATES, meeting=secret, now=NOW
        ),
        "doc_lobby_notice": reports.request_document(
            by=u[Role.LOBBY_MANAGER], kind=Kind.DAILY_NOTICE, day=TODAY, now=NOW
        ),
    }
    for document in docs.values():
        reports.generate(document.pk, now=NOW)

    # The sweepers as the clock runs on: the secret meeting's checks come due (12:30 is its
    # last one) and go late, and the finding's action goes overdue; each tells people by
    # notification and e-mail.
    notify_due_checks(now=NOW + dt.timedelta(hours=3, minutes=30))
    escalate_late_checks(now=NOW + dt.timedelta(hours=3, minutes=59))
    notify_overdue_actions(now=NOW + dt.timedelta(days=3))

    w.ids.update(
        building=building.pk,
        room=room.pk,
        secret_room=secret_room.pk,
        office=office.pk,
        unit=unit.pk,
        leader=leader.pk,
        normal=normal.pk,
        secret=secret.pk,
        past=past.pk,
        requested=requested.pk,
        series=series_id,
        order=order.pk,
        secret_order=secret_order.pk,
        duty=duty.pk,
        secret_duty=secret_duty.pk,
        round=office_round.pk,
        round_duty=round_duty.pk,
        check=check.pk,
        incident=incident.pk,
        request=service_request.pk,
        inspection=inspection.pk,
        finding=action.finding_id,
        action=action.pk,
        complaint=complaint.pk,
        door_link=door_link.pk,
        notification=note.pk,
        staff_secret_server=staff[SECRET_SERVER].pk,
        staff_attendant=staff[Role.ATTENDANT].pk,
        **{name: d.pk for name, d in docs.items()},
    )
    w.tokens.update(
        feedback=invitation.token,
        feedback_secret=open_invitation.token,
        door=door_link.token,
        feed_room=room_feed.token,
        feed_unit=unit_feed.token,
        feed_staff=staff_feed.token,
    )
    w.ids["series_meeting"] = Meeting.objects.filter(series_id=series_id).order_by("start")[0].pk
    w.kinds.update(department=secret_order.department)
    assert FeedLink.objects.count() == 3
    return w
