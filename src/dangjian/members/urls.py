from dangjian.members.views import imports, lifecycle, own, register

app_name = "members"
urlpatterns = register.urlpatterns + lifecycle.urlpatterns + imports.urlpatterns + own.urlpatterns
