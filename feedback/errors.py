from core.errors import DomainError


class FeedbackError(DomainError):
    """A feedback answer or reply refused: unknown or expired link, a second answer, bad
    ratings (HTTP 400; `code` says which)."""
