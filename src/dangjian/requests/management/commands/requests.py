"""`dangjian requests sweep [--today YYYY-MM-DD] [--json]`: raise overdue requests up the tree and
close resolved ones the resident left unanswered; run it from a timer, e.g. every hour.
`dangjian requests rebuild-tally`: recompute the monthly roll-ups of the statistics after a bulk
load."""

import datetime as dt
import json

from django.core.management import BaseCommand, CommandError
from django.utils.translation import gettext as _

from dangjian.requests import services, tally


class Command(BaseCommand):
    help = _("Escalate overdue requests and close unanswered ones (sweep), or rebuild the statistics' roll-ups.")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["sweep", "rebuild-tally"], help=_("What to do."))
        parser.add_argument("--today", metavar="YYYY-MM-DD",
                            help=_("sweep: the day to judge deadlines on (default: today)."))
        parser.add_argument("--json", dest="as_json", action="store_true", help=_("Print the result as JSON."))

    def handle(self, *args, action, today, as_json, **options):
        if action == "rebuild-tally":
            result = {"rows": tally.rebuild()}
        else:
            try:
                day = dt.date.fromisoformat(today) if today else None
            except ValueError:
                raise CommandError(_("--today: give a date as YYYY-MM-DD, not %(value)s.") % {"value": today}) from None
            result = services.sweep(today=day)
        if as_json:
            self.stdout.write(json.dumps(result))
        elif action == "sweep":
            self.stdout.write(_("%(escalated)s requests escalated, %(closed)s closed without an answer.") % result)
            if result["missing_years"]:
                self.stderr.write(_(
                    "The working days of %(years)s are not in the calendar: %(uncounted)s overdue requests were "
                    "not judged. Enter them with `dangjian calendar set`.") % {
                    "years": ", ".join(map(str, result["missing_years"])), "uncounted": result["uncounted"]})
        else:
            self.stdout.write(_("%(rows)s roll-up rows written.") % result)
