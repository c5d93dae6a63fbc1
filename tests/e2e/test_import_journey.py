"""A clerk imports a messy roster in the browser: reads the report by row and column, fixes the
file, applies it and sees the members in the organisation's counts."""

import datetime as dt

import pytest

from dangjian.accounts.roles import Role
from dangjian.members.models import Member
from tests import factories
from tests.members.roster_files import row, xlsx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_clerk_imports_a_messy_roster_then_the_fixed_one(page, live_server, tree, make_user, settings_no_otp,
                                                           sign_in):
    clerk = make_user(Role.CLERK, tree.street_a, username="street-a-clerk")
    good = [factories.id_number(dt.date(1975 + i, 3, 1), male=i % 2 == 0) for i in range(4)]
    bad_check = good[0][:17] + ("1" if good[0][17] != "1" else "2")
    messy = [
        row(tree.grid_a.name, name="张一", id_number=bad_check, birth=dt.date(1975, 3, 1), joined="2001/7/1", full="2002年7月1日"),
        row("幸福路党支部", name="张二", id_number=good[1], birth=dt.date(1976, 3, 1), male=False, joined="2001.07", full="2002.07"),
        row(tree.grid_a.name, name="张三", id_number=good[2], birth=dt.date(1977, 3, 1), joined=dt.date(2001, 7, 1), full="2002-07-01"),
        row(tree.grid_a.name, name="张四", id_number=good[2], birth=dt.date(1977, 3, 1)),
        row(tree.community_a.name, name="", id_number=good[3], birth=dt.date(1978, 3, 1), male=False),
    ]
    fixed = [
        row(tree.grid_a.name, name="张一", id_number=good[0], birth=dt.date(1975, 3, 1), joined="2001/7/1", full="2002年7月1日"),
        row(tree.grid_a.name, name="张二", id_number=good[1], birth=dt.date(1976, 3, 1), male=False, joined="2001.07", full="2002.07"),
        row(tree.grid_a.name, name="张三", id_number=good[2], birth=dt.date(1977, 3, 1), joined=dt.date(2001, 7, 1), full="2002-07-01"),
        row(tree.community_a.name, name="张五", id_number=good[3], birth=dt.date(1978, 3, 1), male=False),
    ]
    base = live_server.url
    sign_in(page, clerk.username)

    page.goto(f"{base}/orgs/{tree.street_a.code}/")
    page.click("a[data-action=roster]")
    page.click("a[data-action=import]")
    page.wait_for_url(f"{base}/members/import/{tree.street_a.code}/")
    page.set_input_files("#id_file", files=[{"name": "名册.xlsx", "mimeType": XLSX, "buffer": xlsx(messy)}])
    with page.expect_navigation():
        page.click("button[name=check]")
    problems = page.locator("table.problems tbody tr")
    rows = {int(r) for r in problems.evaluate_all("rows => rows.map(r => r.dataset.row)")}
    assert rows == {2, 3, 5, 6}
    cells = problems.locator("td:nth-child(2)").all_inner_texts()
    assert {"公民身份号码", "所在党支部", "姓名"} <= set(cells)
    assert page.locator("button[name=apply]").count() == 0
    assert Member.objects.count() == 0

    page.click(f"a[href$='/members/import/{tree.street_a.code}/']")
    page.set_input_files("#id_file", files=[{"name": "名册.xlsx", "mimeType": XLSX, "buffer": xlsx(fixed)}])
    with page.expect_navigation():
        page.click("button[name=check]")
    assert page.locator("dd[data-figure=created]").inner_text() == "4"
    assert page.locator("table.problems").count() == 0
    with page.expect_navigation():
        page.click("button[name=apply]")
    page.locator("[data-outcome=applied]").wait_for()
    assert Member.objects.count() == 4

    page.goto(f"{base}/orgs/{tree.street_a.code}/")
    assert page.locator("dl.figures dd[data-figure=members]").inner_text() == "4"
    page.goto(f"{base}/orgs/{tree.grid_a.code}/")
    assert page.locator("dl.figures dd[data-figure=members]").inner_text() == "3"
