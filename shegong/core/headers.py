"""Caching headers of the answers Django renders (issue 16 item 7; docs/security.md).

Every page, fragment, export and download that Django renders may carry personal data (a
citizen's appeal on the public tracking page, ID numbers in an export, meeting photos), so none
may be kept by the browser or a proxy: ``Cache-Control: no-store`` (``Pragma: no-cache`` for
HTTP/1.0 caches). Static files never reach this middleware: WhiteNoise answers them above it
with their own long-lived caching.
"""

from __future__ import annotations

from collections.abc import Callable

from csp.constants import NONCE
from django.conf import settings
from django.core.checks import Error, Tags, register
from django.http import HttpRequest, HttpResponse

NO_STORE = "no-store"


class NoStoreMiddleware:
    """``Cache-Control: no-store`` and ``Pragma: no-cache`` on every rendered answer.

    A view that already says ``no-store`` (e.g. ``private, no-store``) keeps its wording; any
    other caching a view asked for is replaced: nothing Django renders may be stored.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if NO_STORE not in response.get("Cache-Control", ""):
            response["Cache-Control"] = NO_STORE
        response["Pragma"] = "no-cache"
        return response


# --- `manage.py check --deploy` (scripts/check-deploy.sh) ------------------------------------

# Directives the policy must state, with the source list each must hold exactly where given.
REQUIRED_DIRECTIVES: dict[str, list[str] | None] = {
    "default-src": ["'self'"],
    "script-src": None,
    "style-src": None,
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# What script-src and style-src may hold: the site itself and django-csp's nonce sentinel; no
# host, scheme (https:, data:, blob:) or hash sources.
SCRIPT_SOURCES = {"'self'", str(NONCE)}
_MIDDLEWARE = ("csp.middleware.CSPMiddleware", "shegong.core.headers.NoStoreMiddleware")
_WHITENOISE = "whitenoise.middleware.WhiteNoiseMiddleware"


def policy_problems(policy: object, middleware: list[str]) -> list[str]:
    """What keeps the deployment from sending the strict policy and no-store (in Chinese)."""
    problems: list[str] = []
    for name in _MIDDLEWARE:
        if name not in middleware:
            problems.append(f"MIDDLEWARE 缺少 {name}")
        elif _WHITENOISE in middleware and middleware.index(name) < middleware.index(_WHITENOISE):
            problems.append(f"{name} 应排在 WhiteNoise 之后（静态文件保留缓存）")
    directives = policy.get("DIRECTIVES") if isinstance(policy, dict) else None
    if not isinstance(directives, dict):
        return [*problems, "未设置 CONTENT_SECURITY_POLICY['DIRECTIVES']"]
    listed = {directive: _sources(value) for directive, value in directives.items()}
    for directive, sources in listed.items():
        unsafe = [s for s in sources if "unsafe-" in s or s == "*"]
        if unsafe:
            problems.append(f"内容安全策略 {directive} 含有 {' '.join(unsafe)}")
        if directive in ("script-src", "style-src"):
            other = [s for s in sources if s not in SCRIPT_SOURCES and s not in unsafe]
            if other:
                problems.append(f"内容安全策略 {directive} 只应含 'self'，不应含 {' '.join(other)}")
    for directive, expected in REQUIRED_DIRECTIVES.items():
        if directive not in listed:
            problems.append(f"内容安全策略缺少 {directive}")
        elif expected is not None and listed[directive] != expected:
            problems.append(f"内容安全策略 {directive} 应为 {' '.join(expected)}")
    return problems


def _sources(value: object) -> list[str]:
    """A directive's sources as a list: a plain string is split on whitespace (django-csp
    would send it as written), not taken character by character."""
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list | tuple | set | frozenset):
        return [str(source).strip() for source in value]
    return [] if value is None else [str(value)]


@register(Tags.security, deploy=True)
def check_security_headers(app_configs: object = None, **kwargs: object) -> list[Error]:
    """Content-Security-Policy without 'unsafe-inline' and no-store on every rendered answer."""
    return [
        Error(text, id="shegong.E030")
        for text in policy_problems(
            getattr(settings, "CONTENT_SECURITY_POLICY", None), list(settings.MIDDLEWARE)
        )
    ]
