"""Receivers of the bookings signals (connected in FeedbackConfig.ready())."""

from feedback import services


def move_expiry(sender, meeting, by=None, now=None, **kwargs):
    """Promise: a meeting moved to another time keeps its printed link open for seven days
    after its new end. Runs inside the booking's transaction; touches only the invitation."""
    services.move_expiry(meeting, by=by, now=now)
