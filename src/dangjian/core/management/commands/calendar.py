"""`dangjian calendar show YEAR | set DAY working|holiday [--name NAME] | unset DAY`: the days
entered into the working-day calendar over the published one, for a year the chinesecalendar
package does not have yet (the State Council publishes each year's holidays in November)."""

import datetime as dt

from django.core.management import BaseCommand, CommandError
from django.utils.translation import gettext as _

from dangjian.core import services
from dangjian.core.calendar import UnpublishedYear
from dangjian.core.models import CalendarDay
from dangjian.core.selectors import working_days


class Command(BaseCommand):
    help = _("Show or enter the holidays and make-up working days of the working-day calendar.")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["show", "set", "unset"], help=_("What to do."))
        parser.add_argument("when", metavar="YEAR|DAY", help=_("A year to show, or a day (2027-01-01) to set or unset."))
        parser.add_argument("kind", nargs="?", choices=["working", "holiday"], help=_("For set: what the day is."))
        parser.add_argument("--name", default="", help=_("For set: the holiday's name, e.g. 春节."))

    def handle(self, *args, action, when, kind, name, **options):
        if action == "show":
            return self._show(when)
        try:
            day = dt.date.fromisoformat(when)
        except ValueError:
            raise CommandError(_("DAY: “%(value)s” is not a date; write it as 2027-01-01.") % {"value": when}) from None
        if action == "unset":
            if not services.calendar_day_remove(actor=None, day=day):
                raise CommandError(_("DAY: nothing was entered for %(day)s.") % {"day": day})
            self.stdout.write(_("%(day)s follows the published calendar again.") % {"day": day})
            return
        if kind is None:
            raise CommandError(_("set needs the kind of day: working or holiday."))
        services.calendar_day_set(actor=None, day=day, working=kind == "working", name=name)
        self.stdout.write(_("%(day)s entered as a %(kind)s.") % {
            "day": day, "kind": _("working day") if kind == "working" else _("holiday")})

    def _show(self, when: str) -> None:
        if not (when.isdigit() and 1900 <= int(when) <= 2200):
            raise CommandError(_("YEAR: “%(value)s” is not a year.") % {"value": when})
        year = int(when)
        for entered in CalendarDay.objects.filter(day__year=year):
            self.stdout.write(_("%(day)s  %(kind)s  %(name)s") % {
                "day": entered.day, "name": entered.name,
                "kind": _("working day") if entered.working else _("holiday")})
        try:
            count = working_days().count(dt.date(year, 1, 1), dt.date(year, 12, 31))
        except UnpublishedYear:
            self.stdout.write(_("%(year)s is not in the published calendar and no day of it is entered: working "
                                "days in it cannot be counted.") % {"year": year})
        else:
            self.stdout.write(_("%(year)s has %(count)s working days.") % {"year": year, "count": count})
