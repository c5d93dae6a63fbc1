from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RequestsConfig(AppConfig):
    name = "dangjian.requests"
    label = "requests"
    verbose_name = _("Residents' requests")

    def ready(self):
        from dangjian.requests import notifications  # noqa: F401  (registers the kinds)
