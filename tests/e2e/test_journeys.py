"""End-to-end journeys of a street-level organisation admin, in a desktop and a phone browser.

The assertions hold on structure, roles, ids and the data itself, not on interface wording,
which the Chinese catalogue will change.
"""

import pytest

from dangjian.orgs.models import Organization

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_NAME = "新华社区党委"


def html_lang(page) -> str:
    return page.get_attribute("html", "lang")


def fits_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def expand_first_node(page, expected_child: str) -> None:
    """Open the first node of the tree with its toggle and wait for the fetched children."""
    node = page.locator("ul[role=tree] > li[role=treeitem]").first
    with page.expect_response(lambda response: "/children/" in response.url) as fetched:
        node.locator(":scope > button.toggle").click()
    assert fetched.value.status == 200
    # The script marks the node open once it has read the fetched answer, a moment after it arrives.
    page.locator("ul[role=tree] > li[role=treeitem][aria-expanded=true]").first.wait_for()
    node.locator(":scope > ul[role=group] > li[role=treeitem] > a", has_text=expected_child).wait_for()


def test_street_admin_journey(page, live_server, tree, street_account, sign_in):
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    assert html_lang(page) == "zh-CN"
    assert page.locator("label[for=id_username]").count() == 1
    assert page.locator("label[for=id_password]").count() == 1

    sign_in(page, street_account.username)
    # The only organisation in the account's scope is its street, so home leads straight there.
    assert page.url == f"{base}/orgs/{tree.street_a.code}/"
    assert page.locator("main h1").inner_text() == tree.street_a.name
    assert page.locator("dl.figures dd[data-figure=members]").inner_text() == "2"
    assert page.locator("dl.figures dt").count() == page.locator("dl.figures dd").count() >= 6
    assert page.get_by_role("link", name=tree.community_a.name).count() == 1
    assert tree.street_b.name not in page.content()

    page.locator("nav.mainnav a[href='/orgs/']").click()
    page.wait_for_url(f"{base}/orgs/")
    tops = page.locator("ul[role=tree] > li[role=treeitem]")
    assert tops.count() == 1
    assert tops.first.locator(":scope > a").inner_text() == tree.street_a.name
    expand_first_node(page, tree.community_a.name)
    tops.first.locator(":scope > ul[role=group] a", has_text=tree.community_a.name).click()
    page.wait_for_url(f"{base}/orgs/{tree.community_a.code}/")
    assert page.locator("main h1").inner_text() == tree.community_a.name

    page.goto(f"{base}/orgs/")
    page.fill("#q", "dfsqdw")  # 东风社区党委 by its pinyin initials
    with page.expect_navigation():
        page.press("#q", "Enter")
    results = page.locator("ul.results a")
    assert results.count() == 1
    assert results.first.inner_text() == tree.community_a.name
    results.first.click()
    page.wait_for_url(f"{base}/orgs/{tree.community_a.code}/")

    page.goto(f"{base}/orgs/{tree.street_a.code}/")
    page.locator(f"a[href='/orgs/{tree.street_a.code}/new/']").click()
    page.wait_for_url(f"{base}/orgs/{tree.street_a.code}/new/")
    page.select_option("#id_level", "community")
    page.select_option("#id_kind", "primary_committee")
    with page.expect_navigation() as blank_submit:
        page.click("main form button[type=submit]")
    assert blank_submit.value.status == 200
    name_field = page.locator(".field.invalid", has=page.locator("#id_name"))
    assert name_field.locator("p.error[role=alert]").count() == 1
    assert page.locator(".field.invalid").count() == 1
    assert page.locator("label[for=id_name]").count() == 1
    assert page.get_attribute("#id_name", "aria-invalid") == "true"
    page.focus("#id_name")
    assert page.evaluate("document.activeElement.id") == "id_name"
    assert page.input_value("#id_level") == "community"
    assert not Organization.objects.filter(name=NEW_NAME).exists()

    page.fill("#id_name", NEW_NAME)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    created = Organization.objects.get(name=NEW_NAME)
    assert created.path.startswith(tree.street_a.path)
    assert page.url == f"{base}/orgs/{created.code}/"
    assert page.locator("main h1").inner_text() == NEW_NAME
    assert page.locator("main [role=status]").count() == 1

    response = page.goto(f"{base}/orgs/{tree.street_b.code}/")
    assert response.status == 404
    assert page.locator("main h1").count() == 1
    assert tree.street_b.name not in page.content()


def test_phone_layout(phone_page, live_server, tree, street_account, sign_in, tmp_path):
    page, base = phone_page, live_server.url
    shots = []

    def check(name: str) -> None:
        assert fits_width(page), f"{name} scrolls sideways at {page.viewport_size['width']}px"
        path = tmp_path / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        shots.append(path)

    page.goto(f"{base}/accounts/login/")
    check("login")
    sign_in(page, street_account.username)
    check("organisation")

    nav_link = page.locator("nav.mainnav a[href='/orgs/']")
    assert nav_link.is_visible()
    box = nav_link.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]
    nav_link.click()
    page.wait_for_url(f"{base}/orgs/")
    expand_first_node(page, tree.community_a.name)
    check("tree")

    page.fill("#q", "dfsq")
    with page.expect_navigation():
        page.press("#q", "Enter")
    assert page.locator("ul.results a").count() == 2  # the community committee and its grid branch
    check("search")

    page.goto(f"{base}/orgs/{tree.street_a.code}/new/")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.locator(".field.invalid").count() >= 1
    check("form-errors")

    response = page.goto(f"{base}/orgs/{tree.street_b.code}/")
    assert response.status == 404
    check("not-found")
    assert all(path.stat().st_size > 0 for path in shots)


def test_language_selector_switches_to_english(page, live_server, tree, street_account, sign_in):
    sign_in(page, street_account.username)
    assert html_lang(page) == "zh-CN"
    with page.expect_navigation():
        page.select_option("#language", "en")
    assert html_lang(page) == "en"
    assert page.url == f"{live_server.url}/orgs/{tree.street_a.code}/"
    assert page.input_value("#language") == "en"

    page.goto(f"{live_server.url}/orgs/")
    assert html_lang(page) == "en"
