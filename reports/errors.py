from core.errors import DomainError


class DocumentError(DomainError):
    """A document request refused for bad input (HTTP 400)."""
