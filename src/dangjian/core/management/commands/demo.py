import json
import os
from pathlib import Path

from django.conf import settings
from django.core.management import BaseCommand, CommandError, call_command
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts import services as account_services
from dangjian.accounts.models import User
from dangjian.accounts.roles import Role
from dangjian.core import services as core_services
from dangjian.demo import loader
from dangjian.demo.citygen import CityGenerator, Plan
from dangjian.demo.projects import replay_projects
from dangjian.demo.service import replay_service
from dangjian.members.models import Member
from dangjian.orgs.models import Organization
from dangjian.orgs.rules import Level
from dangjian.projects.models import MicroProject
from dangjian.requests.models import Request
from dangjian.service.models import ServiceTeam

BUSINESS_ROLES = (Role.ORG_ADMIN, Role.SECRETARY, Role.CLERK, Role.VIEWER)
ACCOUNT_LEVELS = (Level.CITY, Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID)
SEPARATED_ROLES = (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR)
MEMBER_USERNAME = "member"


class Command(BaseCommand):
    help = _("Set up and serve the demo: a generated city and one account per role and level.")

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--size", choices=("small", "city"), default="small")
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument("--accounts-json", metavar="FILE", help=_("Also write the accounts to this JSON file."))
        parser.add_argument("--no-serve", action="store_true", help=_("Prepare everything, then stop."))

    def handle(self, *args, port, size, seed, accounts_json, no_serve, **options):
        if not 0 < port < 65536:
            raise CommandError(_("--port: choose a port between 1 and 65535."))
        call_command("migrate", verbosity=0)
        generator = CityGenerator(Plan.named(size), seed=seed)
        if not Organization.objects.exists():
            self.stdout.write(_("Generating the demo city (%(size)s)…") % {"size": size})
            loader.load(generator, requests=False)
        accounts = self._accounts()
        # After the accounts: the staff of the first organisations are then the ones who handle
        # their requests and are told when one rises to them.
        if not Request.objects.exists():
            entered = core_services.calendar_next_year_by_the_week(actor=None, today=timezone.localdate())
            if entered:
                self.stdout.write(_("The calendar package does not hold %(year)s yet: the demo counts that year's "
                                    "working days by the week from New Year's Day (a deployment enters the real ones "
                                    "with `dangjian calendar set`).") % {"year": entered})
            self.stdout.write(_("Replaying a year of residents' requests…"))
            self.stdout.write(_("%(requests)s requests, %(receptions)s receptions, %(visits)s household visits.")
                              % loader.replay_requests(generator))
        if not MicroProject.objects.exists():
            self.stdout.write(_("Collecting micro-projects and taking them through their steps…"))
            made = replay_projects(generator)
            self.stdout.write(_("%(count)s micro-projects.") % {"count": sum(made.values())})
        if not ServiceTeam.objects.exists():
            self.stdout.write(_("Forming service teams and replaying a year of their activities…"))
            self.stdout.write(_("%(teams)s teams, %(activities)s activities, %(check_ins)s check-ins.")
                              % replay_service(seed))
        url = f"http://127.0.0.1:{port}/"
        self._print(accounts, url)
        if accounts_json:
            Path(accounts_json).write_text(json.dumps(
                [{key: account[key] for key in ("username", "password", "role", "org_code")} for account in accounts],
                ensure_ascii=False, indent=2), encoding="utf-8")
        if not no_serve:
            call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)

    def _planned(self) -> list[tuple[str, str, Organization]]:
        firsts = {level: Organization.objects.live().filter(level=level).order_by("path").first()
                  for level in ACCOUNT_LEVELS}
        planned = [(f"{level}_{role}", role, firsts[level]) for level in ACCOUNT_LEVELS if firsts[level]
                   for role in BUSINESS_ROLES]
        planned += [(str(role), role, firsts[Level.CITY]) for role in SEPARATED_ROLES]
        return planned

    @transaction.atomic
    def _accounts(self) -> list[dict]:
        """Create the demo accounts once; their passwords are kept in the data directory so a
        second run prints the same ones."""
        saved_path = settings.DATA_DIR / "demo-accounts.json"
        saved = {a["username"]: a["password"] for a in json.loads(saved_path.read_text(encoding="utf-8"))} \
            if saved_path.exists() else {}
        accounts = []
        for username, role, organization in self._planned():
            password = self._ensure(username, f"{organization.get_level_display()}{Role(role).label}",
                                    organization, saved.get(username), role=role)
            accounts.append({"username": username, "password": password, "role": str(role),
                             "org_code": organization.code, "org_name": organization.name})
        member = Member.objects.current().filter(home_org__level=Level.GRID).order_by("org_path", "pk").first()
        if member is not None:
            password = self._ensure(MEMBER_USERNAME, member.name, member.home_org, saved.get(MEMBER_USERNAME))
            Member.objects.filter(pk=member.pk).update(account=User.objects.get(username=MEMBER_USERNAME))
            accounts.append({"username": MEMBER_USERNAME, "password": password, "role": "member",
                             "org_code": member.home_org.code, "org_name": member.home_org.name})
        saved_path.parent.mkdir(parents=True, exist_ok=True)
        saved_path.write_text(json.dumps(accounts, ensure_ascii=False, indent=2), encoding="utf-8")
        os.chmod(saved_path, 0o600)
        return accounts

    def _ensure(self, username, full_name, organization, saved_password, role=None) -> str:
        user = User.objects.filter(username=username).first()
        if user is None:
            user, password = account_services.account_create(
                actor=None, username=username, full_name=full_name, organization=organization)
            if role:
                account_services.role_grant(actor=None, user=user, role=role, organization=organization)
        elif saved_password and user.check_password(saved_password):
            password = saved_password
        else:
            password = account_services.generate_password()
            user.set_password(password)
        # Demo accounts sign in with the printed password straight away.
        user.must_change_password = False
        user.save()
        return password

    def _print(self, accounts, url):
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(_("dangjian demo: open %(url)s") % {"url": url}))
        self.stdout.write(_("Second factor off in the demo; set OTP_REQUIRED_ROLES=org_admin to try it."))
        self.stdout.write("")
        header = (_("username"), _("password"), _("role"), _("organisation"))
        widths = (22, 16, 16)
        self.stdout.write(f"{header[0]:<{widths[0]}} {header[1]:<{widths[1]}} {header[2]:<{widths[2]}} {header[3]}")
        for account in accounts:
            self.stdout.write(f"{account['username']:<{widths[0]}} {account['password']:<{widths[1]}} "
                              f"{account['role']:<{widths[2]}} {account['org_code']} {account['org_name']}")
        self.stdout.write("")
