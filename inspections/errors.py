from core.errors import DomainError


class CheckError(DomainError):
    """A check completion refused for bad input or the wrong moment (HTTP 400)."""
