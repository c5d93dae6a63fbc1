"""The staff's micro-project pages (``views``); the public register is ``public``, at /p/."""

from dangjian.projects import views

app_name = "projects"
urlpatterns = views.urlpatterns
