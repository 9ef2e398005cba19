"""Domain exceptions raised by services; views and the API translate them once."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused the operation. ``message`` is Chinese, for people."""

    code = "domain_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class TransitionNotAllowed(DomainError):
    code = "transition_not_allowed"


class StaleObject(DomainError):
    """Optimistic locking: someone else changed the record since it was loaded."""

    code = "stale_object"


class CapabilityMissing(DomainError):
    code = "capability_missing"
