from django.urls import path

from dangjian.core import notification_views

app_name = "notifications"
urlpatterns = [
    path("", notification_views.notification_list, name="list"),
    path("read/", notification_views.notifications_read, name="read"),
]
