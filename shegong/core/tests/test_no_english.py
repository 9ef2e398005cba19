"""No English on screen: crawl every page as each role, plus the error pages.

Every GET route of the URL resolver is fetched as one persona per role (and anonymously):
routes without arguments as they are, routes with arguments with a sample object built in
the fixture (``SAMPLES``). Routes that are not pages a person reads are listed in ``SKIP``
with the reason. The visible text of every HTML answer (text outside ``<script>``/``<style>``,
plus ``title``/``placeholder``/``aria-label``/``alt`` and the ``value`` of buttons) must not
contain an ASCII word of three or more letters outside ``ALLOWED``.

Data the fixture typed in (user names, codes) is removed before the check: it is what a
person entered, not what the software says.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client, RequestFactory, override_settings
from django.urls import URLPattern

from shegong.core.tests.routes import SAMPLES, demo_objects, walk_routes

if TYPE_CHECKING:
    from shegong.accounts.models import User
    from shegong.volunteers.models import Volunteer

pytestmark = pytest.mark.django_db

# Words a Chinese reader of this software reads as they are (documented in docs/foundation.md).
ALLOWED = {
    "API",  # API 令牌, API 文档
    "Excel",
    "XLSX",
    "CSV",
    "PDF",
    "SMS",
    "Open311",
    "GBK",
    "UTF",  # UTF-8
    "SM3",
    "SM4",
    "GCM",
    "HTTP",
    "HTTPS",
    "URL",
    "Bearer",  # the Authorization header a developer types, shown on the token page
    "Authorization",
    "HTMX",
    "Word",  # 导出 Word
    "DOCX",
    "JSON",
    "XML",
    "ECharts",
    "GeoJSON",  # the region-boundary file format
    "FeatureCollection",  # GeoJSON's top-level object, as the file must be
}

FILE_INPUT = re.compile(r"<input[^>]*type=\"file\"")
WORD = re.compile(r"(?<![A-Za-z0-9_\-.])[A-Za-z][A-Za-z]{2,}(?![A-Za-z0-9_])")

# Not pages a person reads (or not HTML), with the reason.
SKIP: dict[str, str] = {
    "core:healthz": "machine health check (plain text for the load balancer)",
    "core:reveal": "HTMX fragment answering a POST; covered by core tests",
    "accounts:logout": "would end the crawl's session",
    "regions:export": "file download",
    "regions:import-template": "file download",
    "units:export": "file download",
    "portal:sms-code": "POST only",
    "portal:regions": "HTMX options fragment of region names",
    "appeal_notices:notice": "document download (PDF/DOCX)",
    "appeal_notices:timeline": "document download",
    "documents:file": "document download (DOCX)",
    "documents:preview": "document download (DOCX)",
    "documents:activate": "POST only",
    "documents:revert": "POST only",
    "appeals:export": "file download",
    "appeals:act": "POST only",
    "appeals:reveal": "POST only",
    "appeals:reveal-text": "POST only",
    "appeals:attachment": "file download",
    "appeals:contest": "POST only",
    "suggestions:export": "file download",
    "suggestions:theme-act": "POST only",
    "suggestions:publication-act": "POST only",
    "suggestions:act": "POST only",
    "triage:accept": "POST only",
    "organizations:coverage-export": "file download",
    "organizations:snapshot": "POST only",
    "organizations:entity-export": "file download",
    "organizations:entity-template": "file download",
    "organizations:entity-import-errors": "file download",
    "organizations:instructor-end": "POST only",
    "organizations:org-export": "file download",
    "organizations:committee-end": "POST only",
    "organizations:org-admin-remove": "POST only",
    "organizations:finding-export": "file download",
    "organizations:findings-run": "POST only",
    "volunteers:export": "file download",
    "volunteers:hours-export": "file download",
    "volunteers:import-template": "file download",
    "volunteers:record-void": "POST only",
    "volunteers:member-remove": "POST only",
    "volunteers:slot-qr": "image",
    "volunteers:slot-confirm-all": "POST only",
    "volunteers:signup-action": "POST only",
    "volunteers:entry-reverse": "POST only",
    "volunteers:certificate-pdf": "PDF download",
    "volunteers:certificate-revoke": "POST only",
    "volunteer_portal:logout": "would end the crawl's session",
    "volunteer_portal:sms-code": "POST only",
    "volunteer_portal:guardian-sms-code": "POST only",
    "volunteer_portal:communities": "HTMX options fragment of region names",
    "volunteer_portal:signup": "POST only",
    "volunteer_portal:cancel": "POST only",
    "volunteer_portal:certificate-pdf": "PDF download",
}
# Whole URL prefixes that are not ours to translate or not for citizens/staff to read.
SKIP_PREFIXES = (
    "api/",  # JSON for programs; its messages are covered by core tests of the error handler
    "admin/",  # Django's admin, translated by Django itself (zh-hans)
    "open311/",  # the Open311 GeoReport v2 standard (English field names by specification)
)


# --- visible text ------------------------------------------------------------------------


class _Visible(HTMLParser):
    ATTRS = ("title", "placeholder", "aria-label", "alt")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._code: list[str] = []  # open elements marked translate="no"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "code" and values.get("translate") == "no":
            # Code a person types as it is (the placeholders of a document template); only
            # <code>, so translate="no" on a paragraph or a page cannot hide its English.
            self._code.append(tag)
            self._skip += 1
            return
        if tag in ("script", "style"):
            self._skip += 1
            return
        for name in self.ATTRS:
            if values.get(name):
                self.parts.append(values[name] or "")
        if tag == "input" and (values.get("type") or "") in ("submit", "button", "reset"):
            self.parts.append(values.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if self._code and tag == self._code[-1]:
            self._code.pop()
            self._skip -= 1
        elif tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return "\n".join(p.strip() for p in parser.parts if p.strip())


def english_words(text: str, data: tuple[str, ...] = ()) -> set[str]:
    for value in data:
        text = text.replace(value, " ")
    return {w for w in WORD.findall(text) if w not in ALLOWED}


def test_visible_text_reads_attributes_and_skips_scripts() -> None:
    html = (
        '<p>你好 <b>Choose</b></p><script>var foo = "bar";</script>'
        '<input type="submit" value="Save"><input placeholder="Search" value="typed">'
        '<img alt="logo"><button aria-label="close">×</button>'
    )
    assert english_words(visible_text(html)) == {"Choose", "Save", "Search", "logo", "close"}


def test_text_marked_translate_no_is_code_not_language() -> None:
    html = '<p>占位符 <code translate="no">{{ title }}</code> 之后 Title</p>'
    assert english_words(visible_text(html)) == {"Title"}


def test_translate_no_outside_code_is_still_read() -> None:
    html = '<div translate="no"><p>Title</p></div><span translate="no">Save</span>'
    assert english_words(visible_text(html)) == {"Title", "Save"}


def test_allowed_words_and_data_pass() -> None:
    assert (
        english_words("导出 Excel · API 令牌 · 张三 handler_unit_a", ("handler_unit_a",)) == set()
    )


# --- the crawl ----------------------------------------------------------------------------


def _routes() -> Iterator[tuple[str, URLPattern]]:
    for route in walk_routes():
        if route.route.startswith(SKIP_PREFIXES):
            continue
        yield route.name, route.pattern


def _url_list(world: Any, objs: dict[str, Any]) -> list[tuple[str, str]]:
    from django.urls import reverse

    urls: list[tuple[str, str]] = []
    missing: list[str] = []
    for name, pattern in _routes():
        if name in SKIP:
            continue
        needs_args = bool(pattern.pattern.regex.groupindex) or "<" in str(pattern.pattern)
        if not needs_args:
            urls.append((name, reverse(name)))
        elif name in SAMPLES:
            urls.append((name, reverse(name, kwargs=SAMPLES[name](world, objs))))
        else:
            missing.append(name)
    assert not missing, f"add a sample (SAMPLES) or a reason (SKIP) for: {missing}"
    return urls


QUERY_LINKS_PER_PAGE = 6
_QUERY_HREF = re.compile(r'href="(\?[^"#]*)"')


def _query_links(html: str) -> list[str]:
    """Distinct ``href="?…"`` links (tabs, views) that are not exports, pages or sorting."""
    links: list[str] = []
    for raw in _QUERY_HREF.findall(html):
        query = raw.replace("&amp;", "&")
        if re.search(r"(^|[?&])(format|export|page|sort|o)=", query) or query in links:
            continue
        links.append(query)
    return links


# One persona per role, and nobody.
PERSONAS = [
    "root",
    "dept_admin",
    "dispatcher",
    "handler_unit_a",
    "street_north",
    "secretary",
    "vm_north",
    "leader",
    "auditor",
    "volunteer",  # nobody on the staff side, a volunteer signed in on the portal
    None,  # nobody at all
]


def _data_strings(world: Any, objs: dict[str, Any]) -> tuple[str, ...]:
    """What the fixture typed in: shown back as entered, not words of the software."""
    from shegong.accounts.models import User
    from shegong.units.models import Unit

    values = {u.username for u in User.objects.all()} | {u.code for u in Unit.objects.all()}
    values |= {objs["org"].code, objs["certificate"].number, "localhost", "testserver"}
    # Longest first so "handler_unit_a" goes before "handler".
    return tuple(sorted((v for v in values if v), key=len, reverse=True))


def persona_client(persona: str | None, users: Mapping[str, User], volunteer: Volunteer) -> Client:
    """A client signed in as ``persona``: a staff user, ``volunteer`` (a phone session of the
    volunteer portal), or nobody (``None`` or ``""``)."""
    from shegong.volunteers.portal_views import SESSION_KEY

    client = Client()
    if persona == "volunteer":
        session = client.session
        session[SESSION_KEY] = {"id": volunteer.pk, "expires": 10**12}
        session.save()
    elif persona:
        client.force_login(users[persona])
    return client


def test_every_page_as_every_role_is_chinese(world: Any) -> None:
    objs = demo_objects(world)
    users = {**world.users, "root": world.root, "vm_north": objs["kit"].vm_north}
    data = _data_strings(world, objs)
    urls = _url_list(world, objs)
    found: dict[str, set[str]] = {}
    for persona in PERSONAS:
        client = persona_client(persona, users, objs["volunteer"])
        queue = list(urls)
        seen = {url for _, url in urls}
        while queue:
            name, url = queue.pop(0)
            response = client.get(url)
            if "html" not in response.get("Content-Type", ""):
                continue
            if response.status_code in (301, 302):
                continue
            html = response.content.decode()
            words = english_words(visible_text(html), data)
            if len(FILE_INPUT.findall(html)) != html.count("data-sg-file>"):
                words.add("<input type=file> without {% file_input %} (Choose Files)")
            for word in words:
                found.setdefault(f"{url} ({name}, {response.status_code})", set()).add(word)
            # Tabs and views of the same page (href="?by=street"): one level deep.
            if "?" not in url:
                for query in _query_links(html)[:QUERY_LINKS_PER_PAGE]:
                    variant = url + query
                    if variant not in seen:
                        seen.add(variant)
                        queue.append((name, variant))
    assert not found, "\n".join(f"{page}: {sorted(words)}" for page, words in sorted(found.items()))


# --- error pages --------------------------------------------------------------------------


def _error_page(response: Any) -> str:
    body = response.content.decode()
    assert 'data-testid="error-page"' in body
    return body


@override_settings(DEBUG=False)
def test_unknown_url_is_a_chinese_404_in_the_staff_shell(world: Any, client_for: Any) -> None:
    response = client_for(world.street_north).get("/no-such-page/")
    body = _error_page(response)
    assert response.status_code == 404
    assert 'data-testid="nav"' in body  # the sidebar: the page sits in the staff shell
    assert english_words(visible_text(body), ("street_north",)) == set()


@override_settings(DEBUG=False)
def test_unknown_url_for_nobody_is_a_chinese_404_in_the_public_shell(db: Any) -> None:
    response = Client().get("/no-such-page/")
    body = _error_page(response)
    assert response.status_code == 404
    assert "页面不存在" in body
    assert english_words(visible_text(body)) == set()


@override_settings(DEBUG=False)
def test_missing_capability_is_a_chinese_403_in_the_shell(world: Any, client_for: Any) -> None:
    response = client_for(world.auditor).get("/units/")
    body = _error_page(response)
    assert response.status_code == 403
    assert "无权访问" in body
    assert english_words(visible_text(body), ("auditor",)) == set()


@override_settings(DEBUG=False)
def test_bad_request_is_a_chinese_400(db: Any) -> None:
    response = Client().get("/accounts/login/", HTTP_HOST="bad host name")
    body = _error_page(response)
    assert response.status_code == 400
    assert english_words(visible_text(body)) == set()


@override_settings(DEBUG=False)
def test_csrf_failure_is_a_chinese_403_in_the_shell(world: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.street_north)
    response = client.post("/accounts/password/", {"old_password": "x"})
    body = _error_page(response)
    assert response.status_code == 403
    assert "页面已失效" in body
    assert english_words(visible_text(body), ("street_north",)) == set()


@override_settings(DEBUG=False)
def test_server_error_page_renders_without_a_context() -> None:
    from django.views.defaults import server_error

    response = server_error(RequestFactory().get("/"))
    body = _error_page(response)
    assert response.status_code == 500
    assert english_words(visible_text(body)) == set()


# --- the file input -----------------------------------------------------------------------


def test_no_template_has_a_native_file_input() -> None:
    """Every upload goes through {% file_input %}: "选择文件", not the browser's "Choose
    Files / No file chosen"."""
    from pathlib import Path

    import shegong

    root = Path(shegong.__file__).parent
    partial = root / "core" / "templates" / "core" / "partials" / "_file_input.html"
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.html")
        if path != partial and 'type="file"' in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_import_page_has_the_chinese_file_control(world: Any, client_for: Any) -> None:
    html = client_for(world.dept_admin).get("/regions/import/").content.decode()
    assert "data-sg-file>" in html
    assert ">选择文件</label>" in html
    assert "未选择文件" in html
    assert "core/file-input.js" in html


@override_settings(DEBUG=False)
def test_a_citizen_404_leads_back_to_the_portal(db: Any) -> None:
    body = _error_page(Client().get("/portal/open/999999/"))
    assert 'href="/portal/">返回群众诉求服务首页' in body


@override_settings(DEBUG=False)
def test_opening_a_post_only_address_is_a_chinese_405(world: Any, client_for: Any) -> None:
    response = client_for(world.dept_admin).get(f"/accounts/users/{world.street_north.pk}/unlock/")
    body = _error_page(response)
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "不能直接打开" in body
    assert 'data-testid="nav"' in body
