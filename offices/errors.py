from core.errors import ConflictError, DomainError


class OfficeError(DomainError):
    """An office-service action refused for bad input (HTTP 400)."""


class RoundConflict(ConflictError):
    """The round changed under the action: already done or cancelled (HTTP 409)."""
