from core.errors import ConflictError, DomainError


class DispatchError(DomainError):
    """A duty refused: the validator's reasons, translated (HTTP 400)."""


class DispatchConflict(ConflictError):
    """A duty refused because someone changed it first (HTTP 409)."""


class RosterError(DomainError):
    """The roster file was refused as a whole (size, type, unreadable)."""
