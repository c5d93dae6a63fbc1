app_name = "public_projects"
urlpatterns = []
