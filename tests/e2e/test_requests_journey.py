"""A resident files a request on a phone without an account; a grid worker accepts, assigns and
resolves it; the resident confirms the fix with the tracking code. A request left overdue shows
red and rises to the community, whose clerk finds it in the list of what has risen to them."""

import datetime as dt

import pytest

from dangjian.accounts.roles import Role
from dangjian.requests import services
from dangjian.requests.models import Request
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("next_year_entered")]


def test_a_request_from_filing_to_the_residents_confirmation(page, phone_page, live_server, tree, make_user,
                                                              settings_no_otp, sign_in):
    base = live_server.url
    factories.make_category(code="LAMP", name="路灯照明", time_limit_days=3)
    clerk = make_user(Role.CLERK, tree.grid_a, username="grid-a-worker")

    resident = phone_page
    resident.goto(f"{base}/r/")
    resident.fill("#id_place_text", "东风社区")
    with resident.expect_navigation():
        resident.click("form[role=search] button[type=submit]")
    resident.locator("input[name=place]").first.check()
    resident.select_option("#id_category", label="路灯照明")
    resident.fill("#id_description", "3栋门口的路灯坏了一周，晚上看不见路。")
    resident.fill("#id_phone", "13800138000")
    with resident.expect_navigation():
        resident.click("form[data-form=request] button[type=submit]")
    code = resident.locator("[data-tracking-code]").inner_text().strip()
    assert len(code) == 14
    filed = Request.objects.get()
    assert filed.source == "public_page" and filed.entered_by is None

    sign_in(page, clerk.username)
    page.locator("nav.mainnav a[href='/requests/']").click()
    page.wait_for_url(f"{base}/requests/org/{tree.grid_a.code}/")
    page.click("a[data-tab=unassigned]")
    page.click(f"tr[data-request='{filed.pk}'] a")
    page.wait_for_url(f"{base}/requests/{filed.pk}/")
    assert "138****8000" in page.content() and "13800138000" not in page.content()
    with page.expect_navigation():
        page.click("form[data-act=accept] button[type=submit]")
    page.fill("form[data-act=assign] input[name=organization]", tree.building_a.code)
    with page.expect_navigation():
        page.click("form[data-act=assign] button[type=submit]")
    page.fill("form[data-act=resolve] textarea[name=public_note]", "已更换路灯，请查看。")
    with page.expect_navigation():
        page.click("form[data-act=resolve] button[type=submit]")
    assert page.locator("[data-state=resolved]").count() == 1

    resident.goto(f"{base}/r/track/")
    resident.fill("#id_code", code.lower().replace("-", " "))
    with resident.expect_navigation():
        resident.click("main form button[type=submit]")
    assert "已更换路灯" in resident.content()
    resident.locator("form[data-answer=confirm] input[name=satisfaction][value='5']").check()
    with resident.expect_navigation():
        resident.click("form[data-answer=confirm] button[type=submit]")
    assert resident.locator("[data-state=confirmed]").count() == 1
    filed.refresh_from_db()
    assert (filed.state, filed.satisfaction, filed.assigned_org) == ("confirmed", 5, tree.building_a)


def test_an_overdue_request_shows_red_and_rises_to_the_community(page, live_server, tree, make_user, settings_no_otp,
                                                                   sign_in):
    base = live_server.url
    grid_clerk = make_user(Role.CLERK, tree.grid_a)
    community_clerk = make_user(Role.CLERK, tree.community_a, username="community-a-clerk")
    filed, _code = factories.make_request(tree.grid_a.grid)
    services.request_change(actor=grid_clerk, request=filed, action="accept")
    today = dt.date.today()
    Request.objects.filter(pk=filed.pk).update(due_on=today - dt.timedelta(days=3), warn_on=today - dt.timedelta(days=5))
    assert services.sweep(today=today)["escalated"] == 1

    sign_in(page, community_clerk.username)
    page.goto(f"{base}/requests/org/{tree.community_a.code}/?list=overdue")
    row = page.locator(f"tr[data-request='{filed.pk}']")
    assert row.locator("[data-light=red]").count() == 1
    page.click("a[data-tab=escalated]")
    assert page.locator(f"tr[data-request='{filed.pk}']").count() == 1
    page.click(f"tr[data-request='{filed.pk}'] a")
    assert page.locator(f"[data-escalated-to='{tree.community_a.code}']").count() == 1


def test_a_problem_raised_at_a_reception_becomes_a_request_in_one_step(page, live_server, tree, make_user,
                                                                         settings_no_otp, sign_in):
    base = live_server.url
    category = factories.make_category(code="NOISE", name="噪音扰民")
    clerk = make_user(Role.CLERK, tree.community_a, username="community-a-clerk")
    member = factories.make_member(tree.grid_a, name="陈代表")
    representative = services.representative_appoint(actor=None, member=member, organization=tree.community_a,
                                                     title="区党代表", since=dt.date(2026, 1, 1))

    sign_in(page, clerk.username)
    page.goto(f"{base}/requests/org/{tree.community_a.code}/")
    page.click(f"a[href='/requests/org/{tree.community_a.code}/representatives/']")
    page.click(f"a[href='/requests/representatives/{representative.pk}/receptions/new/']")
    page.fill("#id_place", "东风社区党群服务中心党代表工作室")
    page.fill("#id_visitors", "3")
    page.select_option("#id_problems-0-category", str(category.pk))
    page.select_option("#id_problems-0-grid", f"g{tree.grid_a.grid.pk}")
    page.fill("#id_problems-0-description", "晚上十点后广场舞音响太吵。")
    page.fill("#id_problems-0-contact_name", "刘阿姨")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    filed = Request.objects.get()
    assert (filed.source, filed.reception.visitors, filed.contact_name) == ("reception", 3, "刘阿姨")
    assert page.locator(f"tr[data-request='{filed.pk}'] [data-tracking-code]").count() == 1
