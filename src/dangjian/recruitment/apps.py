from django.apps import AppConfig
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


class RecruitmentConfig(AppConfig):
    name = "dangjian.recruitment"
    label = "recruitment"
    verbose_name = _("Recruitment")

    def ready(self):
        checks.register(local_rules_check)


def local_rules_check(app_configs, **kwargs):
    """A deployment's local rule sets are read when the site starts, not when a clerk first
    records a step."""
    from dangjian.recruitment import selectors

    try:
        selectors.rule_sets()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="recruitment.E001")]
    return []
