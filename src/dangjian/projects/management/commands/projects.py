"""`dangjian projects preset zhuhai|luohu_donghu`: load a city's amount caps and positive and negative
lists. `dangjian projects show [--json]`: print the configuration. `dangjian projects set
--notice-days N [--passing-rule RULE] [--cap TYPE=YUAN ...]`: change it. `dangjian projects
rebuild-tally`: recompute the monthly roll-ups of the statistics after a bulk load."""

import json
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.management import BaseCommand, CommandError
from django.utils.translation import gettext as _

from dangjian.projects import rules, selectors, services, tally


class Command(BaseCommand):
    help = _("Load a city's caps and lists, show or set the micro-project configuration, or rebuild the roll-ups.")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["preset", "show", "set", "rebuild-tally"], help=_("What to do."))
        parser.add_argument("name", nargs="?", help=_("preset: %(names)s.") % {"names": ", ".join(rules.PRESETS)})
        parser.add_argument("--notice-days", type=int, help=_("set: the public notice in working days."))
        parser.add_argument("--passing-rule", choices=rules.PassingRule.values, help=_("set: the council's rule."))
        parser.add_argument("--cap", action="append", default=[], metavar="TYPE=YUAN",
                            help=_("set: a type's cap, e.g. works=500000; TYPE= removes it."))
        parser.add_argument("--json", dest="as_json", action="store_true", help=_("Print the result as JSON."))

    def handle(self, *args, action, name, notice_days, passing_rule, cap, as_json, **options):
        try:
            if action == "preset":
                if name not in rules.PRESETS:
                    raise CommandError(_("Name a preset: %(names)s.") % {"names": ", ".join(rules.PRESETS)})
                services.preset_load(actor=None, name=name)
            elif action == "set":
                current = selectors.configuration()
                services.configuration_save(
                    actor=None, notice_working_days=notice_days or current.notice_working_days,
                    passing_rule=passing_rule or current.passing_rule, caps=_caps(cap))
            elif action == "rebuild-tally":
                self.stdout.write(_("%(rows)s roll-up rows written.") % {"rows": tally.rebuild()})
                return
        except ValidationError as error:
            raise CommandError("; ".join(f"{field}: {' '.join(messages)}"
                                         for field, messages in error.message_dict.items())) from None
        current = selectors.configuration()
        shown = {"preset": current.preset, "notice_working_days": current.notice_working_days,
                 "passing_rule": current.passing_rule,
                 "caps": {kind: str(value) for kind, value in selectors.caps().items()},
                 "positive": list(selectors.list_items("positive").values_list("text", flat=True)),
                 "negative": list(selectors.list_items("negative").values_list("text", flat=True))}
        if as_json:
            self.stdout.write(json.dumps(shown, ensure_ascii=False))
            return
        self.stdout.write(_("Public notice: %(days)s working days; council: %(rule)s.") % {
            "days": shown["notice_working_days"], "rule": rules.PassingRule(current.passing_rule).label})
        for kind, value in shown["caps"].items():
            self.stdout.write(f"{rules.Kind(kind).label}: ≤ {value}")
        for side in ("positive", "negative"):
            for text in shown[side]:
                self.stdout.write(f"[{side}] {text}")


def _caps(given: list[str]) -> dict:
    caps = {}
    for entry in given:
        kind, _sep, amount = entry.partition("=")
        if kind not in rules.Kind.values:
            raise CommandError(_("--cap: the type is one of %(types)s, not %(kind)s.") % {
                "types": ", ".join(rules.Kind.values), "kind": kind})
        try:
            caps[kind] = Decimal(amount) if amount.strip() else None
        except InvalidOperation:
            raise CommandError(_("--cap: give the cap in yuan, e.g. works=500000, not %(value)s.") % {
                "value": amount}) from None
    return caps
