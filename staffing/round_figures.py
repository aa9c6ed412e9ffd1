"""Office rounds done on time (issue 6 part 4), per building, team or person, for the figures
page and the weekly briefing. Two queries whatever the number of rounds; nothing written.

For a period [start, end) the rounds counted are those whose window started in it and that were
not cancelled. Each is one of: done on time (ticked off by the end of its window), done late,
missed (its window is over at `now` and it is not done), or still to come. By team / person:
the people on the round's active duties (a round of two people counts once for each); a round
nobody was sent to counts for building only.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from offices.models import OfficeRound, RoundStatus
from staffing.models import Duty

GROUPINGS = ("building", "team", "person")


@dataclass
class RoundRow:
    key: int | None
    label: str
    rounds: int = 0
    on_time: int = 0
    late: int = 0
    missed: int = 0

    @property
    def on_time_rate(self) -> float | None:
        """Share of the rounds whose window is over that were done on time, in percent."""
        over = self.on_time + self.late + self.missed
        return round(100 * self.on_time / over, 1) if over else None


def round_figures(
    start: dt.datetime, end: dt.datetime, *, by: str = "building", now: dt.datetime | None = None
) -> list[RoundRow]:
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {GROUPINGS}, not {by!r}")
    now = now or timezone.now()
    rounds = list(
        OfficeRound.objects.filter(start__gte=start, start__lt=end)
        .exclude(status=RoundStatus.CANCELLED)
        .select_related("building")
    )
    groups: dict[int, list[tuple[int | None, str]]] = {}
    if by == "building":
        groups = {r.pk: [(r.building_id, r.building.name)] for r in rounds}
    else:
        groups = defaultdict(list)
        duties = (
            Duty.objects.active()
            .filter(office_round__in=[r.pk for r in rounds])
            .values_list(
                "office_round_id", "staff_id", "staff__name", "staff__team_id", "staff__team__name"
            )
        )
        for round_id, staff_id, name, team_id, team in duties:
            if by == "person":
                groups[round_id].append((staff_id, name))
            else:
                groups[round_id].append((team_id, team or _("No team")))
    rows: dict[int | None, RoundRow] = {}
    for office_round in rounds:
        for key, label in dict.fromkeys(groups.get(office_round.pk, ())):
            row = rows.setdefault(key, RoundRow(key=key, label=label))
            row.rounds += 1
            if office_round.status == RoundStatus.DONE:
                if office_round.done_on_time:
                    row.on_time += 1
                else:
                    row.late += 1
            elif office_round.end <= now:
                row.missed += 1
    return sorted(rows.values(), key=lambda row: (row.key is None, row.label))
