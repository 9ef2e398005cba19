"""Browser tests: Debian Chromium driven by Playwright against pytest-django's live server.

Every test in this folder is marked ``browser`` and runs with a transactional database,
because the live server answers from another thread and must see committed rows.

Chromium comes from Debian (``/usr/bin/chromium``); Playwright's bundled browsers are never
downloaded. Without that binary the whole folder is skipped with a reason.

Screenshots: tests take them through the ``screenshot_dir`` fixture. They go to a fresh
temporary folder unless ``SHEGONG_SCREENSHOTS=1`` is set (``make screenshots``), which writes
the ones the docs show into ``docs/screenshots``, so an ordinary run never rewrites tracked
files. Either way each screenshot a test writes must be a PNG image.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
TIMEOUT_MS = 10_000

_HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.django_db(transaction=True))


@pytest.fixture(scope="session", autouse=True)
def _allow_orm_beside_playwright() -> Iterator[None]:
    """Let the test thread use the ORM while Playwright's sync API is active.

    Playwright's sync API drives an asyncio event loop in the test's own thread (through
    greenlets), so from the moment it starts ``asyncio.get_running_loop()`` succeeds in the
    main thread. Django's ``async_unsafe`` guard then refuses every synchronous database call
    (fixtures building the city, ORM assertions, the transactional flush) with
    ``SynchronousOnlyOperation``. Those calls are plain synchronous code that never runs
    inside a coroutine, so the guard is a false alarm here; ``DJANGO_ALLOW_ASYNC_UNSAFE``
    switches it off. It is set by a session fixture of this folder, not at import time, so
    the rest of the suite (run before these tests) keeps Django's protection.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


# Every page of every browser test reports what the Content-Security-Policy blocked
# (``securitypolicyviolation`` events, issue 16 item 7): a test that met one fails.
_CSP_WATCH = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.sgCspViolation([e.effectiveDirective, e.blockedURI, e.sourceFile + ":" + e.lineNumber,
                         (e.sample || "").slice(0, 60), location.pathname].join(" | "));
});
"""


class WatchedBrowser:
    """The session's Chromium; each context it opens records the policy's violations."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser
        self.csp_violations: list[str] = []

    def new_context(self, **options: Any) -> Any:
        context = self._browser.new_context(**options)
        context.expose_function("sgCspViolation", self._record)
        context.add_init_script(_CSP_WATCH)
        return context

    def _record(self, violation: str) -> None:
        self.csp_violations.append(violation)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


@pytest.fixture(scope="session")
def browser(_allow_orm_beside_playwright: None) -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield WatchedBrowser(browser)
        finally:
            browser.close()


@pytest.fixture(autouse=True)
def _no_csp_violations(browser: WatchedBrowser) -> Iterator[None]:
    browser.csp_violations.clear()
    yield
    assert not browser.csp_violations, "Content-Security-Policy violations:\n" + "\n".join(
        sorted(set(browser.csp_violations))
    )


def _new_page(browser: Any, **context_options: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", **context_options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh desktop-sized page (own cookies) per test."""
    yield from _new_page(browser, viewport={"width": 1280, "height": 860})


@pytest.fixture
def phone_page(browser: Any) -> Iterator[Any]:
    """A fresh phone-sized page (390×844, touch) per test."""
    yield from _new_page(
        browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )


def screenshots_requested() -> bool:
    """``SHEGONG_SCREENSHOTS=1`` (``make screenshots``): write into docs/screenshots."""
    return os.environ.get("SHEGONG_SCREENSHOTS", "") == "1"


@pytest.fixture
def screenshot_dir(tmp_path: Path) -> Iterator[Path]:
    """Where a test saves its screenshots: docs/screenshots only when asked, else a temp dir."""
    folder = SCREENSHOTS if screenshots_requested() else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    started = time.time() - 1
    yield folder
    written = [p for p in folder.glob("*.png") if p.stat().st_mtime >= started]
    for shot in written:
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"not a PNG image: {shot}"


def login(page: Any, live_server: Any, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login form and wait for the home page."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    if "/accounts/second-factor/" in page.url:
        # Roles that may reveal or export personal data enrol (first time) or type a code,
        # as a person would with an authenticator app.
        from shegong.accounts.testing import current_code

        page.fill("#id_code", current_code(username))
        page.locator("form button.btn-primary").click()
        page.wait_for_load_state()
        proceed = page.get_by_role("link", name="我已保存，继续")
        if proceed.count():
            proceed.click()
    try:
        # The home page; a leader's home is the cockpit (core.views.home redirects there).
        page.wait_for_url(re.compile(re.escape(live_server.url) + r"/(cockpit/)?$"))
    except PlaywrightTimeoutError as exc:
        # Say where the login stopped (a password to change, a refused code) instead of a bare
        # timeout.
        main = page.locator("main").inner_text() if page.locator("main").count() else ""
        raise AssertionError(f"{username} 登录后停在 {page.url}：{main[:300]}") from exc
