"""Content-Security-Policy and caching of every page, as every role (issue 16 item 7).

The crawl of test_no_english.py (its page list, its personas) is walked once more, with the
file downloads it skips: every answer Django renders says ``Cache-Control: no-store`` and
``Pragma: no-cache``; every HTML answer carries a Content-Security-Policy without
``'unsafe-inline'``/``'unsafe-eval'`` and its markup has no inline script (other than JSON
data, or one carrying the request's nonce), no ``<style>`` block, no ``style`` attribute and no
inline event handler (``on*=``, ``hx-on``, ``javascript:`` links). Static files keep their
caching. The policy itself is in settings.CONTENT_SECURITY_POLICY (docs/security.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path, reverse

from conftest import World
from shegong.core.tests.routes import SAMPLES, demo_objects, walk_routes
from shegong.core.tests.test_no_english import (
    PERSONAS,
    SKIP,
    _query_links,
    _url_list,
    persona_client,
)

pytestmark = pytest.mark.django_db

# The SKIP reasons of test_no_english.py that mark a file the crawl did not read.
_DOWNLOAD = re.compile(r"download|PDF|image")
_NONCE = re.compile(r"'nonce-([^']+)'")


# --- the markup ---------------------------------------------------------------------------


class _Inline(HTMLParser):
    """Collects what a strict policy would block: inline scripts, styles and handlers."""

    def __init__(self, nonce: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.nonce = nonce
        self.found: list[str] = []
        self._script: str | None = None  # the opening tag of an inline script being read
        self._script_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        nonced = bool(self.nonce) and values.get("nonce") == self.nonce
        for name, value in attrs:
            if name == "style":
                self.found.append(f"<{tag} style=…>")
            elif name.startswith("on") or name.startswith("hx-on") or name == "hx-vars":
                self.found.append(f"<{tag} {name}=…>")
            elif name == "hx-vals" and (value or "").strip().startswith(("js:", "javascript:")):
                self.found.append(f"<{tag} hx-vals=js:…>")
            elif name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}=javascript:…>")
        if tag == "style" and not nonced:
            self.found.append("<style> block")
        if tag == "script" and "src" not in values and not nonced:
            kind = (values.get("type") or "").lower()
            if kind not in ("application/json", "application/ld+json"):
                self._script = f"<script{' type=' + kind if kind else ''}>"
                self._script_text = []

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            text = "".join(self._script_text).strip()
            self.found.append(f"{self._script} {text[:40]!r}")
            self._script = None


def inline_code(html: str, nonce: str | None = None) -> list[str]:
    parser = _Inline(nonce)
    parser.feed(html)
    parser.close()
    return parser.found


def header_problems(header: str) -> list[str]:
    if not header:
        return ["no Content-Security-Policy header"]
    directives = {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}
    problems = [f"{d}: {v}" for d, vals in directives.items() for v in vals if "unsafe" in v]
    for needed in ("default-src", "script-src", "style-src", "object-src", "frame-ancestors"):
        if needed not in directives:
            problems.append(f"no {needed}")
    return problems


def test_the_markup_check_finds_each_kind_of_inline_code() -> None:
    html = (
        '<div style="color:red"></div><script>alert(1)</script><style>p{}</style>'
        '<button onclick="go()">x</button><form hx-on:submit="x"></form>'
        '<a href="javascript:void(0)">y</a><select hx-vals=\'js:{"a": this.value}\'></select>'
    )
    assert inline_code(html) == [
        "<div style=…>",
        "<script> 'alert(1)'",
        "<style> block",
        "<button onclick=…>",
        "<form hx-on:submit=…>",
        "<a href=javascript:…>",
        "<select hx-vals=js:…>",
    ]


def test_the_markup_check_lets_files_json_data_and_the_nonce_pass() -> None:
    html = (
        '<script src="/static/a.js"></script><script type="application/json">{"a": 1}</script>'
        '<script nonce="n0nce">go()</script><style nonce="n0nce">p{}</style>'
        '<div data-style="x" class="sg-mw-20"></div><div hx-vals=\'{"a": 1}\'></div>'
    )
    assert inline_code(html, nonce="n0nce") == []


def test_a_wrong_nonce_does_not_pass() -> None:
    assert inline_code('<script nonce="other">go()</script>', nonce="n0nce") == ["<script> 'go()'"]


def test_the_policy_check_refuses_unsafe_inline() -> None:
    header = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self'"
    assert header_problems(header) == [
        "script-src: 'unsafe-inline'",
        "no object-src",
        "no frame-ancestors",
    ]


# --- the crawl ----------------------------------------------------------------------------


# Arguments of the downloads that routes.SAMPLES has none for (appeals:attachment needs an
# uploaded file; the middleware that sets no-store does not look at the route).
DOWNLOAD_SAMPLES: dict[str, Callable[[World, dict[str, object]], dict[str, object]]] = {
    "appeal_notices:timeline": lambda w, o: {"pk": getattr(o["appeal"], "pk", 0), "fmt": "pdf"},
    "appeal_notices:notice": lambda w, o: {
        "pk": getattr(o["appeal"], "pk", 0),
        "kind": "dispatch",
        "fmt": "pdf",
    },
    "volunteers:import-template": lambda w, o: {"kind": "volunteers"},
    "volunteers:slot-qr": lambda w, o: {"pk": getattr(o["slot"], "pk", 0)},
    "volunteers:certificate-pdf": lambda w, o: {"pk": getattr(o["certificate"], "pk", 0)},
    "volunteer_portal:certificate-pdf": lambda w, o: {
        "number": getattr(o["certificate"], "number", "")
    },
}


def _downloads(world: World, objs: dict[str, object]) -> list[tuple[str, str]]:
    """The file downloads test_no_english.py skips, where a sample exists or none is needed."""
    samples = {**SAMPLES, **DOWNLOAD_SAMPLES}
    urls: list[tuple[str, str]] = []
    for route in walk_routes():
        reason = SKIP.get(route.name)
        if not reason or not _DOWNLOAD.search(reason):
            continue
        if not route.needs_args:
            urls.append((route.name, reverse(route.name)))
        elif route.name in samples:
            urls.append((route.name, reverse(route.name, kwargs=samples[route.name](world, objs))))
    return urls


def _problems(response: HttpResponse) -> list[str]:
    problems: list[str] = []
    if "no-store" not in response.get("Cache-Control", ""):
        problems.append(f"Cache-Control: {response.get('Cache-Control')!r}")
    if response.get("Pragma") != "no-cache":
        problems.append(f"Pragma: {response.get('Pragma')!r}")
    if "html" in response.get("Content-Type", ""):
        header = response.get("Content-Security-Policy", "")
        problems += header_problems(header)
        nonce = _NONCE.search(header)
        problems += inline_code(response.content.decode(), nonce.group(1) if nonce else None)
    return problems


def test_every_page_and_download_as_every_role_is_strict_and_not_stored(world: World) -> None:
    objs = demo_objects(world)
    users = {**world.users, "root": world.root, "vm_north": objs["kit"].vm_north}
    urls = _url_list(world, objs) + _downloads(world, objs)
    found: dict[str, list[str]] = {}
    fetched = 0
    files: set[str] = set()  # downloads answered with a file
    for persona in PERSONAS:
        client = persona_client(persona, users, objs["volunteer"])
        queue = list(urls)
        seen = {url for _, url in urls}
        while queue:
            name, url = queue.pop(0)
            response = client.get(url)
            fetched += 1
            if response.status_code == 200 and response.has_header("Content-Disposition"):
                files.add(name)
            problems = _problems(response)
            if problems:
                found[f"{url} ({name}, {persona}, {response.status_code})"] = problems
            if "?" not in url and "html" in response.get("Content-Type", ""):
                for query in _query_links(response.content.decode())[:3]:
                    if url + query not in seen:
                        seen.add(url + query)
                        queue.append((name, url + query))
    assert fetched > 1000
    assert len(files) >= 15, sorted(files)
    assert not found, "\n".join(f"{p}: {v}" for p, v in sorted(found.items()))


# --- outside the crawl --------------------------------------------------------------------


def test_static_files_keep_their_caching(client: Client) -> None:
    response = client.get("/static/core/shegong.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_a_static_file_carries_no_page_policy(client: Client) -> None:
    """WhiteNoise answers above the policy middleware: the header is for pages."""
    response = client.get("/static/core/shegong.css")
    assert "Content-Security-Policy" not in response


def test_the_api_is_not_stored(world: World) -> None:
    client = Client()
    client.force_login(world.dispatcher)
    response = client.get("/api/appeals")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_a_view_that_set_its_own_caching_is_not_stored_either() -> None:
    """The middleware replaces any caching but no-store (a meeting photo asked for an hour)."""
    from django.test import RequestFactory

    from shegong.core.headers import NoStoreMiddleware

    def view(request: HttpRequest) -> HttpResponse:
        response = HttpResponse(b"photo", content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=3600"
        return response

    response = NoStoreMiddleware(view)(RequestFactory().get("/x"))
    assert response["Cache-Control"] == "no-store"


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom")


urlpatterns = [path("boom/", _boom)]


@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
def test_the_500_page_has_the_policy_and_no_inline_code(db: None) -> None:
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    assert _problems(response) == []


def test_django_admin_pages_are_strict(world: World) -> None:
    client = Client()
    client.force_login(world.root)
    problems = {
        url: _problems(client.get(url))
        for url in ("/admin/", "/admin/core/auditevent/", "/admin/triage/routingrule/add/")
    }
    assert problems == {url: [] for url in problems}


# --- check --deploy -----------------------------------------------------------------------


def test_the_deploy_check_passes_the_settings() -> None:
    from django.conf import settings

    from shegong.core.headers import policy_problems

    assert policy_problems(settings.CONTENT_SECURITY_POLICY, list(settings.MIDDLEWARE)) == []


def test_the_deploy_check_refuses_unsafe_inline() -> None:
    from django.conf import settings

    from shegong.core.headers import policy_problems

    directives = dict(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])
    directives["style-src"] = ["'self'", "'unsafe-inline'"]
    problems = policy_problems({"DIRECTIVES": directives}, list(settings.MIDDLEWARE))
    assert problems == ["内容安全策略 style-src 含有 'unsafe-inline'"]


def test_the_deploy_check_wants_the_middleware_below_whitenoise() -> None:
    from django.conf import settings

    from shegong.core.headers import policy_problems

    middleware = [m for m in settings.MIDDLEWARE if not m.endswith("NoStoreMiddleware")]
    middleware.insert(0, "shegong.core.headers.NoStoreMiddleware")
    problems = policy_problems(settings.CONTENT_SECURITY_POLICY, middleware)
    assert problems == [
        "shegong.core.headers.NoStoreMiddleware 应排在 WhiteNoise 之后（静态文件保留缓存）"
    ]


def test_the_deploy_check_is_registered_for_check_deploy() -> None:
    from django.core.checks import registry

    assert "check_security_headers" in {c.__name__ for c in registry.registry.get_checks(True)}


def test_the_deploy_check_reads_a_directive_given_as_a_string() -> None:
    from django.conf import settings

    from shegong.core.headers import policy_problems

    directives = dict(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])
    directives["script-src"] = "'self' 'unsafe-inline'"
    problems = policy_problems({"DIRECTIVES": directives}, list(settings.MIDDLEWARE))
    assert problems == ["内容安全策略 script-src 含有 'unsafe-inline'"]


def test_the_deploy_check_refuses_a_scheme_source_for_scripts() -> None:
    from django.conf import settings

    from shegong.core.headers import policy_problems

    directives = dict(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])
    directives["script-src"] = ["'self'", "https:"]
    problems = policy_problems({"DIRECTIVES": directives}, list(settings.MIDDLEWARE))
    assert problems == ["内容安全策略 script-src 只应含 'self'，不应含 https:"]


def test_the_deploy_check_refuses_a_data_source_for_styles() -> None:
    from django.conf import settings

    from shegong.core.headers import policy_problems

    directives = dict(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])
    directives["style-src"] = ["'self'", "data:"]
    problems = policy_problems({"DIRECTIVES": directives}, list(settings.MIDDLEWARE))
    assert problems == ["内容安全策略 style-src 只应含 'self'，不应含 data:"]


def test_the_deploy_check_accepts_the_nonce_for_scripts() -> None:
    from csp.constants import NONCE
    from django.conf import settings

    from shegong.core.headers import policy_problems

    directives = dict(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])
    directives["script-src"] = ["'self'", NONCE]
    assert policy_problems({"DIRECTIVES": directives}, list(settings.MIDDLEWARE)) == []
