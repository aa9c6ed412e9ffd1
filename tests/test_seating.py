"""Rostrum seating (主席台座次): the most senior in the centre, then alternating outwards with the
seated leaders' left senior to their right (以左为上); seats are counted from the audience's
left, and the leaders' left is the audience's right."""

import pytest

from bookings import seating
from bookings.models import LeaderRank


def seen_from_the_audience(count: int) -> list[int]:
    """Precedence numbers in seat order, left to right as the audience sees them."""
    seats = seating.seat_positions(count)
    by_seat = {seat: number for number, seat in enumerate(seats, start=1)}
    return [by_seat[seat] for seat in range(1, count + 1)]


@pytest.mark.parametrize(
    ("count", "picture"),
    [
        (1, [1]),
        (2, [2, 1]),
        (3, [3, 1, 2]),
        (4, [4, 2, 1, 3]),
        (5, [5, 3, 1, 2, 4]),
        (6, [6, 4, 2, 1, 3, 5]),
        (7, [7, 5, 3, 1, 2, 4, 6]),
    ],
)
def test_the_rostrum_alternates_outwards_from_the_centre_left_senior(count, picture):
    assert seen_from_the_audience(count) == picture


@pytest.mark.parametrize("count", range(1, 61))
def test_every_seat_is_used_once(count):
    assert sorted(seating.seat_positions(count)) == list(range(1, count + 1))


def test_an_odd_rostrum_puts_the_most_senior_in_the_middle_seat():
    assert seating.seat_positions(5)[0] == 3
    assert seating.seat_positions(9)[0] == 5


def test_an_even_rostrum_seats_the_two_most_senior_either_side_of_the_centre_line():
    first, second = seating.seat_positions(4)[:2]
    # 1 on the leaders' left of the line: the audience's right, so the higher seat number.
    assert (first, second) == (3, 2)


def test_without_numbers_the_seating_follows_rank_most_senior_first():
    plates = [
        {"name": "科长", "rank": LeaderRank.SECTION},
        {"name": "区长", "rank": LeaderRank.DISTRICT},
        {"name": "无职务", "rank": LeaderRank.NONE},
        {"name": "局长", "rank": LeaderRank.BUREAU},
        {"name": "处长", "rank": LeaderRank.DIVISION},
    ]
    arranged = seating.arrange(plates)
    assert [p["name"] for p in arranged] == ["区长", "局长", "处长", "科长", "无职务"]
    assert [p["precedence"] for p in arranged] == [1, 2, 3, 4, 5]
    assert [p["seat"] for p in arranged] == [3, 4, 2, 5, 1]


def test_equal_ranks_keep_the_order_they_were_given():
    plates = [{"name": n, "rank": LeaderRank.BUREAU} for n in ("甲", "乙", "丙")]
    assert [p["name"] for p in seating.arrange(plates)] == ["甲", "乙", "丙"]


def test_precedence_numbers_override_rank_and_unnumbered_plates_follow_by_rank():
    plates = [
        {"name": "区长", "rank": LeaderRank.DISTRICT},
        {"name": "主持人", "rank": LeaderRank.SECTION, "precedence": 1},
        {"name": "局长", "rank": LeaderRank.BUREAU},
    ]
    arranged = seating.arrange(plates)
    assert [p["name"] for p in arranged] == ["主持人", "区长", "局长"]


def test_junk_precedence_is_ignored_rather_than_trusted():
    plates = [
        {"name": "甲", "rank": LeaderRank.SECTION, "precedence": "first"},
        {"name": "乙", "rank": LeaderRank.DISTRICT, "precedence": -2},
    ]
    assert [p["name"] for p in seating.arrange(plates)] == ["乙", "甲"]


def test_an_empty_rostrum_has_no_seats():
    assert seating.arrange([]) == []
    assert seating.seat_positions(0) == []
