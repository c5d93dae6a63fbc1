"""Days an admin enters into the working-day calendar: the command, the audit, and what the
calendar then says."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from dangjian.core import services as core_services
from dangjian.core.models import AuditAction, AuditEvent, CalendarDay
from dangjian.core.selectors import working_days

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def run(*arguments) -> str:
    from io import StringIO

    out = StringIO()
    call_command("calendar", *arguments, stdout=out)
    return out.getvalue()


def test_a_new_year_is_entered_day_by_day_and_counted():
    assert "cannot be counted" in run("show", "2027")
    assert "2027-01-01 entered as a holiday." in run("set", "2027-01-01", "holiday", "--name", "元旦")
    calendar = working_days()
    assert not calendar.is_working_day(dt.date(2027, 1, 1)) and calendar.is_working_day(dt.date(2027, 1, 4))
    shown = run("show", "2027")
    assert "2027-01-01  holiday  元旦" in shown and "2027 has 260 working days." in shown
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="core.calendarday")
    assert event.changes == {"calendar_day": {"day": "2027-01-01", "working": False, "name": "元旦"}}


def test_an_entered_day_overrides_the_published_one_until_it_is_unset():
    run("set", "2026-10-12", "holiday", "--name", "本地")
    assert not working_days().is_working_day(dt.date(2026, 10, 12))
    run("set", "2026-10-12", "working")
    assert CalendarDay.objects.get().working and working_days().is_working_day(dt.date(2026, 10, 12))
    assert "follows the published calendar again" in run("unset", "2026-10-12")
    assert not CalendarDay.objects.exists()
    assert AuditEvent.objects.filter(object_type="core.calendarday").count() == 3


@pytest.mark.parametrize("arguments, message", [
    (("set", "2027-02-30", "holiday"), "DAY: “2027-02-30” is not a date"),
    (("set", "2027-01-01"), "set needs the kind of day"),
    (("unset", "2027-01-01"), "nothing was entered for 2027-01-01"),
    (("show", "27"), "YEAR: “27” is not a year"),
])
def test_bad_input_is_named_and_changes_nothing(arguments, message):
    with pytest.raises(CommandError) as raised:
        run(*arguments)
    assert message in str(raised.value)
    assert not CalendarDay.objects.exists() and not AuditEvent.objects.exists()


def test_the_demo_enters_next_year_only_when_the_package_lacks_it(db):
    assert core_services.calendar_next_year_by_the_week(actor=None, today=dt.date(2025, 12, 20)) is None
    assert core_services.calendar_next_year_by_the_week(actor=None, today=dt.date(2030, 12, 20)) == 2031
    assert core_services.calendar_next_year_by_the_week(actor=None, today=dt.date(2030, 12, 20)) is None
    calendar = working_days()
    assert not calendar.is_working_day(dt.date(2031, 1, 1)) and calendar.is_working_day(dt.date(2031, 1, 2))
