"""The service pages; the routes are listed with their views."""

from dangjian.service.views import app_name, urlpatterns

__all__ = ["app_name", "urlpatterns"]
