"""Member pages, one module per concern; each module holds its own ``urlpatterns``."""
