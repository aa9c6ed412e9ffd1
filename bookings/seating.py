"""Rostrum seating (主席台座次) for name plates.

The most senior sits in the centre; then seats alternate outwards, the seated leader's left
being senior to the right (以左为上, the domestic official convention). With an even number the
two most senior share the centre, the first on the left of the centre line. The seated leaders'
left is the audience's right, so in seats numbered from the audience's left: five people sit
5 3 1 2 4, four sit 4 2 1 3.
"""

from bookings.models import RANK_ORDER, LeaderRank


def precedence(plates: list[dict]) -> list[dict]:
    """Plates in order of precedence: an explicit `precedence` number first, else by rank
    (most senior first), keeping the given order among equals."""

    def key(indexed):
        index, plate = indexed
        explicit = plate.get("precedence")
        rank = RANK_ORDER.get(plate.get("rank") or LeaderRank.NONE, 0)
        return (explicit if isinstance(explicit, int) and explicit > 0 else 10_000, -rank, index)

    return [plate for _index, plate in sorted(enumerate(plates), key=key)]


def seat_positions(count: int) -> list[int]:
    """For precedence 1..count, the seat number counted from the audience's left (1-based)."""
    centre = count // 2
    if count % 2:
        # Odd: the first in the centre, then the audience's right (leaders' left), then left.
        order = [centre] + [
            i for step in range(1, centre + 1) for i in (centre + step, centre - step)
        ]
    else:
        # Even: the first two share the centre, the first on the audience's right of the line.
        order = [i for step in range(centre) for i in (centre + step, centre - 1 - step)]
    return [index + 1 for index in order]


def arrange(plates: list[dict]) -> list[dict]:
    """Plates with `precedence` (1 = most senior) and `seat` (from the audience's left) set,
    in order of precedence."""
    ordered = precedence(plates)
    seats = seat_positions(len(ordered))
    return [
        {**plate, "precedence": number, "seat": seat}
        for number, (plate, seat) in enumerate(zip(ordered, seats, strict=True), start=1)
    ]
