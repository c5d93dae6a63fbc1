from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "dangjian.service"
    label = "service"
    verbose_name = _("Service teams and activities")

    def ready(self):
        from dangjian.members.signals import member_left
        from dangjian.service.services import leave_teams

        member_left.connect(leave_teams, dispatch_uid="service.leave_teams")
