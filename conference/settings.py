"""Settings, all from the environment (see .env.example for every variable).

With no environment at all this is the embedded default that `make run` uses: DEBUG on, SQLite
under var/, the filesystem:// Celery broker under var/celery/. DEBUG=False is production and
then needs SECRET_KEY and ALLOWED_HOSTS; DATABASE_URL and CELERY_BROKER_URL stay optional.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from conference.env import env_bool, env_clock, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR") or BASE_DIR / "var")

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-debug"  # noqa: S105 - debug only
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "csp",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "core",
    "bookings",
    "offices",
    "staffing",
    "inspections",
    "quality",
    "feedback",
    "reports",
    "feeds",
    "conference",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Above the session: a database outage (session and user included) answers a clear 503.
    "core.unavailable.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.UserLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a flagged login into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # Production serves collected static files itself; in debug, runserver serves them.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "conference.urls"
WSGI_APPLICATION = "conference.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "conference.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
# IMMEDIATE takes the write lock at BEGIN, so concurrent bookings queue and get a clean
# conflict instead of "database is locked" half-way (measured: design.md).
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
if DATABASE_URL:
    # Health checks: a kept connection that died with a database restart is replaced before
    # the request uses it, so the first request after the restart already succeeds.
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"]["OPTIONS"] = dict(SQLITE_OPTIONS)
        DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # A fresh clone has no var/ yet; SQLite creates the file but not the folder.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "OPTIONS": dict(SQLITE_OPTIONS),
            # A file, not memory: concurrency tests and a real worker need to share it.
            "TEST": {"NAME": str(VAR_DIR / "test-db.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Axes first: it refuses a locked-out username + IP before any backend checks the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or VAR_DIR / "media")
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security -------------------------------------------------------------------------------
# No inline script or style anywhere: every page is built under this policy from the start.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE = not DEBUG and env_bool("SECURE_COOKIES", True)
SECURE_SSL_REDIRECT = not DEBUG and env_bool("SECURE_SSL_REDIRECT", True)
# The load balancer polls the health check on the nodes directly, over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SECURE_HSTS_SECONDS = 0 if DEBUG else env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
# Only the desk's own host name and its subdomains; the preload flag asks browsers' HSTS lists to
# include it (turn both off if a subdomain must still be reachable over plain HTTP).
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG and env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = not DEBUG and env_bool("SECURE_HSTS_PRELOAD", True)
# The header the reverse proxy sets on HTTPS requests, "Header-Name=value". The proxy must set or
# strip it on every request (a client could otherwise claim HTTPS); empty when gunicorn faces
# clients directly.
_proxy_header, _, _proxy_value = env_str(
    "SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto=https"
).partition("=")
if _proxy_header and not _proxy_value.strip():
    raise ImproperlyConfigured(
        f"SECURE_PROXY_SSL_HEADER must look like X-Forwarded-Proto=https, got {_proxy_header!r}"
    )
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _proxy_header.strip().upper().replace("-", "_"), _proxy_value.strip())
    if _proxy_header
    else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Brute-force lockout (django-axes, database handler): AXES_FAILURE_LIMIT failed log-ins for one
# username from one IP address lock that pair out of the login page and the API token endpoint
# for AXES_COOLOFF_MINUTES; a successful log-in resets the count. Axes' default cool-off is
# "forever" (design.md). The answer and the audit row: core/lockout.py.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Attempts refused during a lockout do not restart its clock: 15 minutes from the fifth failure.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "core.lockout.lockout_response"
# The client's address: behind TRUSTED_PROXY_COUNT reverse proxies (nginx: 1) it is read from
# X-Forwarded-For, counting from the right (core/client_ip.py); with the default 0 the header is
# ignored, so a server facing clients directly cannot be told another address. The API's rate
# limits use the same count (REST_FRAMEWORK["NUM_PROXIES"]).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"

# --- Forms ----------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- E-mail (sent only by the outbox sweeper) -----------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "conference-desk@localhost")

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or "filesystem://"
if CELERY_BROKER_URL.startswith("filesystem://"):
    _celery_dir = VAR_DIR / "celery"
    # One folder for in and out: the transport reads the messages it wrote there.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "data"),
        "data_folder_out": str(_celery_dir / "data"),
        "processed_folder": str(_celery_dir / "processed"),
        # Broadcast (control) messages; the transport's default is a folder in the cwd.
        "control_folder": str(_celery_dir / "control"),
        "store_processed": False,
    }
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Sweepers, not countdown tasks: the truth is in the database (design.md, "The scheduler").
OUTBOX_SWEEP_SECONDS = env_int("OUTBOX_SWEEP_SECONDS", 30, minimum=1)
# The check sweepers (inspections/sweepers.py): how often they run, and how long after its due
# time an unfinished check is escalated to the lobby manager and the supervisor.
CHECK_SWEEP_SECONDS = env_float("CHECK_SWEEP_SECONDS", 30.0, minimum=0.1)
CHECK_ESCALATE_MINUTES = env_int("CHECK_ESCALATE_MINUTES", 10, minimum=1)
# A complaint from hosting-unit feedback is due a reply this many working days after it opens.
FEEDBACK_REPLY_WORKING_DAYS = env_int("FEEDBACK_REPLY_WORKING_DAYS", 2, minimum=1)
# --- Documents (reports/) ---------------------------------------------------------------------
# The daily service notice: at 16:30 for the next day and at 07:00 for the same day; the weekly
# briefing on Monday at 08:00 for the week before. The sweeper looks every DOCUMENTS_SWEEP_SECONDS.
DOCUMENT_NOTICE_NEXT_DAY_AT = env_clock("DOCUMENT_NOTICE_NEXT_DAY_AT", "16:30")
DOCUMENT_NOTICE_SAME_DAY_AT = env_clock("DOCUMENT_NOTICE_SAME_DAY_AT", "07:00")
DOCUMENT_BRIEFING_AT = env_clock("DOCUMENT_BRIEFING_AT", "08:00")
DOCUMENTS_SWEEP_SECONDS = env_float("DOCUMENTS_SWEEP_SECONDS", 30.0, minimum=1.0)
# Font names written into the Word files (GB/T 9704: body 仿宋, title 小标宋). The reader's
# word processor substitutes its closest face when one is missing.
DOCUMENT_FONTS = {
    "body": env_str("DOCUMENT_FONT_BODY", "仿宋_GB2312"),
    "title": env_str("DOCUMENT_FONT_TITLE", "方正小标宋简体"),
    "heading": env_str("DOCUMENT_FONT_HEADING", "黑体"),
    "page_number": env_str("DOCUMENT_FONT_PAGE_NUMBER", "宋体"),
    "latin": env_str("DOCUMENT_FONT_LATIN", "Times New Roman"),
}

CELERY_BEAT_SCHEDULE = {
    "send-outbox": {"task": "core.tasks.send_outbox", "schedule": float(OUTBOX_SWEEP_SECONDS)},
    "notify-due-checks": {
        "task": "inspections.tasks.notify_due_checks",
        "schedule": CHECK_SWEEP_SECONDS,
    },
    "escalate-late-checks": {
        "task": "inspections.tasks.escalate_late_checks",
        "schedule": CHECK_SWEEP_SECONDS,
    },
    # Feedback links for meetings that ended (feedback/sweepers.py); minutes late is fine.
    "invite-finished-meetings": {
        "task": "feedback.tasks.invite_finished_meetings",
        "schedule": 300.0,
    },
    # Office service: missed rounds escalate like late checks; the week ahead is laid out and
    # dispatched every hour (a round already filled is left alone).
    "escalate-missed-rounds": {
        "task": "inspections.tasks.escalate_missed_rounds",
        "schedule": CHECK_SWEEP_SECONDS,
    },
    "plan-office-rounds": {"task": "staffing.tasks.plan_office_rounds", "schedule": 3600.0},
    # Documents: the schedule's slots and every waiting generation (nothing waits on the broker).
    "run-documents": {"task": "reports.tasks.run_documents", "schedule": DOCUMENTS_SWEEP_SECONDS},
    # Quality inspections: remind once of each corrective action past its due date.
    "notify-overdue-actions": {
        "task": "quality.tasks.notify_overdue_actions",
        "schedule": 300.0,
    },
}

# A service group leader may lead this many concurrent meetings in one building.
LEAD_MAX_CONCURRENT = env_int("LEAD_MAX_CONCURRENT", 3, minimum=1)
# Seconds the dispatcher may spend improving a day's plan after its first pass.
DISPATCH_SECONDS = env_float("DISPATCH_SECONDS", 2.0, minimum=0.0)
# The largest roster file (.xlsx) the supervisor may import, in bytes (staffing/roster.py).
ROSTER_IMPORT_MAX_BYTES = env_int("ROSTER_IMPORT_MAX_BYTES", 2 * 1024 * 1024, minimum=1024)
# A request declaring a body far beyond any upload we accept is refused before anything is
# stored (core/uploads.py); the forms' own limits then give the precise message.
FILE_UPLOAD_HANDLERS = [
    "core.uploads.RequestCeilingHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- Demo -----------------------------------------------------------------------------------
DEMO_PASSWORD = env_str("DEMO_PASSWORD")

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: an unauthenticated request then gets 401 with WWW-Authenticate, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DATETIME_FORMAT": "iso-8601",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Who the client is behind the proxies: the same rule as the lockout (core/client_ip.py).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    # Scoped throttles (issue 9): the token endpoint and the calendar feed links; 429 with
    # Retry-After. Counted in the default cache (per process unless CACHE_URL names Redis).
    "DEFAULT_THROTTLE_RATES": {
        "token": env_str("THROTTLE_TOKEN", "10/min"),
        "feed": env_str("THROTTLE_FEED", "60/min"),
    },
}

# The OpenAPI schema (/api/schema/) and its browsable docs (/api/docs/, assets served from the
# drf-spectacular-sidecar package: no CDN, no inline script).
SPECTACULAR_SETTINGS = {
    "TITLE": "会务服务台 API · Conference service desk API",
    "VERSION": "1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # No badge fetched from validator.swagger.io (img-src 'self'); links to each operation.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # One name per choice set, whatever the field is called (status, kind, level, rank ...).
    "ENUM_NAME_OVERRIDES": {
        "MeetingStatusEnum": "bookings.models.MeetingStatus",
        "ConfidentialityEnum": "bookings.models.Confidentiality",
        "LayoutEnum": "bookings.models.Layout",
        "LeaderRankEnum": "bookings.models.LeaderRank",
        "RoomKindEnum": "bookings.models.Room.Kind",
        "ServiceLevelEnum": "bookings.models.ServiceLevel",
        "PositionEnum": "staffing.models.Position",
        "DutyRoleEnum": "staffing.models.DutyRole",
        "DutyStatusEnum": "staffing.models.DutyStatus",
        "CheckStatusEnum": "inspections.models.CheckStatus",
        "CheckResultEnum": "inspections.models.CheckResult",
        "IncidentCategoryEnum": "inspections.models.IncidentCategory",
        "SeverityEnum": "inspections.models.Severity",
        "DocumentKindEnum": "reports.models.Kind",
        "DocumentStatusEnum": "reports.models.Status",
        "FeedKindEnum": "feeds.models.FeedKind",
    },
}

# The cache: rate limits count here. CACHE_URL=redis://... shares the counts between processes.
CACHE_URL = env_str("CACHE_URL")
if CACHE_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
