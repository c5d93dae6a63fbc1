from django.core.exceptions import ValidationError
from django.core.management import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from dangjian.accounts import services
from dangjian.accounts.roles import Role
from dangjian.core.management.commands._arguments import command_error
from dangjian.orgs.models import Organization

ARGUMENTS = {"username": "USERNAME", "full_name": "--name", "organization": "--org", "role": "--role"}


class Command(BaseCommand):
    help = _("Create an account holding one role on one organisation, and print its one-time password.")

    def add_arguments(self, parser):
        parser.add_argument("username", metavar="USERNAME")
        parser.add_argument("--org", required=True, metavar="CODE", help=_("Code of the account's organisation."))
        parser.add_argument("--role", required=True, help=", ".join(Role.values))
        parser.add_argument("--name", default="", help=_("The holder's full name (default: the username)."))

    def handle(self, *args, username, org, role, name, **options):
        organization = Organization.objects.filter(code=org.strip()).first()
        if organization is None:
            raise CommandError(_("--org: no organisation has the code %(code)s.") % {"code": org})
        if role not in Role.values:
            raise CommandError(_("--role: %(role)s is not a role; choose one of %(roles)s.")
                               % {"role": role, "roles": ", ".join(Role.values)})
        try:
            with transaction.atomic():
                account, password = services.account_create(
                    actor=None, username=username, full_name=name or username, organization=organization,
                )
                services.role_grant(actor=None, user=account, role=role, organization=organization)
        except ValidationError as error:
            raise command_error(error, ARGUMENTS) from None
        self.stdout.write(_("Created %(username)s as %(role)s of %(org)s.") % {
            "username": account.username, "role": Role(role).label, "org": organization.name})
        self.stdout.write(_("One-time password (shown only now; it must be changed at the first sign-in): %(password)s")
                          % {"password": password})
