"""Settings shared by every environment; each value that differs comes from the environment."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from core.maps import tile_origins as _tile_origins

# openpyxl writes its XML with lxml whenever lxml is importable (it decides once, when openpyxl.xml is
# first imported). Production installs no lxml; the test tools bring it (python-docx). Every process
# stays on openpyxl's standard-library writer whatever is installed, so tests export workbooks the way
# production does. Settings load before any module that imports openpyxl.
os.environ.setdefault("OPENPYXL_LXML", "False")

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
    "modules.care",
    "modules.knowledge",
    "modules.prizes",
    "modules.sortstats",
    "modules.stations",
    "modules.studios",
    "modules.honours",
    "modules.learning",
    "modules.fund",
    "modules.labour",
    "modules.annual",
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
    "engines.survey",
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
# The hot paths' prepared statements (core/db.py) keep one generic plan per connection. Left to
# itself PostgreSQL re-plans a statement that touches a partitioned table on every execution (the
# generic plan's estimate counts every month, the custom plan's only those pruned at planning),
# and planning over 18 months was two thirds of a scan (docs/scaling.md, "Generic plans"). Only
# server-prepared statements are affected: Django's own queries are never prepared.
PG_PLAN_CACHE_MODE = os.environ.get("PG_PLAN_CACHE_MODE", "force_generic_plan")
if IS_POSTGRES and PG_PLAN_CACHE_MODE:
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = f"-c plan_cache_mode={PG_PLAN_CACHE_MODE}"
if not IS_POSTGRES:
    # The embedded database lives in var/ (not in git): make sure the folder exists on a fresh clone.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# A connection pooler in front of PostgreSQL (docs/scaling.md): DATABASE_POOLING = "transaction"
# for PgBouncer's transaction pooling without prepared-statement support (Debian 12's 1.18): no
# named server-side prepared statements (core/db.py) and no server-side cursors, since the next
# statement may run on another server connection; "transaction-prepared" for PgBouncer >= 1.21
# with max_prepared_statements set, which keeps the hot paths' prepared statements.
DATABASE_POOLING = os.environ.get("DATABASE_POOLING", "")
if DATABASE_POOLING not in ("", "session", "transaction", "transaction-prepared"):
    raise ImproperlyConfigured(f"DATABASE_POOLING={DATABASE_POOLING!r}: '', session, transaction or transaction-prepared")
if IS_POSTGRES and DATABASE_POOLING.startswith("transaction"):
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True

# A streaming replica (hot standby) for reads that may lag: core/replica.py routes the
# lag-tolerant pages there and falls back to the primary when it does not answer.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if IS_POSTGRES and DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"], conn_health_checks=True
    )
    DATABASES["replica"]["OPTIONS"] = {
        "connect_timeout": int(os.environ.get("REPLICA_CONNECT_TIMEOUT", "2")),
        **({"options": f"-c plan_cache_mode={PG_PLAN_CACHE_MODE}"} if PG_PLAN_CACHE_MODE else {}),
    }
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    if DATABASE_POOLING.startswith("transaction"):
        DATABASES["replica"]["DISABLE_SERVER_SIDE_CURSORS"] = True
DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]
REPLICA_RETRY_SECONDS = int(os.environ.get("REPLICA_RETRY_SECONDS", "30"))

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

# The map's base layer (core/maps.py): MAP_PROVIDER "" (none), "xyz" (MAP_TILE_URL, OSM-style),
# "tianditu" (TIANDITU_KEY) or "amap" (GCJ-02 tiles: markers are moved into GCJ-02 for display).
# MAP_TILE_URL alone means "xyz"; with a provider it replaces the provider's address (a mirror).
MAP_PROVIDER = os.environ.get("MAP_PROVIDER", "")
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "")
TIANDITU_KEY = os.environ.get("TIANDITU_KEY", "")

# Content-Security-Policy: no inline script anywhere, every asset from the platform itself.
_TILE_ORIGINS = _tile_origins(MAP_PROVIDER, MAP_TILE_URL, os.environ.get("MAP_TILE_ORIGIN", ""))
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:", *_TILE_ORIGINS],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}


# Optional WeChat web login (official account web authorisation, core/wechat.py): on only when the
# official account's AppID and AppSecret are set; the demo leaves them unset.
WECHAT_APP_ID = os.environ.get("WECHAT_APP_ID", "")
WECHAT_APP_SECRET = os.environ.get("WECHAT_APP_SECRET", "")
WECHAT_OAUTH_SCOPE = os.environ.get("WECHAT_OAUTH_SCOPE", "snsapi_base")
WECHAT_AUTHORIZE_URL = os.environ.get("WECHAT_AUTHORIZE_URL", "https://open.weixin.qq.com/connect/oauth2/authorize")
WECHAT_API_BASE = os.environ.get("WECHAT_API_BASE", "https://api.weixin.qq.com")
WECHAT_REDIRECT_BASE = os.environ.get("WECHAT_REDIRECT_BASE", "")  # e.g. https://gh.example.cn (the authorised domain)
WECHAT_TIMEOUT_SECONDS = float(os.environ.get("WECHAT_TIMEOUT_SECONDS", "5"))

# SMS one-time codes: a pluggable backend (the console backend logs the code).
# "console" (the demo: codes in the log), "aliyun" (Alibaba Cloud SMS), "tencent" (Tencent Cloud SMS)
# or the dotted path of a class with core.sms.SmsBackend's send method.
SMS_BACKENDS = {
    "console": "core.sms.ConsoleSmsBackend",
    "aliyun": "core.sms_gateways.AliyunSmsBackend",
    "tencent": "core.sms_gateways.TencentSmsBackend",
}
SMS_BACKEND = SMS_BACKENDS.get(os.environ.get("SMS_BACKEND", "console"), os.environ.get("SMS_BACKEND", "console"))
# A gateway sends an approved template: the sign name, the template id (Aliyun TemplateCode /
# Tencent TemplateId) and the template's variables in order, "name" or "name=ours" (ours: code, minutes).
SMS_SIGN_NAME = os.environ.get("SMS_SIGN_NAME", "")
SMS_TEMPLATE_ID = os.environ.get("SMS_TEMPLATE_ID", "")
SMS_TEMPLATE_PARAMS = os.environ.get("SMS_TEMPLATE_PARAMS", "code")
# Aliyun AccessKey ID/Secret or Tencent SecretId/SecretKey (never logged); Tencent also needs the
# SMS application's SdkAppId and a region.
SMS_ACCESS_KEY_ID = os.environ.get("SMS_ACCESS_KEY_ID", "")
SMS_ACCESS_KEY_SECRET = os.environ.get("SMS_ACCESS_KEY_SECRET", "")
SMS_SDK_APP_ID = os.environ.get("SMS_SDK_APP_ID", "")
SMS_REGION = os.environ.get("SMS_REGION", "ap-guangzhou")
SMS_ENDPOINT = os.environ.get("SMS_ENDPOINT", "")  # empty: the provider's public endpoint
SMS_TIMEOUT_SECONDS = float(os.environ.get("SMS_TIMEOUT_SECONDS", "5"))
# The console/outbox backends (codes in the log) outside DEBUG: only for a declared demo.
SMS_DEV_BACKEND_ALLOWED = env_bool("UNIONHUB_DEMO", False)
OTP_TTL_SECONDS = 300
OTP_MAX_PER_PHONE_PER_HOUR = int(os.environ.get("OTP_MAX_PER_PHONE_PER_HOUR", "5"))
OTP_MAX_PER_IP_PER_HOUR = int(os.environ.get("OTP_MAX_PER_IP_PER_HOUR", "30"))
# Member searches by a whole phone number, per staff account (each one is logged as access).
MEMBER_PHONE_SEARCHES_PER_HOUR = 30
OTP_MAX_ATTEMPTS = 5

# Privacy: how long raw scan photos and spent one-time codes are kept.
RETENTION_DAYS_SCAN_PHOTOS = int(os.environ.get("RETENTION_DAYS_SCAN_PHOTOS", "180"))
RETENTION_DAYS_OTP = int(os.environ.get("RETENTION_DAYS_OTP", "7"))
# The audit log and the personal-data access log, in months (0 keeps everything). Three years by
# default: PIPL art. 56 keeps records of processing at least three years, the Cybersecurity Law
# (art. 21) network logs at least six months. On PostgreSQL they are dropped a month partition at a
# time (core/partitions.py), so a row is kept at least this long and at most a month longer.
RETENTION_MONTHS_AUDIT_LOG = int(os.environ.get("RETENTION_MONTHS_AUDIT_LOG", "36"))
RETENTION_MONTHS_PERSONAL_DATA_ACCESS = int(os.environ.get("RETENTION_MONTHS_PERSONAL_DATA_ACCESS", "36"))
# Monthly partitions made ahead of the current month (PostgreSQL; core/partitions.py).
PARTITION_MONTHS_AHEAD = int(os.environ.get("PARTITION_MONTHS_AHEAD", "3"))
# The idempotency window of the scans' client ids and the ledger's keys, in days (0 keeps them):
# their claims (bags_collection_claim, ledger_entry_claim: what keeps them unique across the month
# partitions) are deleted after it by the hourly upkeep. A retry after it is still answered as a
# replay (the row itself is found); only two first uploads of one key racing need the claim, and
# a handheld retries within days. Collections and ledger entries themselves are never dropped.
IDEMPOTENCY_CLAIM_DAYS = int(os.environ.get("IDEMPOTENCY_CLAIM_DAYS", "90"))

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
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # The SMS SDKs and their HTTP client write whole requests (a login code among them) at DEBUG.
        "tencentcloud_sdk_common": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
        "alibabacloud_credentials": {"level": "WARNING"},
    },
}

UNIONHUB_DISTRICT_NAME = os.environ.get("UNIONHUB_DISTRICT_NAME", "西城区总工会")
