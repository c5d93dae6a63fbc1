"""A member opens an activity's QR link on a phone, checks in, and sees their volunteer and study
hours rise on their own page; a second check-in from a page left open is refused with a clear
message. Staff see the QR code and the member present on the activity's page."""

import pytest

from dangjian.accounts.roles import Role
from dangjian.service.models import CheckIn
from tests import factories
from tests.service.factories import happening, make_activity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("local_daytime")]


def test_a_member_checks_in_by_code_on_a_phone_and_their_hours_rise(browser, phone_page, page, live_server, tree,
                                                                     make_user, settings_no_otp, sign_in):
    base = live_server.url
    clerk = make_user(Role.CLERK, tree.community_a, username="community-a-clerk")
    member_user = make_user(None, tree.grid_a, username="member-li")
    factories.make_member(tree.grid_a, name="李党员", account=member_user)
    activity = happening(make_activity(tree.community_a, title="社区义诊志愿服务", hours=3, counts_as_study=True))

    sign_in(page, clerk.username)
    page.goto(f"{base}/service/activities/{activity.pk}/")
    assert page.locator("[data-check-in-code] svg").count() == 1
    link = page.locator("[data-check-in-link]").get_attribute("href")
    assert activity.check_in_token in link and f"/{activity.pk}/" not in link

    phone = phone_page
    sign_in(phone, member_user.username)
    phone.goto(f"{base}/service/mine/")
    assert phone.locator("[data-figure=volunteer_hours]").inner_text().strip() == "0.0"
    phone.goto(link)
    # A second page left open on the same code, as when the code is scanned twice.
    again = phone.context.new_page()
    again.goto(link)
    with phone.expect_navigation():
        phone.click("form[data-form=check-in] button[type=submit]")
    assert phone.locator("[data-checked-in]").count() == 1
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    with again.expect_navigation():
        again.click("form[data-form=check-in] button[type=submit]")
    refusal = again.locator("[data-refusal]").inner_text()
    assert "社区义诊志愿服务" in refusal and ("already" in refusal or "已" in refusal)
    assert CheckIn.objects.filter(activity=activity).count() == 1

    phone.click("[data-my-service]")
    phone.wait_for_url(f"{base}/service/mine/")
    assert phone.locator("[data-figure=volunteer_hours]").inner_text().strip() == "3.0"
    assert phone.locator("[data-figure=study_hours]").inner_text().split("/")[0].strip() == "4.0"

    page.reload()
    assert page.locator("[data-figure=present]").inner_text().strip() == "1"
    assert "李党员" in page.locator("table[data-list=check-ins]").inner_text()
