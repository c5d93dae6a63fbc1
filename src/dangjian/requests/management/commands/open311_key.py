"""`dangjian open311-key issue NAME`: a key with which an outside client files requests through
Open311, printed once. `dangjian open311-key revoke ID`: the client can no longer file.
`dangjian open311-key list`: every key, without the keys themselves (only their hashes are kept)."""

from django.core.exceptions import ValidationError
from django.core.management import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core.management.commands._arguments import command_error
from dangjian.requests import selectors, services


class Command(BaseCommand):
    help = _("Issue, revoke and list the keys of Open311 clients.")

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="issue|revoke|list")
        issue = actions.add_parser("issue", help=_("Issue a key and print it once."))
        issue.add_argument("name", metavar="NAME", help=_("Who will use the key."))
        revoke = actions.add_parser("revoke", help=_("Revoke a key."))
        revoke.add_argument("key_id", metavar="ID", type=int, help=_("The key's number, as the list shows it."))
        actions.add_parser("list", help=_("List the keys."))

    def handle(self, *args, action, **options):
        if action == "issue":
            try:
                key, secret = services.open311_key_issue(actor=None, name=options["name"])
            except ValidationError as error:
                raise command_error(error, {"name": "NAME"}) from None
            self.stdout.write(_("Key %(id)s for %(name)s (shown only now; only its hash is kept):") % {
                "id": key.pk, "name": key.name})
            self.stdout.write(secret)
        elif action == "revoke":
            key = selectors.open311_keys().filter(pk=options["key_id"]).first()
            if key is None:
                raise CommandError(_("ID: there is no key %(id)s.") % {"id": options["key_id"]})
            services.open311_key_revoke(actor=None, key=key)
            self.stdout.write(_("Key %(id)s of %(name)s is revoked.") % {"id": key.pk, "name": key.name})
        else:
            for key in selectors.open311_keys():
                self.stdout.write("\t".join([
                    str(key.pk), key.name, f"{key.key_prefix}…", _when(key.issued_at),
                    _("last used %(when)s") % {"when": _when(key.last_used_at)} if key.last_used_at else _("never used"),
                    _("revoked %(when)s") % {"when": _when(key.revoked_at)} if key.revoked_at else _("active")]))


def _when(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"
