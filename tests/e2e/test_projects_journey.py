"""A micro-project from two residents' requests to its acceptance, in the browser: the community's
clerk enters the proposal from the requests, screens it, records the council's vote and puts it on
public notice; once the notice has run (its end moved back, as its working days passing would),
the street's secretary approves and funds it; the clerk names the contractor, plans and reports the
milestones, completes it and records its acceptance. The public page, on a phone, shows each step
with its date and the requests it answers."""

import datetime as dt

import pytest

from dangjian.accounts.roles import Role
from dangjian.projects.models import MicroProject
from tests import factories
from tests.projects import factories as project_factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("next_year_entered")]


def take_step(page, base, project, action, fields=None, selects=None):
    page.goto(f"{base}/projects/{project.pk}/")
    page.click(f"a[data-step={action}]")
    page.wait_for_url(f"{base}/projects/{project.pk}/step/{action}/")
    for selector, value in (fields or {}).items():
        page.fill(f"form[data-step-form={action}] [name={selector}]", str(value))
    for selector, label in (selects or {}).items():
        page.select_option(f"form[data-step-form={action}] select[name={selector}]", label=label)
    with page.expect_navigation():
        page.click(f"form[data-step-form={action}] button[type=submit]")
    assert page.url == f"{base}/projects/{project.pk}/", page.locator(".error, [role=alert]").all_inner_texts()


def test_a_project_from_two_requests_to_acceptance(browser, page, phone_page, live_server, tree, make_user,
                                                   settings_no_otp, sign_in):
    base = live_server.url
    project_factories.configure("zhuhai")
    source = project_factories.make_source(name="金湾区民生微实事资金")
    clerk = make_user(Role.CLERK, tree.community_a, username="community-a-clerk")
    secretary = make_user(Role.SECRETARY, tree.street_a, username="street-a-secretary")
    lamp = factories.make_category(code="LAMP", name="路灯照明")
    first, _code = factories.make_request(tree.grid_a.grid, category=lamp, description="3栋楼道灯坏了，晚上看不见路。")
    second, _code = factories.make_request(tree.grid_a.grid, category=lamp, description="5栋楼道也没有灯，老人摔倒过。")

    sign_in(page, clerk.username)
    page.goto(f"{base}/projects/org/{tree.community_a.code}/")
    page.click("a[data-action=propose]")
    page.fill("#id_title", "东风社区楼道照明改造")
    page.fill("#id_description", "3栋、5栋楼道灯具老化损坏，夜间照明不足，居民多次反映。")
    page.select_option("#id_kind", value="works")
    page.fill("#id_estimate", "180000")
    page.fill("#id_requests", f"{first.pk}, {second.pk}")
    with page.expect_navigation():
        page.click("form[data-form=proposal] button[type=submit]")
    project = MicroProject.objects.get()
    assert page.url == f"{base}/projects/{project.pk}/"
    assert page.locator("[data-list=linked-requests] li").count() == 2

    today = dt.date.today().isoformat()
    take_step(page, base, project, "screen", selects={"positive_item": project_factories.positive().text})
    take_step(page, base, project, "council", {"held_on": today, "present": 9, "votes_for": 7, "votes_against": 1,
                                               "abstaining": 1})
    take_step(page, base, project, "public_notice")
    assert page.locator("[data-state=public_notice]").count() == 1
    assert page.locator("a[data-step=approve]").count() == 0  # approval is the street's

    project_factories.end_notice(project)
    approver_context = browser.new_context(locale="zh-CN")
    approver = approver_context.new_page()
    sign_in(approver, secretary.username)
    take_step(approver, base, project, "approve", {"budget": "175000.00"}, selects={"funding_source": str(source)})
    assert approver.locator("[data-state=approved]").count() == 1
    approver_context.close()

    take_step(page, base, project, "start", {"contractor": "珠海市某照明工程有限公司"})
    take_step(page, base, project, "milestone", {"title": "灯具采购", "weight": 1})
    take_step(page, base, project, "milestone", {"title": "安装调试", "weight": 3})
    purchase, install = project.milestones.order_by("pk")
    take_step(page, base, project, "progress", {"progress": 100}, selects={"milestone": purchase.title})
    assert page.locator("[data-progress]").inner_text().startswith("25")
    take_step(page, base, project, "progress", {"progress": 100}, selects={"milestone": install.title})
    assert page.locator("[data-progress]").inner_text().startswith("100")
    take_step(page, base, project, "spend", {"amount": "172000.00", "spent_on": today, "payee": "珠海市某照明工程有限公司"})
    take_step(page, base, project, "complete")
    take_step(page, base, project, "accept", {"accepted_on": today, "record": "灯具全部更换，照度达标。",
                                              "signatories": "李书记，张主任，居民代表"})
    assert page.locator("[data-state=accepted]").count() == 1

    resident = phone_page
    resident.goto(f"{base}/p/{project.pk}/")
    steps = resident.locator("[data-list=steps] li")
    assert [steps.nth(index).get_attribute("data-step") for index in range(steps.count())] == [
        "propose", "screen", "council", "public_notice", "approve", "start", "milestone", "milestone", "progress",
        "progress", "complete", "accept"]
    assert all(text.strip() == today for text in resident.locator("[data-list=steps] [data-date]").all_inner_texts())
    linked = resident.locator("[data-list=linked-requests] li")
    assert sorted(linked.nth(index).get_attribute("data-request") for index in range(2)) == sorted(
        [str(first.pk), str(second.pk)])
    assert "路灯照明" in resident.content() and "13800138000" not in resident.content()
    assert resident.locator("[data-milestone-progress]").all_inner_texts() == ["100%", "100%"]
    resident.goto(f"{base}/p/org/{tree.street_a.code}/")
    assert resident.locator(f"tr[data-project='{project.pk}'] [data-state=accepted]").count() == 1
