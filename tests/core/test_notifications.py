"""The notifications page: the signed-in user's own notifications, newest first with the unread
marked, and all of them marked read at once (by POST only)."""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from dangjian.core import notifications, services
from dangjian.core.models import Notification
from dangjian.requests.notifications import ASSIGNED_TO_YOU

pytestmark = pytest.mark.django_db
# A kind worded by its values alone, for the page's tests.
SAID = notifications.kind("tests.said", gettext_lazy("%(text)s"))


@pytest.fixture(autouse=True)
def english(settings, settings_no_otp):
    settings.LANGUAGE_CODE = "en"


def notify(user, message, *, minutes_ago=0, read=False, url=""):
    at = timezone.now() - dt.timedelta(minutes=minutes_ago)
    return Notification.objects.create(recipient=user, kind=SAID, values={"text": message}, url=url,
                                       created_at=at, read_at=at if read else None)


def test_the_page_lists_the_users_own_notifications_newest_first_with_the_unread_marked(client, make_user):
    user, other = make_user(), make_user()
    old = notify(user, "旧的通知", minutes_ago=60, read=True)
    new = notify(user, "请求 #7 已派给你", minutes_ago=1, url="/requests/7/")
    notify(other, "别人的通知")
    client.force_login(user)
    response = client.get(reverse("notifications:list"))
    page = response.content.decode()
    assert response.status_code == 200
    assert list(response.context["page"]) == [new, old]
    assert "别人的通知" not in page
    assert f'data-notification="{new.pk}" class="unread"' in page
    assert f'data-notification="{old.pk}">' in page
    assert '<a href="/requests/7/">请求 #7 已派给你</a>' in page
    assert 'data-unread="1"' in page and 'data-action="mark-all-read"' in page


def test_mark_all_read_marks_only_the_users_own(client, make_user):
    user, other = make_user(), make_user()
    mine = [notify(user, f"通知{number}") for number in range(3)]
    theirs = notify(other, "别人的通知")
    client.force_login(user)
    assert client.get(reverse("notifications:read")).status_code == 405
    assert not Notification.objects.filter(read_at__isnull=False).exists()
    response = client.post(reverse("notifications:read"), follow=True)
    assert response.redirect_chain == [(reverse("notifications:list"), 302)]
    assert "3 notifications are marked read." in response.content.decode()
    assert 'data-unread="0"' in response.content.decode()
    assert all(Notification.objects.get(pk=item.pk).read_at is not None for item in mine)
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_pages_need_a_signed_in_user(client):
    login = reverse("accounts:login")
    assert client.get(reverse("notifications:list"))["Location"].startswith(login)
    assert client.post(reverse("notifications:read"))["Location"].startswith(login)


def test_an_empty_list_says_so_and_a_bad_page_number_shows_the_last(client, make_user):
    user = make_user()
    client.force_login(user)
    assert "No notifications." in client.get(reverse("notifications:list")).content.decode()
    notify(user, "一条")
    assert client.get(reverse("notifications:list"), {"page": "99"}).status_code == 200
    assert client.get(reverse("notifications:list"), {"page": "x"}).status_code == 200


def test_a_notification_is_worded_in_the_readers_language_not_the_senders(client, make_user):
    user = make_user()
    with translation.override("en"):
        services.notify([user], ASSIGNED_TO_YOU, "/requests/7/", number=7, category="楼道照明")
    notice = Notification.objects.get()
    assert (notice.kind, notice.values) == (ASSIGNED_TO_YOU, {"number": 7, "category": "楼道照明"})
    with translation.override("en"):
        assert notice.message == "Request #7 (楼道照明) is assigned to you."
    with translation.override("zh-hans"):
        assert notice.message == "诉求 #7（楼道照明）已交办给您。"
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get(reverse("notifications:list")).content.decode()
    assert "诉求 #7（楼道照明）已交办给您。" in page


def test_a_kind_no_longer_known_or_values_that_no_longer_fit_still_show(make_user):
    user = make_user()
    gone = Notification.objects.create(recipient=user, kind="tests.gone", values={"x": 1})
    assert gone.message == "A notification of a kind this platform no longer sends."
    changed = Notification.objects.create(recipient=user, kind=ASSIGNED_TO_YOU, values={"number": 7})
    assert changed.message == "Request #%(number)s (%(category)s) is assigned to you."


def test_a_kind_is_registered_once():
    with pytest.raises(ValueError, match="tests.said"):
        notifications.kind("tests.said", gettext_lazy("%(text)s again"))
