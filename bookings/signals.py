"""The signals that carry business effects of meeting changes (design.md).

`bookings.services` sends each one *inside* its transaction, so receivers (staffing moving duties,
inspections moving checks) change atomically with the meeting: a receiver that raises rolls the
whole change back. Receivers must not leave the database; e-mail and tasks go on commit.

Arguments every receiver gets: `meeting` (saved, new state), `by` (the acting user), `now`.
"""

from django.dispatch import Signal

# A new active meeting exists.
meeting_booked = Signal()
# Time, room or details changed. Extra arguments: old_start, old_end, old_room_id, changes
# ({field: (old, new)}).
meeting_changed = Signal()
# The meeting was cancelled. Extra argument: reason.
meeting_cancelled = Signal()
# The meeting was confirmed (requested -> confirmed).
meeting_confirmed = Signal()
