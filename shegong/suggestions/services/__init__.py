"""Suggestion services: the only writers of this app (audited, scoped).

The functions other apps call from the citizen portal are re-exported here:

- ``link_submission(appeal, theme_id)`` — link a suggestion submitted from a theme page;
- ``grant_publication(appeal, ...)`` — the citizen consented to anonymised publication;
  ``citizen_withdraw_publication(appeal)`` / ``active_publication_consent(appeal)`` for the
  tracking page.
"""

from .publication import (
    active_publication_consent,
    citizen_withdraw_publication,
    grant_publication,
)
from .themes import link_submission

__all__ = [
    "active_publication_consent",
    "citizen_withdraw_publication",
    "grant_publication",
    "link_submission",
]
