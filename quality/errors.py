from core.errors import ConflictError, DomainError


class QualityError(DomainError):
    """An inspection or corrective action refused for bad input (HTTP 400)."""


class ActionClosedError(QualityError, ConflictError):
    """The corrective action was closed already, perhaps a moment ago by someone else (409)."""

    code = "closed"
