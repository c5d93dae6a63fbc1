"""A branch clerk takes a person from application to full member in the browser: opens the file,
records each step from the steps offered next with its facts and a document, meets a refused step
that names its rule, leaves the steps of the committee above to its clerk, and ends with a full
member in the register and a printable record."""

import datetime as dt

import pytest

from dangjian.accounts.roles import Role
from dangjian.members.models import Category, Member
from dangjian.recruitment import standard
from dangjian.recruitment.models import RecruitmentFile, Stage
from tests import factories
from tests.recruitment.test_services import BIRTH, recent_steps

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SELECTS = {"decided_by", "passed", "outcome", "approver"}
UPPER = {step.number for step in standard.STEPS if step.upper}


def fill_facts(page, facts: dict) -> None:
    for name, value in facts.items():
        if name in SELECTS:
            page.select_option(f"#id_{name}", {True: "yes", False: "no"}.get(value, value))
        else:
            page.fill(f"#id_{name}", str(value))


def record(page, number: str, date: str, facts: dict, *, document: bytes | None = None) -> None:
    """From the file page: take the step from those offered next, fill it in and save it."""
    page.wait_for_url("**/recruitment/*/")
    page.locator(f"[data-list=next-steps] a[data-step='{number}']").first.click()
    page.wait_for_url(f"**/step/?step={number}")
    page.fill("#id_on", date)
    fill_facts(page, facts)
    if document is not None:
        page.set_input_files("#id_documents", files=[
            {"name": "谈话记录.pdf", "mimeType": "application/pdf", "buffer": document}])
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def test_a_clerk_takes_an_applicant_to_full_membership(page, browser, live_server, tree, make_user, settings_no_otp,
                                                         sign_in, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    clerk = make_user(Role.CLERK, tree.grid_a, username="grid-a-clerk")
    committee_clerk = make_user(Role.CLERK, tree.community_a, username="community-a-clerk")
    committee_context = browser.new_context(locale="zh-CN")
    committee = committee_context.new_page()
    sign_in(committee, committee_clerk.username)
    steps = recent_steps()
    number = factories.id_number(BIRTH)
    base = live_server.url
    sign_in(page, clerk.username)

    page.locator("nav.mainnav a[href='/recruitment/']").click()
    page.wait_for_url(f"{base}/recruitment/org/{tree.grid_a.code}/")
    page.click("a[data-action=open-file]")
    page.fill("#id_name", "王小明")
    page.fill("#id_id_number", number)
    page.fill("#id_applied_on", steps["1"][0][0])
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    file = RecruitmentFile.objects.get()
    assert page.url == f"{base}/recruitment/{file.pk}/"
    assert number not in page.content() and page.locator("[data-stage=applicant]").count() == 1

    record(page, "2", steps["2"][0][0], {}, document=b"%PDF-1.4\n%%EOF\n")
    assert page.url == f"{base}/recruitment/{file.pk}/"
    assert page.locator("tr[data-step='2'] a", has_text="谈话记录.pdf").count() == 1

    for key in ("3", "4", "5"):
        (date, facts), = steps[key]
        record(page, key, date, facts)
    for date, facts in steps["6"]:
        record(page, "6", date, facts)

    # Named a candidate a month short of a year as activist: refused, naming the rule and its source.
    (date, facts), = steps["7"]
    too_early = (dt.date.fromisoformat(steps["3"][0][0]) + dt.timedelta(days=330)).isoformat()
    record(page, "7", too_early, facts)
    alert = page.locator("main .errors[role=alert]")
    assert "细则 第十三条" in alert.inner_text() and steps["3"][0][0] in alert.inner_text()
    assert file.records.filter(step="7").count() == 0
    page.fill("#id_on", date)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.locator("[data-stage=candidate]").count() == 1

    for key in map(str, range(8, 26)):
        if key in UPPER:
            # The branch clerk sees the step waiting for the committee, whose clerk records it.
            assert page.locator(f"[data-awaits='{key}']").count() == 1
            committee.goto(page.url)
            for date, facts in steps[key]:
                record(committee, key, date, facts)
            page.reload()
            continue
        for date, facts in steps[key]:
            record(page, key, date, facts)
    committee_context.close()

    assert page.locator("[data-stage=full]").count() == 1
    assert page.locator("[data-list=clean]").count() == 1
    member = Member.objects.get(recruitment_file=file)
    assert member.category == Category.FULL and member.joined_on.isoformat() == steps["15"][0][0]
    assert RecruitmentFile.objects.get().stage == Stage.FULL

    page.click("a[data-action=print]")
    page.wait_for_url(f"{base}/recruitment/{file.pk}/print/")
    assert page.locator("table[data-list=records] tbody tr").count() == 26
    assert page.locator("nav.mainnav").is_hidden() is False
    page.emulate_media(media="print")
    assert page.locator("header.topbar").is_hidden() and page.locator("button[data-print]").is_hidden()
