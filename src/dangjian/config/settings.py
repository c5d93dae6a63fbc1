"""Settings, read from the environment.

DANGJIAN_MODE chooses the posture:
- ``production`` (the default): DEBUG must be off, SECRET_KEY and the data keys must be given,
  cookies are secure and HTTPS is enforced. Anything missing stops the start with a clear message.
- ``demo``: the local demo. Secrets are generated once into the data directory and cookies work
  over plain http://127.0.0.1.
- ``development``: like demo, and DEBUG may be turned on.
"""

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from dangjian.config import env

PACKAGE_DIR = Path(__file__).resolve().parent.parent

MODE = env.get_str("DANGJIAN_MODE", "production")
if MODE not in {"production", "demo", "development"}:
    raise ImproperlyConfigured(f"DANGJIAN_MODE must be production, demo or development, not {MODE!r}")
PRODUCTION = MODE == "production"

DATA_DIR = Path(env.get_str("DANGJIAN_DATA_DIR") or Path.cwd() / "var").resolve()


def _local_secret(name: str, nbytes: int) -> str:
    """A secret kept in the data directory, generated on first use (demo and development only)."""
    path = DATA_DIR / "secrets" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.write_text(secrets.token_urlsafe(nbytes), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def _secret(name: str, nbytes: int = 50) -> str:
    value = env.get_str(name)
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(
            f"{name} is not set. Production refuses to start without it (set {name} or {name}_FILE)."
        )
    return _local_secret(name.lower(), nbytes)


DEBUG = env.get_bool("DEBUG", False)
if DEBUG and MODE != "development":
    raise ImproperlyConfigured("DEBUG is on. Only DANGJIAN_MODE=development may run with DEBUG.")

SECRET_KEY = _secret("SECRET_KEY")
if PRODUCTION and (len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured("SECRET_KEY is too short or a default value; give at least 50 random characters.")

# Keys for personal data: one encrypts ID and phone numbers at rest, the other keys the lookup
# hash. Both live outside the database and outside the repository.
FIELD_ENCRYPTION_KEY = _secret("DANGJIAN_FIELD_KEY", 32)
LOOKUP_HASH_KEY = _secret("DANGJIAN_HASH_KEY", 32)

ALLOWED_HOSTS = env.get_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.get_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Listed so that the API docs page uses the Swagger UI files it ships, not a CDN.
    "ninja",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "treebeard",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "dangjian.core",
    "dangjian.accounts",
    "dangjian.orgs",
    "dangjian.members",
    "dangjian.recruitment",
    "dangjian.requests",
    "dangjian.study",
    "dangjian.service",
    "dangjian.projects",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "dangjian.core.middleware.ApiErrorMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "dangjian.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "dangjian.core.middleware.RequestContextMiddleware",
    "dangjian.accounts.middleware.SessionPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    # Turns a passed rate limit (core.throttle) into RATELIMIT_VIEW's 429.
    "django_ratelimit.middleware.RatelimitMiddleware",
]

ROOT_URLCONF = "dangjian.config.urls"
WSGI_APPLICATION = "dangjian.config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dangjian.core.context_processors.navigation",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env.get_str("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'dangjian.sqlite3'}",
        conn_max_age=env.get_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the task worker and the web process work side by side; the busy timeout makes a
    # writer wait for the lock instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if env.get_str("REDIS_URL"):
    CACHES["default"] = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env.get_str("REDIS_URL")}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# collectstatic fills this in production; elsewhere WhiteNoise serves straight from the apps.
STATIC_ROOT = DATA_DIR / "static" if PRODUCTION else None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed files from collectstatic in production; straight from the apps elsewhere.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage" if PRODUCTION
                    else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = DATA_DIR / "media"

# --- Authentication, sessions and the password policy -------------------------------------------
from dangjian.accounts.policy import PROFILES

PASSWORD_POLICY = env.get_str("PASSWORD_POLICY", "djb3")
if PASSWORD_POLICY not in PROFILES:
    raise ImproperlyConfigured(f"PASSWORD_POLICY must be one of {sorted(PROFILES)}, not {PASSWORD_POLICY!r}")
POLICY = PROFILES[PASSWORD_POLICY]
AUTH_PASSWORD_VALIDATORS = POLICY.validators()

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = POLICY.lockout_failures
AXES_COOLOFF_TIME = timedelta(minutes=POLICY.lockout_minutes)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "dangjian.accounts.views.lockout_response"
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = env.get_int("PROXY_COUNT", 0)

# The idle timeout: the session's expiry is pushed forward while the person is active, so it runs
# out after the policy's minutes without activity. The absolute lifetime is checked by SessionPolicyMiddleware.
SESSION_COOKIE_AGE = POLICY.idle_minutes * 60
# Activity renews the session at most once a minute (SessionPolicyMiddleware), not on every
# request: a session write per request would cost a database commit on every page.
SESSION_RENEW_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ABSOLUTE_HOURS = POLICY.absolute_hours
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
OTP_TOTP_ISSUER = env.get_str("OTP_ISSUER", "dangjian")
# Roles whose holders must use a second factor; the profile gives the default, a deployment may widen it.
# The demo's printed accounts sign in at once; a deployment gets the profile's roles.
OTP_REQUIRED_ROLES = env.get_list("OTP_REQUIRED_ROLES", [] if MODE == "demo" else list(POLICY.otp_required_roles))
API_TOKEN_TTL_HOURS = env.get_int("API_TOKEN_TTL_HOURS", 12)

# --- Transport and browser security ---------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "dangjian.core.views.csrf_failure"
SECURE_SSL_REDIRECT = env.get_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = env.get_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = False
if AXES_IPWARE_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# axes.W006: accounts lock by username (等保 8.1.4.1 b). Locking by address as well would shut
# out a whole office behind one NAT address; per-address throttling belongs to the reverse proxy.
# security.W021: HSTS preloading is a commitment a deployment makes for its public domain, and
# intranet host names cannot be preloaded at all; it stays off.
SILENCED_SYSTEM_CHECKS = ["axes.W006", "security.W021"] + (
    [] if PRODUCTION or SECURE_HSTS_SECONDS else ["security.W004"]
)
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Rosters (ASVS 5.2): the upload's size, and an .xlsx's uncompressed size, checked before parsing.
# Larger rosters than INLINE_BYTES, and exports of more members than INLINE_ROWS, run as tasks.
DANGJIAN_IMPORT_MAX_BYTES = env.get_int("DANGJIAN_IMPORT_MAX_BYTES", 100 * 1024 * 1024)
DANGJIAN_IMPORT_MAX_UNCOMPRESSED_BYTES = env.get_int("DANGJIAN_IMPORT_MAX_UNCOMPRESSED_BYTES", 1024 * 1024 * 1024)
DANGJIAN_IMPORT_INLINE_BYTES = env.get_int("DANGJIAN_IMPORT_INLINE_BYTES", 512 * 1024)
DANGJIAN_EXPORT_INLINE_ROWS = env.get_int("DANGJIAN_EXPORT_INLINE_ROWS", 5000)
DANGJIAN_EXPORT_HOURS = env.get_int("DANGJIAN_EXPORT_HOURS", 24)

# --- Recruitment ---------------------------------------------------------------------------------
# The day the May 2026 revision of the 细则 took effect here: steps dated from it are judged by its
# rules (RULES.md 1.2). Set it to the date in the province's or city's notice.
DANGJIAN_RECRUITMENT_2026_RULES_FROM = env.get_date("DANGJIAN_RECRUITMENT_2026_RULES_FROM", "2026-05-01")
# A JSON file of local rule sets built on the national ones (docs/recruitment.md, "Local rules").
DANGJIAN_RECRUITMENT_LOCAL_RULES = env.get_str("DANGJIAN_RECRUITMENT_LOCAL_RULES", "")
# The documents of a step (scans, minutes): PDF, JPEG, PNG or .docx, each at most this size.
DANGJIAN_DOCUMENT_MAX_BYTES = env.get_int("DANGJIAN_DOCUMENT_MAX_BYTES", 20 * 1024 * 1024)

# --- Residents' requests --------------------------------------------------------------------------
# A request shows yellow when no more than this share of its time limit remains (in per cent).
DANGJIAN_REQUEST_YELLOW_PERCENT = env.get_int("DANGJIAN_REQUEST_YELLOW_PERCENT", 25)
if not 1 <= DANGJIAN_REQUEST_YELLOW_PERCENT <= 99:
    raise ImproperlyConfigured("DANGJIAN_REQUEST_YELLOW_PERCENT must be between 1 and 99.")
# Working days a resolved request waits for the resident's answer before the sweep closes it.
DANGJIAN_REQUEST_CONFIRM_DAYS = env.get_int("DANGJIAN_REQUEST_CONFIRM_DAYS", 5)
DANGJIAN_REQUEST_PHOTO_MAX_BYTES = env.get_int("DANGJIAN_REQUEST_PHOTO_MAX_BYTES", 5 * 1024 * 1024)
# Public pages and Open311, per client address (django-ratelimit rates: N/s, N/m, N/h).
DANGJIAN_PUBLIC_READ_RATE = env.get_str("DANGJIAN_PUBLIC_READ_RATE", "120/m")
DANGJIAN_PUBLIC_WRITE_RATE = env.get_str("DANGJIAN_PUBLIC_WRITE_RATE", "10/h")
RATELIMIT_VIEW = "dangjian.core.throttle.limited"

# --- Service teams and activities -----------------------------------------------------------------
# An activity's code checks people in from this many minutes before the start until its end; a
# check-in later than the start plus the second figure is marked late.
DANGJIAN_SERVICE_CHECK_IN_OPENS_MINUTES = env.get_int("DANGJIAN_SERVICE_CHECK_IN_OPENS_MINUTES", 30)
DANGJIAN_SERVICE_LATE_AFTER_MINUTES = env.get_int("DANGJIAN_SERVICE_LATE_AFTER_MINUTES", 15)

# --- Audit --------------------------------------------------------------------------------------
# 《网络安全法》第二十一条 asks for at least six months of logs; pruning refuses anything shorter.
AUDIT_RETENTION_DAYS = max(env.get_int("AUDIT_RETENTION_DAYS", 365), 180)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.get_str("LOG_LEVEL", "WARNING")},
    "loggers": {"axes": {"level": "WARNING"}},
}
