"""Typed requests for views.

Views behind login take :class:`AuthedHttpRequest`: ``request.user`` is the project's
:class:`~shegong.accounts.models.User` (never ``AnonymousUser`` — the login middleware and
``capability_required`` see to that) and ``request.htmx`` is django-htmx's details. Public
views (portal, Open311, verification) take :class:`HtmxHttpRequest`, whose ``user`` stays
Django's union. Neither changes anything at run time; they tell mypy what the middleware
guarantees, so a view needs no ``type: ignore`` for ``request.user`` or ``request.htmx``.
"""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from .models import User


class HtmxHttpRequest(HttpRequest):
    """Any request that went through ``HtmxMiddleware``."""

    htmx: HtmxDetails


class AuthedHttpRequest(HtmxHttpRequest):
    """A request from a signed-in staff member."""

    user: User
