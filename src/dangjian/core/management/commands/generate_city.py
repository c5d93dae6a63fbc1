from django.core.management import BaseCommand, CommandError
from django.utils.translation import gettext as _

from dangjian.demo import loader
from dangjian.demo.citygen import CityGenerator, Plan
from dangjian.orgs.models import Organization


class Command(BaseCommand):
    help = _("Fill the database with a generated city of N members (about 50 a grid, 300 a community) and a year "
             "of residents' requests, receptions and household visits.")

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, required=True, metavar="N")
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument("--replace", action="store_true",
                            help=_("Remove the existing tree, its members and the accounts tied to it first."))

    def handle(self, *args, members, seed, replace, **options):
        if members < 1:
            raise CommandError(_("--members: give a positive number of members."))
        if Organization.objects.exists():
            if not replace:
                raise CommandError(_("The database already holds organisations. Use --replace to remove them "
                                     "(with their members and accounts) and generate a new city."))
            self.stdout.write(_("Removing the existing tree…"))
            loader.remove_generated()
        report = loader.load(CityGenerator(Plan.for_members(members), seed=seed), progress=self.stdout.write)
        total = 0.0
        for phase, rows, seconds in report.phases:
            total += seconds
            rate = f"{rows / seconds:,.0f} rows/s" if seconds and phase != "vacuum analyze" else ""
            self.stdout.write(f"  {phase:<16} {rows:>10,} {seconds:8.2f} s  {rate}")
        self.stdout.write(_("Generated in %(seconds).1f s.") % {"seconds": total})
