"""Browser fixtures: Playwright's sync API driving Debian's Chromium against pytest-django's
``live_server``. The browser is never downloaded; without /usr/bin/chromium the browser tests
skip, except under CI, where a missing browser is a failure."""

import os
from pathlib import Path

import pytest

from dangjian.accounts.roles import Role
from tests import factories

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)."
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running on this thread, which makes Django
    # refuse ORM calls from the test body. The flag is restored once this module's browser closes,
    # so the other tests keep Django's guard.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _page(browser, **context_options):
    # The people using this work in Chinese browsers; Django's LocaleMiddleware follows the
    # browser's Accept-Language, and Chromium's own default would be English.
    context = browser.new_context(locale="zh-CN", **context_options)
    context.set_default_timeout(10_000)
    return context, context.new_page()


@pytest.fixture
def page(browser):
    context, page = _page(browser)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser):
    context, page = _page(browser, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    yield page
    context.close()


@pytest.fixture
def street_account(tree, make_user, settings_no_otp):
    """A street-A organisation admin with a few members below, so that the figures are not all zero."""
    factories.make_member(tree.grid_a, name="李四")
    factories.make_member(tree.building_a, name="王五")
    return make_user(Role.ORG_ADMIN, tree.street_a, username="street-a-admin")


@pytest.fixture
def sign_in(live_server):
    """Sign in through the login form, as a person would."""
    def sign_in(page, username: str, password: str = factories.PASSWORD) -> None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        with page.expect_navigation():
            page.click("main form button[type=submit]")

    return sign_in
