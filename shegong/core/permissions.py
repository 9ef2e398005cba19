"""The one capability check, for services and for views.

* Services: ``require_capability(actor, Cap.X, "您的角色不能……")`` — raises
  ``PermissionDenied`` with the Chinese message (``DENIED`` if none is given) unless the
  actor is an authenticated user whose role grants ``Cap.X`` (an active superuser holds
  every capability, see ``User.has_capability``). ``None`` and anonymous actors are refused.
* Views: ``@capability_required(Cap.X)`` — anonymous visitors are sent to the login page
  (``login_required``), a signed-in user without the capability gets the 403 page with its
  general text. Use it where the check is the first thing the view does; a check that
  depends on the request (a kind in the URL, an ``?export``) calls
  ``need_capability(request, Cap.X)`` inside the view, which raises the same 403.
* ``has_capability(user, Cap.X)`` answers the question without raising (menus, buttons).

Capabilities are named by :class:`shegong.core.roles.Cap`, never by a string literal.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from .scoping import ScopedUser

DENIED = "您的角色不能执行此操作"


def has_capability(user: ScopedUser | AnonymousUser | None, capability: str) -> bool:
    """Whether ``user`` (a user, ``AnonymousUser`` or ``None``) holds ``capability``."""
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return False
    return user.has_capability(capability)


def require_capability(
    actor: ScopedUser | AnonymousUser | None, capability: str, message: str | None = DENIED
) -> None:
    """Refuse (``PermissionDenied(message)``) unless ``actor`` holds ``capability``.

    ``message=None`` raises a bare ``PermissionDenied`` — the 403 page then shows its
    general text (what views do).
    """
    if not has_capability(actor, capability):
        raise PermissionDenied(message) if message is not None else PermissionDenied


def need_capability(request: HttpRequest, capability: str) -> None:
    """The view check: a 403 (general text) unless the signed-in user holds ``capability``.

    Call it after ``login_required`` (anonymous users are redirected to the login page
    before it runs)."""
    require_capability(request.user, capability, message=None)


_View = TypeVar("_View", bound=Callable[..., HttpResponse])


def capability_required(*capabilities: str) -> Callable[[_View], _View]:
    """View decorator: ``login_required`` plus ``need_capability`` for each capability.

    Put it where ``@login_required`` would go; the capability is checked before the view
    body runs.
    """

    def decorator(view: _View) -> _View:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            for capability in capabilities:
                need_capability(request, capability)
            return view(request, *args, **kwargs)

        return cast(_View, login_required(wrapped))

    return decorator
