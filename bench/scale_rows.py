"""The rows of bench/scale_data.py: meetings, series, checks, orders, duties and their audit
trail, written with COPY and ids assigned here (so the same plan gives the same rows).

Each writer mirrors the service that would have written the row; the comments name it.
"""

import datetime as dt
import json
from collections import defaultdict
from functools import cache

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bookings import orders as order_services
from bookings.models import (
    KIND_DEPARTMENT,
    RANK_ORDER,
    LeaderRank,
    Meeting,
    MeetingSeries,
    OrderKind,
    OrderStatus,
    PackageItem,
    ServiceOrder,
    SizingRule,
)
from bookings.sizing import size
from core.models import AuditEntry
from core.names import display_name
from inspections.checklists import order_item_text
from inspections.models import Check, CheckLevel, ChecklistItem
from inspections.services import due_at_for
from staffing.models import Duty, DutyRole, Position
from staffing.validation import duty_window

CANCEL_REASON = "会议取消"
SYSTEM = None  # the sweepers and loaders act as nobody ("system" in the audit)
DUTY_SHARE_C = 0.25  # share of small (C) meetings that get an attendant
CHUNK = 20_000


class Rows:
    def __init__(self, plan):
        self.plan = plan
        self.now = plan.now
        self.clerk = plan.users["clerk"]
        self.dispatcher = plan.users["supervisor"]
        self.counts: dict[str, int] = {}
        self.audit_id = (AuditEntry.objects.aggregate(m=models.Max("id"))["m"] or 0) + 1
        self.content_types = {
            model: ContentType.objects.get_for_model(model)
            for model in (Meeting, Check, ServiceOrder, Duty)
        }
        self.rules = list(SizingRule.objects.filter(active=True).order_by("position", "id"))
        self.packages = defaultdict(list)
        for item in PackageItem.objects.order_by("kind"):
            self.packages[item.level].append(item)
        self.templates = defaultdict(list)
        for item in ChecklistItem.objects.filter(active=True).order_by(
            "check_level", "position", "id"
        ):
            self.templates[item.check_level].append(item)

    def write_all(self) -> None:
        with translation.override("zh-hans"):
            self.size_meetings()
            self.copy(MeetingSeries, list(self.series_rows()))
            self.order_id = self.check_id = self.duty_id = 1
            self.busy_until: dict[int, dt.datetime] = {}
            self.pools()
            meetings = self.plan.meetings
            # In chunks, so that the audit rows of a chunk are written before the next one.
            for model, rows in (
                (Meeting, self.meeting_rows),
                (ServiceOrder, self.order_rows),
                (Check, self.check_rows),
                (Duty, self.duty_rows),
            ):
                for first in range(0, len(meetings), CHUNK):
                    self.copy(model, list(rows(meetings[first : first + CHUNK])))
                    self.flush_audit()
        self.reset_sequences()

    # --- COPY ---------------------------------------------------------------------------------

    def copy(self, model, rows, count_as: str = "") -> None:
        """COPY dicts keyed by attname; missing fields take their model default."""
        fields = model._meta.concrete_fields
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        defaults = {f.attname: f.get_default() for f in fields}
        json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}
        table = model._meta.db_table
        written = 0
        raw = connection.connection
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                values = []
                for f in fields:
                    value = row.get(f.attname, defaults[f.attname])
                    if f.attname in json_fields:
                        value = json.dumps(value, ensure_ascii=False)
                    values.append(value)
                copy.write_row(values)
                written += 1
        self.counts[count_as or table] = self.counts.get(count_as or table, 0) + written

    def reset_sequences(self) -> None:
        with connection.cursor() as cursor:
            for model in (MeetingSeries, Meeting, ServiceOrder, Check, Duty, AuditEntry):
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"  # noqa: S608
                    f" (SELECT coalesce(max(id), 1) FROM {table}))"
                )

    # --- audit (core.audit.record) ------------------------------------------------------------

    def record(
        self, model, pk, repr_, action, *, by, at, from_state="", to_state="", changes=None, note=""
    ) -> None:
        self.audit.append(
            {
                "id": self.audit_id,
                "at": at,
                "actor_id": by.pk if by else None,
                "actor_name": display_name(by) if by else "system",
                "content_type_id": self.content_types[model].pk,
                "object_id": str(pk),
                "object_repr": repr_[:200],
                "action": action,
                "from_state": from_state,
                "to_state": to_state,
                "changes": {k: [_plain(a), _plain(b)] for k, (a, b) in (changes or {}).items()},
                "note": note,
            }
        )
        self.audit_id += 1

    # --- meetings (bookings.services.book_meeting, confirm_meeting, cancel_meeting) ----------

    def size_meetings(self) -> None:
        """The loop of bookings.sizing.size over the rules read once; checked against it."""
        self.audit: list[dict] = []
        for m in self.plan.meetings:
            m["leader_rank"] = m["leader"].rank if m["leader"] else LeaderRank.NONE
            m["level"], m["level_reason"] = self.size(
                m["unit"].pk, m["attendees"], m["leader_rank"]
            )
        for m in self.plan.meetings[:: max(len(self.plan.meetings) // 200, 1)]:
            expected = size(
                hosting_unit_id=m["unit"].pk, attendees=m["attendees"], leader_rank=m["leader_rank"]
            )
            if (expected.level, expected.reason) != (m["level"], m["level_reason"]):
                raise RuntimeError(f"sizing differs from bookings.sizing.size for {m}")

    def size(self, unit_id: int, attendees: int, leader_rank: str) -> tuple[str, str]:
        rank = RANK_ORDER.get(leader_rank, 0)
        for rule in self.rules:
            if rule.hosting_unit_id and rule.hosting_unit_id != unit_id:
                continue
            if rule.min_leader_rank and rank < RANK_ORDER[LeaderRank(rule.min_leader_rank)]:
                continue
            if rule.min_attendees and attendees < rule.min_attendees:
                continue
            if rule.max_attendees and attendees > rule.max_attendees:
                continue
            return rule.level, rule.reason
        return "C", _("no sizing rule matched")

    def series_rows(self):
        for s in self.plan.series:
            yield {
                "id": s["id"],
                "title": s["title"],
                "frequency": "weekly",
                "weekdays": [s["weekday"]],
                "interval": s["interval"],
                "first_date": s["first_date"],
                "until": s["until"],
                "working_days_only": True,
                "created_by_id": self.clerk.pk,
                "created_at": s["created_at"],
            }

    def meeting_rows(self, meetings):
        for m in meetings:
            m["repr"] = f"{timezone.localtime(m['start']):%Y-%m-%d %H:%M} {m['title']}"
            version = 1
            self.record(
                Meeting,
                m["id"],
                m["repr"],
                "booked",
                by=self.clerk,
                at=m["booked_at"],
                to_state="requested",
            )
            if m["status"] == "confirmed":
                version += 1
                self.record(
                    Meeting,
                    m["id"],
                    m["repr"],
                    "confirmed",
                    by=self.clerk,
                    at=m["confirmed_at"],
                    from_state="requested",
                    to_state="confirmed",
                )
            elif m["status"] == "cancelled":
                version += 1
                self.record(
                    Meeting,
                    m["id"],
                    m["repr"],
                    "cancelled",
                    by=self.clerk,
                    at=m["cancelled_at"],
                    from_state="requested",
                    to_state="cancelled",
                    note=CANCEL_REASON,
                )
            unit = m["unit"]
            yield {
                "id": m["id"],
                "room_id": m["room"].pk,
                "title": m["title"],
                "hosting_unit_id": unit.pk,
                "contact_name": unit.contact_name,
                "contact_phone": unit.contact_phone,
                "start": m["start"],
                "end": m["end"],
                "attendees": m["attendees"],
                "leader_id": m["leader"].pk if m["leader"] else None,
                "leader_rank": m["leader_rank"],
                "confidentiality": m["confidentiality"],
                "layout": m["layout"],
                "setup_minutes": m["setup"],
                "teardown_minutes": m["teardown"],
                "occupied_from": m["occupied_from"],
                "occupied_until": m["occupied_until"],
                "status": m["status"],
                "cancel_reason": CANCEL_REASON if m["status"] == "cancelled" else "",
                "booked_by_id": self.clerk.pk,
                "booked_at": m["booked_at"],
                "level": m["level"],
                "level_reason": m["level_reason"],
                "series_id": m["series_id"],
                "version": version,
            }

    def flush_audit(self) -> None:
        rows, self.audit = self.audit, []
        self.copy(AuditEntry, rows, count_as="core_auditentry")

    # --- service orders (bookings.orders.propose_package, cancel_with_meeting, advance) ------

    def order_rows(self, meetings):
        for m in meetings:
            order_id = self.order_id
            m["orders"] = []
            for item in self.packages[m["level"]]:
                details = self.details(item, m)
                quantity = (
                    len(details["plates"]) if item.kind == OrderKind.NAME_PLATES else item.quantity
                )
                due = order_services.due_for(item.kind, m["start"])
                status = OrderStatus.REQUESTED
                repr_ = f"{OrderKind(item.kind).label} · {m['repr']}"
                self.record(
                    ServiceOrder,
                    order_id,
                    repr_,
                    "order_requested",
                    by=self.clerk,
                    at=m["booked_at"],
                    to_state=status,
                )
                updated, updated_by = m["booked_at"], self.clerk
                if m["status"] == "cancelled":
                    status, updated, updated_by = (
                        OrderStatus.CANCELLED,
                        m["cancelled_at"],
                        self.clerk,
                    )
                    self.record(
                        ServiceOrder,
                        order_id,
                        repr_,
                        "order_cancelled",
                        by=self.clerk,
                        at=updated,
                        from_state=OrderStatus.REQUESTED,
                        to_state=status,
                    )
                elif m["start"] < self.now:
                    # The department moved it on: acknowledged, prepared, delivered by its due.
                    steps = (OrderStatus.ACKNOWLEDGED, OrderStatus.PREPARED, OrderStatus.DELIVERED)
                    before = OrderStatus.REQUESTED
                    span = max(due - m["booked_at"], dt.timedelta(0))
                    for n, step in enumerate(steps, start=1):
                        updated = m["booked_at"] + span * n / 3
                        self.record(
                            ServiceOrder,
                            order_id,
                            repr_,
                            "order_" + step,
                            by=SYSTEM,
                            at=updated,
                            from_state=before,
                            to_state=step,
                        )
                        before = step
                    status, updated_by = OrderStatus.DELIVERED, None
                m["orders"].append((order_id, item.kind, status))
                yield {
                    "id": order_id,
                    "meeting_id": m["id"],
                    "kind": item.kind,
                    "department": KIND_DEPARTMENT[OrderKind(item.kind)],
                    "status": status,
                    "due_at": due,
                    "quantity": quantity,
                    "details": details,
                    "note": "",
                    "created_at": m["booked_at"],
                    "updated_at": updated,
                    "updated_by_id": updated_by.pk if updated_by else None,
                }
                order_id += 1
            self.order_id = order_id

    def details(self, item, m) -> dict:
        leader = m["leader"]
        return _details(item, m["title"], leader)

    # --- checks (inspections.services.ensure_checks, close_past_checks, cancel_checks) -------

    def check_rows(self, meetings):
        for m in meetings:
            check_id = self.check_id
            for level in CheckLevel:
                due = due_at_for(level, m["start"])
                repr_ = f"{level.label} · {m['repr']}"
                self.record(
                    Check,
                    check_id,
                    repr_,
                    "check_created",
                    by=self.clerk,
                    at=m["booked_at"],
                    to_state="pending",
                    changes={"due_at": (None, due)},
                )
                row = {
                    "id": check_id,
                    "meeting_id": m["id"],
                    "level": level.value,
                    "due_at": due,
                    "status": "pending",
                }
                closed_at = min(due + dt.timedelta(minutes=5), self.now)
                cancelled = m["status"] == "cancelled"
                if due < self.now and not (cancelled and closed_at >= m["cancelled_at"]):
                    row.update(
                        status="done",
                        result="ok",
                        done_at=closed_at,
                        item_results=self.items(level, m),
                    )
                    self.record(
                        Check,
                        check_id,
                        repr_,
                        "check_done",
                        by=SYSTEM,
                        at=closed_at,
                        from_state="pending",
                        to_state="done",
                        changes={"result": ("", "ok")},
                    )
                elif cancelled:
                    row["status"] = "cancelled"
                    self.record(
                        Check,
                        check_id,
                        repr_,
                        "check_cancelled",
                        by=self.clerk,
                        at=m["cancelled_at"],
                        from_state="pending",
                        to_state="cancelled",
                        note=CANCEL_REASON,
                    )
                yield row
                check_id += 1
            self.check_id = check_id

    def items(self, level, m) -> list[dict]:
        """What close_past_checks records: every item ticked; an order line not yet prepared
        carries the loader's note."""
        lines = [
            {"text": item.text, "ok": True, "note": ""}
            for item in self.templates[level.value]
            if item.applies_to(m["level"])
        ]
        if level == CheckLevel.THREE:
            for order_id, kind, status in sorted(
                m["orders"], key=lambda o: (KIND_DEPARTMENT[OrderKind(o[1])], o[1])
            ):
                if status == OrderStatus.CANCELLED:
                    continue
                ready = status in (OrderStatus.PREPARED, OrderStatus.DELIVERED)
                lines.append(
                    {
                        "text": _order_text(kind),
                        "ok": True,
                        "note": "" if ready else _("Recorded when the demo was loaded."),
                        "order_id": order_id,
                        "order_status": status,
                    }
                )
        return lines

    # --- duties (staffing.services.assign_staff, acknowledge_duty) ----------------------------

    def pools(self) -> None:
        self.leads, self.attendants = defaultdict(list), defaultdict(list)
        for staff, person in self.plan.staff:
            if person.position != Position.ATTENDANT or person.crew == "night":
                continue
            pool = self.leads if staff.is_group_leader else self.attendants
            pool[staff.home_building_id].append(staff)

    def duty_rows(self, meetings):
        rng = self.plan.rng
        leads, attendants, busy_until = self.leads, self.attendants, self.busy_until
        for m in meetings:
            if m["status"] == "cancelled":
                continue
            if m["level"] == "C" and rng.random() >= DUTY_SHARE_C:
                continue
            roles = (
                [DutyRole.ATTENDANT] if m["level"] == "C" else [DutyRole.LEAD, DutyRole.ATTENDANT]
            )
            building_id = m["room"].building_id
            start, end = duty_window(_MeetingTimes(m["start"], m["end"], m["teardown"]))
            for role in roles:
                pool = (leads if role == DutyRole.LEAD else attendants)[building_id]
                offset = rng.randrange(len(pool))
                person = next(
                    (
                        pool[(offset + i) % len(pool)]
                        for i in range(len(pool))
                        if busy_until.get(pool[(offset + i) % len(pool)].pk, start) <= start
                    ),
                    None,
                )
                if person is None:
                    continue  # everyone busy: left for the dispatcher, as a real day would
                busy_until[person.pk] = end
                assigned_at = max(m["booked_at"], min(start - dt.timedelta(days=1), self.now))
                repr_ = f"{person.name} · {DutyRole(role).label} · {m['repr']}"
                self.record(
                    Duty,
                    self.duty_id,
                    repr_,
                    "duty_assigned",
                    by=self.dispatcher,
                    at=assigned_at,
                    to_state="assigned",
                    changes={"staff": (None, person.name), "role": (None, role)},
                )
                row = {
                    "id": self.duty_id,
                    "staff_id": person.pk,
                    "meeting_id": m["id"],
                    "role": role,
                    "building_id": building_id,
                    "start": start,
                    "end": end,
                    "status": "assigned",
                    "assigned_by_id": self.dispatcher.pk,
                    "assigned_at": assigned_at,
                }
                acknowledged = assigned_at + dt.timedelta(hours=1)
                if acknowledged < self.now:
                    row.update(status="acknowledged", acknowledged_at=acknowledged)
                    self.record(
                        Duty,
                        self.duty_id,
                        repr_,
                        "duty_acknowledged",
                        by=None,
                        at=acknowledged,
                        from_state="assigned",
                        to_state="acknowledged",
                    )
                yield row
                self.duty_id += 1


class _MeetingTimes:
    """What staffing.validation.duty_window reads from a meeting."""

    def __init__(self, start, end, teardown_minutes):
        self.start, self.end, self.teardown_minutes = start, end, teardown_minutes


@cache
def _order_text(kind: str) -> str:
    return order_item_text(ServiceOrder(kind=kind, department=KIND_DEPARTMENT[OrderKind(kind)]))


_DETAILS_CACHE: dict = {}


def _details(item, title: str, leader) -> dict:
    """bookings.orders: clean_details(default_details(...)) of a meeting with this title and
    leader (all the details read from the meeting)."""
    key = (item.pk, title, leader.pk if leader else None)
    if key not in _DETAILS_CACHE:
        meeting = Meeting(title=title, leader=leader)
        _DETAILS_CACHE[key] = order_services.clean_details(
            item.kind, order_services.default_details(item.kind, meeting, item.details)
        )
    return _DETAILS_CACHE[key]


def _plain(value):
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    return value
