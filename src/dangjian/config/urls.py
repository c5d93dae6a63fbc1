from django.urls import include, path
from django.views.i18n import set_language

from dangjian.config.api import api
from dangjian.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("dangjian.accounts.urls")),
    path("orgs/", include("dangjian.orgs.urls")),
    path("members/", include("dangjian.members.urls")),
    path("recruitment/", include("dangjian.recruitment.views")),
    path("requests/", include("dangjian.requests.urls")),
    path("r/", include("dangjian.requests.views.public")),
    path("open311/v2/", include("dangjian.requests.open311")),
    path("service/", include("dangjian.service.views")),
    path("projects/", include("dangjian.projects.views")),
    path("p/", include("dangjian.projects.public")),
    path("audit/", include("dangjian.core.urls")),
    path("notifications/", include("dangjian.core.notification_urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/", api.urls),
]

handler400 = "dangjian.core.views.bad_request"
handler403 = "dangjian.core.views.forbidden"
handler404 = "dangjian.core.views.not_found"
handler500 = "dangjian.core.views.server_error"
