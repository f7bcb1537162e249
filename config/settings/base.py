"""Settings shared by every environment; each value that differs comes from the environment."""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("UNIONHUB_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "dev-insecure-unionhub-key-change-me")
# The key that signs bag codes (modules.bags.codes); empty means SECRET_KEY. A district that
# rotates SECRET_KEY keeps its printed labels valid by setting this once.
BAG_CODE_KEY = os.environ.get("BAG_CODE_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# Programmes: every module under modules/ is one Django app; core discovers their hooks.
PROGRAMME_APPS = [
    "modules.bags",
    "modules.knowledge",
    "modules.prizes",
    "modules.sortstats",
    "modules.stations",
    "modules.studios",
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "core",
    "engines.ledger",
    "engines.review",
    "engines.ranking",
    "engines.quiz",
    "engines.workflow",
    *PROGRAMME_APPS,
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # every /api/ answer is JSON {code, message, field}, those of the layers below included
    "core.middleware_api.ApiAnswersJsonMiddleware",
    "core.middleware.RejectNulBytesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.PrivateResponsesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.RequestLogMiddleware",
    # axes last: it needs the authenticated user and answers lockouts itself.
    "axes.middleware.AxesMiddleware",
]

# Requests a programme answers at the WSGI door, before Django's request handling
# (core.hot_path, docs/scaling.md); false sends every request the long way.
HOT_PATHS = env_bool("HOT_PATHS", True)

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "core.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.platform",
            ],
        },
    },
]

# SQLite (WAL, set in core.apps) when DATABASE_URL is unset: the one-command demo needs nothing else.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'unionhub.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if not IS_POSTGRES:
    # The embedded database lives in var/ (not in git): make sure the folder exists on a fresh clone.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",  # Django's, one client per server (see there)
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("REDIS_PREFIX", "uh"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions read from Redis (written through to the database, which stays the truth): every
# logged-in page saves a database query. Not with the per-process memory cache: a logout in one
# worker process would not reach the copies the others hold.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db" if REDIS_URL else "django.contrib.sessions.backends.db"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/lockout.html"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Files with personal data (job inputs and outputs): never under MEDIA_ROOT, never given a URL.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))
# What the demo's media route may serve (DEBUG only): pictures meant for everyone. Workers'
# photos (scans, problem reports) and label PDFs are not among them.
PUBLIC_MEDIA_PREFIXES = ("prizes/", "stations/photos/", "stations/inspections/", "knowledge/")
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

TASKS = {"default": {"BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

# Content-Security-Policy: no inline script anywhere, every asset from the platform itself.
_TILE_ORIGIN = os.environ.get("MAP_TILE_ORIGIN", "")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:", *([_TILE_ORIGIN] if _TILE_ORIGIN else [])],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# The map's tile server is configurable: a Beijing deployment points it at a domestic provider.
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "")

# SMS one-time codes: a pluggable backend (the console backend logs the code).
SMS_BACKEND = os.environ.get("SMS_BACKEND", "core.sms.ConsoleSmsBackend")
# The console/outbox backends (codes in the log) outside DEBUG: only for a declared demo.
SMS_DEV_BACKEND_ALLOWED = env_bool("UNIONHUB_DEMO", False)
OTP_TTL_SECONDS = 300
OTP_MAX_PER_PHONE_PER_HOUR = 5
OTP_MAX_PER_IP_PER_HOUR = 30
# Member searches by a whole phone number, per staff account (each one is logged as access).
MEMBER_PHONE_SEARCHES_PER_HOUR = 30
OTP_MAX_ATTEMPTS = 5

# Privacy: how long raw scan photos and spent one-time codes are kept.
RETENTION_DAYS_SCAN_PHOTOS = int(os.environ.get("RETENTION_DAYS_SCAN_PHOTOS", "180"))
RETENTION_DAYS_OTP = int(os.environ.get("RETENTION_DAYS_OTP", "7"))

# A CJK TrueType font for PDFs when the machine has one; reportlab's STSong-Light otherwise.
PDF_CJK_FONT_PATHS = env_list(
    "PDF_CJK_FONT_PATHS",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc,/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "core.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if env_bool("LOG_JSON", False) else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

UNIONHUB_DISTRICT_NAME = os.environ.get("UNIONHUB_DISTRICT_NAME", "西城区总工会")
