"""The typed request of views below ``accounts`` (core, regions, units).

``HtmxHttpRequest`` is a request that went through django-htmx's middleware:
``request.htmx`` is typed. Views in apps that may import ``accounts`` take
``shegong.accounts.http.AuthedHttpRequest`` (its subclass whose ``user`` is the project's
``User``) when they sit behind login. Apps below ``accounts`` cannot name ``User``: they
pass ``core.scoping.signed_in(request.user)`` where a service wants an ``Actor``.
Nothing here changes anything at run time.
"""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """Any request that went through ``HtmxMiddleware``."""

    htmx: HtmxDetails
