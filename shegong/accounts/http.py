"""Typed requests for views.

Views behind login take :class:`AuthedHttpRequest`: ``request.user`` is the project's
:class:`~shegong.accounts.models.User` (never ``AnonymousUser`` — the view's ``login_required`` or
``capability_required`` decorator sees to that; a view typed this way without one of them
is a bug) and ``request.htmx`` is django-htmx's details. Public
views (portal, Open311, verification) take :class:`HtmxHttpRequest`, whose ``user`` stays
Django's union. Neither changes anything at run time; they tell mypy what the decorators
and ``HtmxMiddleware`` guarantee, so a view needs no ``type: ignore`` for ``request.user``
or ``request.htmx``.
``HtmxHttpRequest`` lives in ``core.http`` (core, regions and units use it too) and is
re-exported here.
"""

from __future__ import annotations

from shegong.core.http import HtmxHttpRequest

from .models import User

__all__ = ["AuthedHttpRequest", "HtmxHttpRequest"]


class AuthedHttpRequest(HtmxHttpRequest):
    """A request from a signed-in staff member."""

    user: User
