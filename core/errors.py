"""The base domain error. Each app derives its own (BookingError, DispatchError, CheckError)."""


class DomainError(Exception):
    """A refusal the user can act on. `message` is already translated for the user's language.

    `code` is a stable machine-readable reason (the API's error code); `fields` maps form field
    names to their own messages when the refusal concerns particular inputs.
    """

    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, fields: dict | None = None):
        super().__init__(message)
        self.message = str(message)
        if code:
            self.code = code
        self.fields = fields or {}


class ConflictError(DomainError):
    """The request collides with existing state (a taken slot, a stale edit): HTTP 409."""

    code = "conflict"
