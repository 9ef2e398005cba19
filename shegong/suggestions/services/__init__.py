"""Suggestion services: the only writers of this app (audited, scoped).

The two functions other apps call from the citizen portal are re-exported here:

- ``link_submission(appeal, theme_id)`` — link a suggestion submitted from a theme page;
- ``grant_publication(appeal, ...)`` — the citizen consented to anonymised publication.
"""

from .publication import grant_publication
from .themes import link_submission

__all__ = ["grant_publication", "link_submission"]
