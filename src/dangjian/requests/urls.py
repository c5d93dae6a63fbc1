"""The staff's request pages: handling, receptions and visits, and the configuration. Each module
of ``views`` lists its own routes; the resident's pages are ``views.public``, at /r/."""

from dangjian.requests.views import configuration, handling, receptions

app_name = "requests"
urlpatterns = [*handling.urlpatterns, *receptions.urlpatterns, *configuration.urlpatterns]
