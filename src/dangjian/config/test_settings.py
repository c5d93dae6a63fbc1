"""Settings for the test suite: the same as production in shape, with fast hashing and known keys."""

import os
import tempfile

os.environ.setdefault("DANGJIAN_MODE", "development")
os.environ.setdefault("DANGJIAN_DATA_DIR", os.path.join(tempfile.gettempdir(), "dangjian-test"))
os.environ.setdefault("SECRET_KEY", "test-secret-key-" + "x" * 40)
os.environ.setdefault("DANGJIAN_FIELD_KEY", "dGVzdC1maWVsZC1rZXktMzItYnl0ZXMtbG9uZy0xMjM")
os.environ.setdefault("DANGJIAN_HASH_KEY", "test-hash-key")

from dangjian.config.settings import *

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The permission matrix and the page tests file many requests from one address; the rate-limit
# tests lower these again.
DANGJIAN_PUBLIC_READ_RATE = "100000/m"
DANGJIAN_PUBLIC_WRITE_RATE = "100000/m"
