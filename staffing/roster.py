"""The roster: who may see it, its queries, clearance, and the .xlsx export and import.

The import is all or nothing: every row is validated first, each bad one reported with its line
number and reason, and only a file without a single error is written, in one transaction.
"""

import datetime as dt
import io
import re
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bookings.models import Building
from core import audit
from core.roles import Role, has_role
from staffing import roster_file
from staffing.errors import RosterError
from staffing.models import Absence, Position, Shift, ShiftKind, Skill, Staff, Team

# The no-criminal-record certificate (无犯罪记录证明) is taken as valid for three years.
CERTIFICATE_VALID_DAYS = 1095
# Authorisations and certificates running out within this many days are listed.
EXPIRY_WARNING_DAYS = 30


# --- Access -----------------------------------------------------------------------------------


def can_view_roster(user) -> bool:
    return user.is_superuser or has_role(
        user, Role.SUPERVISOR, Role.LOBBY_MANAGER, Role.CLERK, Role.HOTLINE
    )


def can_import_roster(user) -> bool:
    return user.is_superuser or has_role(user, Role.SUPERVISOR)


# --- Queries ----------------------------------------------------------------------------------


def authorised_q(today: dt.date) -> Q:
    """The database form of Staff.is_authorised_on: keep the two in step."""
    return Q(
        background_checked_on__isnull=False,
        no_criminal_record_on__isnull=False,
        confidentiality_trained_on__isnull=False,
        authorised_until__gte=today,
    )


def authorised_now(staff: Staff, today: dt.date | None = None) -> bool:
    """Whether the person may work where confidential information is seen (授权上岗) today."""
    return staff.is_authorised_on(today or timezone.localdate())


def week_bounds(day: dt.date, weeks: int = 1) -> tuple[dt.datetime, dt.datetime]:
    """Monday 00:00 of `day`'s week to the Monday `weeks` later (weeks start on Monday)."""
    monday = day - dt.timedelta(days=day.weekday())
    start = timezone.make_aware(dt.datetime.combine(monday, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(monday + dt.timedelta(weeks=weeks), dt.time.min))
    return start, end


def roster_queryset(
    *,
    position: str = "",
    team: Team | None = None,
    building: Building | None = None,
    skill: str = "",
    authorised: str = "",
    q: str = "",
    today: dt.date,
) -> QuerySet[Staff]:
    """Active staff matching the filters, with this week's shifts prefetched (two queries)."""
    staff = Staff.objects.filter(active=True).select_related("team", "home_building", "user")
    if position:
        staff = staff.filter(position=position)
    if team:
        staff = staff.filter(team=team)
    if building:
        staff = staff.filter(home_building=building)
    if skill:
        # JSON containment is not available on SQLite; the codes are distinct quoted words, so a
        # match on the stored text is exact on both databases.
        staff = staff.filter(skills__icontains=f'"{skill}"')
    if authorised == "yes":
        staff = staff.filter(authorised_q(today))
    elif authorised == "no":
        staff = staff.exclude(authorised_q(today))
    if q:
        staff = staff.filter(
            Q(name__icontains=q) | Q(employee_no__icontains=q) | Q(phone__icontains=q)
        )
    start, end = week_bounds(today)
    return staff.prefetch_related(
        Prefetch(
            "shifts",
            queryset=Shift.objects.filter(start__lt=end, end__gt=start),
            to_attr="week_shifts",
        )
    )


def skill_labels(staff: Staff) -> list[str]:
    return [str(Skill(code).label) for code in staff.skills or [] if code in Skill.values]


def shift_summary(shifts: list[Shift]) -> str:
    """`Day ×5 · On call ×1`: a week's shifts by kind, in the kinds' order."""
    counts = dict.fromkeys(ShiftKind, 0)
    for shift in shifts:
        counts[ShiftKind(shift.kind)] += 1
    return " · ".join(f"{kind.label} ×{n}" for kind, n in counts.items() if n)


def availability(staff: Staff, today: dt.date) -> tuple[list[Shift], list[Absence]]:
    """The person's shifts and absences this week and next."""
    start, end = week_bounds(today, weeks=2)
    shifts = list(staff.shifts.filter(start__lt=end, end__gt=start))
    absences = list(staff.absences.filter(start__lt=end, end__gt=start))
    return shifts, absences


@dataclass(frozen=True)
class Expiry:
    staff: Staff
    what: str
    on: dt.date
    days_left: int


def clearance_report(today: dt.date) -> tuple[list[Expiry], list[Staff]]:
    """Authorisations and certificates running out within 30 days (or already run out), and the
    people not authorised today. Two queries."""
    horizon = today + dt.timedelta(days=EXPIRY_WARNING_DAYS)
    certificate_from = horizon - dt.timedelta(days=CERTIFICATE_VALID_DAYS)
    staff = Staff.objects.filter(active=True).select_related("team", "home_building")
    expiring = []
    soon = staff.filter(
        Q(authorised_until__gte=today, authorised_until__lte=horizon)
        | Q(no_criminal_record_on__lte=certificate_from)
    )
    for person in soon:
        until = person.authorised_until
        if until and today <= until <= horizon:
            expiring.append(Expiry(person, _("Authorisation"), until, (until - today).days))
        certificate = person.no_criminal_record_on
        if certificate and certificate <= certificate_from:
            runs_out = certificate + dt.timedelta(days=CERTIFICATE_VALID_DAYS)
            expiring.append(
                Expiry(
                    person, _("No-criminal-record certificate"), runs_out, (runs_out - today).days
                )
            )
    expiring.sort(key=lambda e: (e.on, e.staff.employee_no))
    unauthorised = list(staff.exclude(authorised_q(today)))
    return expiring, unauthorised


# --- The spreadsheet ----------------------------------------------------------------------------


def _in_language(code: str, value) -> str:
    with translation.override(code):
        return str(value)


def _columns() -> list[str]:
    return [
        _("Employee number"),
        _("Name"),
        _("Phone"),
        _("Position"),
        _("Team"),
        _("Home building"),
        _("Skills"),
        _("Service group leader"),
        _("Environment supervisor"),
        _("Background check"),
        _("No-criminal-record certificate"),
        _("Guarantor"),
        _("Confidentiality training"),
        _("Authorised until"),
    ]


SKILL_SEPARATORS = re.compile(r"[、,，;；\n]+")
YES = {"是", "yes", "y", "true", "1", "√"}
NO = {"否", "no", "n", "false", "0", ""}


def export_roster(staff) -> bytes:
    """The roster as an .xlsx file in the import's own layout, so it can be edited and re-read."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("Roster")
    sheet.append(_columns())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    yes, no = "是", "否"
    for person in staff:
        sheet.append(
            [
                person.employee_no,
                person.name,
                person.phone,
                person.get_position_display(),
                person.team.name if person.team else "",
                person.home_building.name if person.home_building else "",
                "、".join(skill_labels(person)),
                yes if person.is_group_leader else no,
                yes if person.is_env_supervisor else no,
                person.background_checked_on,
                person.no_criminal_record_on,
                person.guarantor,
                person.confidentiality_trained_on,
                person.authorised_until,
            ]
        )
    for row in sheet.iter_rows(min_row=2, min_col=10, max_col=14):
        for cell in row:
            cell.number_format = "yyyy-mm-dd"
    for column, width in zip(
        "ABCDEFGHIJKLMN", (10, 10, 14, 18, 16, 10, 28, 8, 8, 12, 12, 10, 12, 12), strict=True
    ):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# The plan's own Chinese names, accepted whatever the translation catalogue says (data, not UI).
POSITION_ALIASES = {
    "客户服务部主管": Position.SUPERVISOR,
    "主管": Position.SUPERVISOR,
    "大堂经理": Position.LOBBY_MANAGER,
    "信息处理中心": Position.CLERK,
    "信息处理中心办事员": Position.CLERK,
    "办事员": Position.CLERK,
    "音控服务班": Position.AUDIO_TECH,
    "音控技术员": Position.AUDIO_TECH,
    "会议服务班": Position.ATTENDANT,
    "会议服务中心": Position.ATTENDANT,
    "会议服务员": Position.ATTENDANT,
    "会务服务员": Position.ATTENDANT,
    "服务员": Position.ATTENDANT,
}
SKILL_ALIASES = {
    "礼仪": Skill.ETIQUETTE,
    "礼仪服务": Skill.ETIQUETTE,
    "茶水": Skill.TEA,
    "茶水服务": Skill.TEA,
    "音控": Skill.AUDIO,
    "保洁": Skill.CLEANING,
    "清洁": Skill.CLEANING,
    "接待": Skill.RECEPTION,
}


class _Lookups:
    """Every way a cell may name a choice: code, Chinese label, English label (case-folded)."""

    def __init__(self) -> None:
        self.positions = {**POSITION_ALIASES, **self._choices(Position)}
        self.skills = {**SKILL_ALIASES, **self._choices(Skill)}
        self.teams = {team.name.casefold(): team for team in Team.objects.all()}
        self.buildings = {}
        for b in Building.objects.all():
            for key in (b.code, b.name, b.name_en):
                if key:
                    self.buildings[key.casefold()] = b

    @staticmethod
    def _choices(choices) -> dict[str, str]:
        found = {}
        for value, label in choices.choices:
            for key in (value, _in_language("zh-hans", label), _in_language("en", label)):
                found[key.casefold()] = value
        return found


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", text)
    if not match:
        raise ValueError(text)
    return dt.date(*(int(part) for part in match.groups()))


PHONE = re.compile(r"1\d{10}|0\d{2,3}-?\d{7,8}(-\d{1,6})?")


def _parse_row(values: list, lookups: _Lookups) -> tuple[dict, list[str]]:
    """One row as Staff field values, and what is wrong with it."""
    values = (list(values) + [None] * 14)[:14]
    problems = []
    number, name, phone = _text(values[0]), _text(values[1]), _text(values[2])
    if not number:
        problems.append(_("the employee number is missing"))
    elif len(number) > 20:
        problems.append(_("the employee number is longer than 20 characters"))
    if not name:
        problems.append(_("the name is missing"))
    elif len(name) > 50:
        problems.append(_("the name is longer than 50 characters"))
    if phone and not PHONE.fullmatch(phone):
        problems.append(
            _("phone “%(phone)s” is neither an 11-digit mobile nor an office line")
            % {"phone": phone}
        )
    position = lookups.positions.get(_text(values[3]).casefold())
    if position is None:
        problems.append(_("unknown position “%(value)s”") % {"value": _text(values[3])})
    team = None
    if _text(values[4]):
        team = lookups.teams.get(_text(values[4]).casefold())
        if team is None:
            problems.append(_("unknown team “%(value)s”") % {"value": _text(values[4])})
    building = None
    if _text(values[5]):
        building = lookups.buildings.get(_text(values[5]).casefold())
        if building is None:
            problems.append(_("unknown building “%(value)s”") % {"value": _text(values[5])})
    skills = []
    for word in SKILL_SEPARATORS.split(_text(values[6])):
        word = word.strip()
        if not word:
            continue
        skill = lookups.skills.get(word.casefold())
        if skill is None:
            problems.append(_("unknown skill “%(value)s”") % {"value": word})
        elif skill not in skills:
            skills.append(skill)
    flags = []
    for index, label in ((7, _("service group leader")), (8, _("environment supervisor"))):
        word = _text(values[index]).casefold()
        if word in YES:
            flags.append(True)
        elif word in NO:
            flags.append(False)
        else:
            flags.append(False)
            problems.append(
                _("“%(value)s” for %(column)s is not 是 or 否") % {"value": word, "column": label}
            )
    dates = {}
    for index, key in (
        (9, "background_checked_on"),
        (10, "no_criminal_record_on"),
        (12, "confidentiality_trained_on"),
        (13, "authorised_until"),
    ):
        try:
            dates[key] = _date(values[index])
        except ValueError:
            problems.append(
                _("“%(value)s” in column %(column)d is not a date such as 2026-11-27")
                % {"value": _text(values[index]), "column": index + 1}
            )
    guarantor = _text(values[11])
    if len(guarantor) > 50:
        problems.append(_("the guarantor is longer than 50 characters"))
    fields = {
        "employee_no": number,
        "name": name,
        "phone": phone,
        "position": position,
        "team": team,
        "home_building": building,
        "skills": skills,
        "is_group_leader": flags[0],
        "is_env_supervisor": flags[1],
        "guarantor": guarantor,
        **dates,
    }
    return fields, problems


def import_roster(upload, *, by, now: dt.datetime | None = None) -> ImportReport:
    """Read the roster file; create people with new employee numbers and update the others.

    Nothing is written unless every row is valid: the report then lists each bad row's line
    number and reasons. Raises RosterError when the file itself is refused (staffing.roster_file
    says what is checked: type, size, content, unpacked size, rows).
    """
    lookups = _Lookups()
    report = ImportReport()
    rows: list[tuple[int, dict]] = []
    seen: dict[str, int] = {}
    for line, values in roster_file.read_rows(upload):
        if all(_text(value) == "" for value in values):
            continue
        fields, problems = _parse_row(list(values), lookups)
        number = fields["employee_no"]
        if number and number in seen:
            problems.append(
                _("employee number %(number)s is already on line %(line)d")
                % {"number": number, "line": seen[number]}
            )
        seen.setdefault(number, line)
        for problem in problems:
            report.errors.append((line, problem))
        rows.append((line, fields))
    if not rows and not report.errors:
        raise RosterError(_("The file has no rows below the header."))
    if report.errors:
        return report
    try:
        _write(rows, report, by=by, now=now)
    except IntegrityError as error:
        # Someone created the same employee number between our check and our write.
        raise RosterError(
            _("The roster changed while the file was being imported; please import it again.")
        ) from error
    return report


def _write(rows: list[tuple[int, dict]], report: ImportReport, *, by, now) -> None:
    with transaction.atomic():
        existing = {
            s.employee_no: s
            for s in Staff.objects.select_for_update(of=("self",))
            .select_related("team", "home_building")
            .filter(employee_no__in=[f["employee_no"] for _l, f in rows])
        }
        new = []
        for _line, fields in rows:
            person = existing.get(fields["employee_no"])
            if person is None:
                new.append(Staff(**fields))
                continue
            changed = {key: value for key, value in fields.items() if getattr(person, key) != value}
            if not changed:
                report.unchanged += 1
                continue
            before = {key: getattr(person, key) for key in changed}
            for key, value in changed.items():
                setattr(person, key, value)
            person.save(update_fields=list(changed))
            audit.record(
                person,
                "roster_import",
                by=by,
                changes={key: [str(before[key]), str(value)] for key, value in changed.items()},
                now=now,
            )
            report.updated += 1
        for person in Staff.objects.bulk_create(new):
            audit.record(person, "roster_import", by=by, note=_("created"), now=now)
        report.created = len(new)
