from core.errors import ConflictError, DomainError


class BookingError(DomainError):
    """A booking refused for bad input (HTTP 400)."""


class BookingConflict(ConflictError):
    """A booking refused because of another meeting or a newer edit (HTTP 409)."""
