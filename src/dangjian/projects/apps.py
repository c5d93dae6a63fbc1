from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "dangjian.projects"
    label = "projects"
    verbose_name = _("Micro-projects")

    def ready(self):
        from dangjian.projects import notifications  # noqa: F401  (registers the kinds)
