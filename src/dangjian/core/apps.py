from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "dangjian.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from dangjian.core import lookups  # noqa: F401  (registers the lookups)
