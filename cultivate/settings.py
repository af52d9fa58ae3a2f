"""Cultivate settings: everything comes from the environment, with defaults that work on a fresh
laptop (SQLite under data/, local media/ storage, Redis on localhost, the bundled Whisper model).
This is the only module that reads ``os.environ``. Unset or empty means the default; a value that
does not parse, or is out of range, stops start-up with ImproperlyConfigured naming the variable."""

from __future__ import annotations

import json
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def _env(name: str, default: str = "", choices: tuple[str, ...] = ()) -> str:
    value = os.environ.get(name, default)
    if choices and value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated list, without blank items or the spaces around items."""
    return [item.strip() for item in _env(name, default).split(",") if item.strip()]


def _env_bool(name: str, default: bool) -> bool:
    raw = _env(name)
    if raw.lower() not in ("", "1", "true", "yes", "on", "0", "false", "no", "off"):
        raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")
    return raw.lower() in ("1", "true", "yes", "on") if raw else default


def _env_number(name: str, default: int | float, kind: type = int, minimum: int = 0):
    """An int (or a float with ``kind=float``) of at least ``minimum``."""
    raw = _env(name)
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a {kind.__name__}, not {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}")
    return value


def _proxy_ssl_header() -> tuple[str, str] | None:
    """The ``request.META`` header and the value by which the proxy in front says the client spoke HTTPS."""
    raw = _env("SECURE_PROXY_SSL_HEADER")
    header, _, value = (part.strip() for part in raw.partition(","))
    if raw and (not header.startswith("HTTP_") or not value):
        raise ImproperlyConfigured(f"SECURE_PROXY_SSL_HEADER must look like HTTP_X_FORWARDED_PROTO,https, not {raw!r}")
    return (header, value) if raw else None


DATA_DIR = Path(_env("DATA_DIR", str(BASE_DIR / "data")))
DATA_DIR.mkdir(parents=True, exist_ok=True)
_secret_key_file = DATA_DIR / "secret_key"
if not _env("SECRET_KEY") and not _secret_key_file.exists():
    _secret_key_file.write_text(secrets.token_urlsafe(50))
    _secret_key_file.chmod(0o600)
SECRET_KEY = _env("SECRET_KEY") or _secret_key_file.read_text().strip()
DEBUG = _env_bool("DEBUG", False)
ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS")
# Behind a proxy that appends the client's address to X-Forwarded-For (the audit log's "from").
USE_X_FORWARDED_FOR = _env_bool("USE_X_FORWARDED_FOR", False)
# /metrics wants "Authorization: Bearer <METRICS_TOKEN>"; without one it is refused (403) unless DEBUG.
METRICS_TOKEN = _env("METRICS_TOKEN")

# HTTPS. Off by default so `make run` works on http://localhost; production turns them on
# (deploy/production.env; `manage.py check --deploy --fail-level WARNING` is then clean).
SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = [r"^health$", r"^ready$", r"^metrics$"]  # probes and scrapers inside the network
SECURE_HSTS_SECONDS = _env_number("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = _env_bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = _env_bool("CSRF_COOKIE_SECURE", False)
SECURE_PROXY_SSL_HEADER = _proxy_ssl_header()

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "axes",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "django_rq",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "cultivate.accounts",
    "jobs",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cultivate.accounts.middleware.TenantMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "cultivate.security.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out sign-in into the lockout page
]
ROOT_URLCONF = "cultivate.urls"
ASGI_APPLICATION = "cultivate.asgi.application"
WSGI_APPLICATION = "cultivate.wsgi.application"

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
            ],
        },
    },
]

# Database: SQLite under data/ unless DATABASE_URL names another (postgres://...).
_database_url = _env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'cultivate.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=_env_number("DATABASE_CONN_MAX_AGE", 0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20  # web and worker share it: wait for the lock
    # A test database on disk, so a worker process in an end-to-end test can share it.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in throttle (django-axes): after SIGNIN_FAILURE_LIMIT wrong passwords from one address (the
# audit log's) or for one username, sign-in is refused (429, accounts/locked_out.html) until
# SIGNIN_LOCKOUT_S pass without another try. Counted in axes' AccessAttempt; `manage.py axes_reset`
# lifts every lockout. Tests sign in with client.login(request=HttpRequest(), ...): axes wants it.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
SIGNIN_FAILURE_LIMIT = _env_number("SIGNIN_FAILURE_LIMIT", 10, minimum=1)
SIGNIN_LOCKOUT_S = _env_number("SIGNIN_LOCKOUT_S", 15 * 60, minimum=1)
AXES_FAILURE_LIMIT = SIGNIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(seconds=SIGNIN_LOCKOUT_S)
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]  # each counted on its own
AXES_CLIENT_IP_CALLABLE = "cultivate.accounts.audit.client_ip"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_RESET_ON_SUCCESS = False  # signing in to one's own account must not wipe an address's failures
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are not kept (the audit log records actions)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = _env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# Static files are served by WhiteNoise (no separate web server); finders spare a fresh checkout collectstatic.
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(_env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # empty until collectstatic; WhiteNoise wants it
WHITENOISE_USE_FINDERS = True

# Uploaded media and results: local disk by default, or any django-storages backend by name, e.g.
# storages.backends.s3.S3Storage with STORAGE_OPTIONS='{"bucket_name": "..."}' or ...azure_storage.AzureStorage
# with '{"connection_string": "...", "azure_container": "..."}' (boto3 and azure-storage-blob are installed).
MEDIA_ROOT = Path(_env("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "media/"
try:
    _storage_options = json.loads(_env("STORAGE_OPTIONS", "{}"))
except json.JSONDecodeError as exc:
    raise ImproperlyConfigured(f"STORAGE_OPTIONS must be a JSON object: {exc}") from None
_storage_backend = _env("STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage")
if _storage_backend == "storages.backends.azure_storage.AzureStorage":
    _storage_backend = "cultivate.storage.AzureStorage"  # the same backend, listing folders as Django does
STORAGES = {
    "default": {"BACKEND": _storage_backend, "OPTIONS": _storage_options},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# An S3 object is buffered in memory up to this, then in a temporary file (django-storages' 0 would hold it all).
AWS_S3_MAX_MEMORY_SIZE = 8 * 1024 * 1024
# Uploads always go to a temporary file, to be hashed and probed without a large video in memory.
FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.TemporaryFileUploadHandler"]
FILE_UPLOAD_TEMP_DIR = _env("FILE_UPLOAD_TEMP_DIR") or None
MAX_UPLOAD_BYTES = _env_number("MAX_UPLOAD_BYTES", 8 * 1024**3)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Chunked, resumable uploads: the size of each chunk the browser sends. Chunks wait in storage, one
# object each, until the upload is finished (jobs/media/chunked.py): any web process may take the next.
UPLOAD_CHUNK_BYTES = _env_number("UPLOAD_CHUNK_BYTES", 8 * 1024 * 1024, minimum=64 * 1024)
UPLOAD_ABANDONED_AFTER_S = _env_number("UPLOAD_ABANDONED_AFTER_S", 2 * 24 * 3600)  # the reconciler sweeps them

REDIS_URL = _env("REDIS_URL", "redis://127.0.0.1:6379/0")  # the job queues and the live-progress channel layer
# Analysis and conversion jobs go to high, default or low; webhook deliveries have a queue
# (and a worker) of their own, so a slow receiver never holds up a job, nor a job a delivery.
JOB_QUEUES = ("high", "default", "low")
WEBHOOK_QUEUE = "webhooks"
RQ_QUEUES = {name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600} for name in (*JOB_QUEUES, WEBHOOK_QUEUE)}
RQ_WORKER_CLASS = _env("RQ_WORKER_CLASS", "rq.worker.SimpleWorker")
# Job engine: attempts, backoff, timeouts scaled to the recording, and how long a running job may go
# without its worker's heartbeat before the reconciler calls the worker lost.
JOB_MAX_ATTEMPTS = _env_number("JOB_MAX_ATTEMPTS", 3)
JOB_RETRY_BACKOFF_S = _env_number("JOB_RETRY_BACKOFF_S", 30)
JOB_TIMEOUT_BASE_S = _env_number("JOB_TIMEOUT_BASE_S", 600)
JOB_TIMEOUT_PER_MEDIA_S = _env_number("JOB_TIMEOUT_PER_MEDIA_S", 4)
JOB_TIMEOUT_MAX_S = _env_number("JOB_TIMEOUT_MAX_S", 12 * 3600)
JOB_HEARTBEAT_S = _env_number("JOB_HEARTBEAT_S", 2)
JOB_LOST_AFTER_S = _env_number("JOB_LOST_AFTER_S", 60)
RECONCILE_EVERY_S = _env_number("RECONCILE_EVERY_S", 30)
# Fair share (jobs/dispatch.py): a job waits in the database until its tenant has fewer than
# TENANT_MAX_WAITING_JOBS on the RQ queues, so a tenant with a hundred jobs keeps at most that many
# ahead of another's one. TENANT_MAX_RUNNING_JOBS caps one tenant's running jobs (0: no cap).
TENANT_MAX_WAITING_JOBS = _env_number("TENANT_MAX_WAITING_JOBS", 2, minimum=1)
TENANT_MAX_RUNNING_JOBS = _env_number("TENANT_MAX_RUNNING_JOBS", 0)

# Costs: rates per unit in COST_CURRENCY (jobs/billing/costs.py), and what an estimate assumes.
COST_CURRENCY = _env("COST_CURRENCY", "USD")
COST_CPU_SECOND = _env_number("COST_CPU_SECOND", 0.000014, float)  # about 0.05 an hour per core
COST_GPU_SECOND = _env_number("COST_GPU_SECOND", 0.0008, float)  # about 2.90 an hour
COST_GB_MONTH = _env_number("COST_GB_MONTH", 0.023, float)  # object storage
COST_ESTIMATE_CPU_S_PER_MEDIA_S = _env_number("COST_ESTIMATE_CPU_S_PER_MEDIA_S", 0.4, float)
COST_ESTIMATE_GPU_S_PER_MEDIA_S = _env_number("COST_ESTIMATE_GPU_S_PER_MEDIA_S", 0.0, float)
try:
    BUDGET_ALERT_PERCENTS = sorted({int(p) for p in _env_list("BUDGET_ALERT_PERCENTS", "80,100")})
except ValueError:
    raise ImproperlyConfigured("BUDGET_ALERT_PERCENTS must be whole percents, e.g. 80,100") from None

# Webhooks: attempts per delivery (doubling backoff); how long an endpoint may fail before it is
# switched off and its admins told. WEBHOOK_TIMEOUT_S bounds the whole exchange, not each read.
WEBHOOK_TIMEOUT_S = _env_number("WEBHOOK_TIMEOUT_S", 10, float)
WEBHOOK_MAX_ATTEMPTS = _env_number("WEBHOOK_MAX_ATTEMPTS", 8)
WEBHOOK_BACKOFF_S = _env_number("WEBHOOK_BACKOFF_S", 30)
WEBHOOK_DISABLE_AFTER_S = _env_number("WEBHOOK_DISABLE_AFTER_S", 86400)
WEBHOOK_PROGRESS_EVERY_S = _env_number("WEBHOOK_PROGRESS_EVERY_S", 30)
# Receivers on loopback or private networks are refused unless this is on (a laptop, tests).
WEBHOOK_ALLOW_PRIVATE = _env_bool("WEBHOOK_ALLOW_PRIVATE", False)
# So one tenant's webhooks do not crowd out others': endpoints per tenant, redeliveries per endpoint a minute.
WEBHOOK_MAX_ENDPOINTS = _env_number("WEBHOOK_MAX_ENDPOINTS", 10)
WEBHOOK_REDELIVERIES_PER_MINUTE = _env_number("WEBHOOK_REDELIVERIES_PER_MINUTE", 5)

# Mail: printed to the console, with one-time links (invitations, shares, resets) redacted, unless a backend is named.
EMAIL_BACKEND = _env("EMAIL_BACKEND", "cultivate.mail.ConsoleBackend")
EMAIL_HOST = _env("EMAIL_HOST", "localhost")
EMAIL_PORT = _env_number("EMAIL_PORT", 25)
EMAIL_HOST_USER = _env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = _env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = _env("DEFAULT_FROM_EMAIL", "Cultivate <noreply@localhost>")

# REST API v1 (cultivate/api/, and jobs/apis.py with the apis modules of jobs' feature packages).
API_KEY_REQUESTS_PER_MINUTE = _env_number("API_KEY_REQUESTS_PER_MINUTE", 600)  # a key's own default
API_TENANT_REQUESTS_PER_MINUTE = _env_number("API_TENANT_REQUESTS_PER_MINUTE", 1200)  # all of a tenant's keys
# Dashboard posts that do costly work, per signed-in user a minute (0: no limit).
QUESTION_CHECKS_PER_MINUTE = _env_number("QUESTION_CHECKS_PER_MINUTE", 30)  # the question checker
UPLOAD_SESSIONS_PER_MINUTE = _env_number("UPLOAD_SESSIONS_PER_MINUTE", 30)  # chunked uploads opened
API_LINK_TTL_S = _env_number("API_LINK_TTL_S", 900)  # download links of clips and results
SHARE_LINK_TTL_S = _env_number("SHARE_LINK_TTL_S", 7 * 24 * 3600)  # a clip a coach shares from the job page
INVITATION_TTL_S = _env_number("INVITATION_TTL_S", 7 * 24 * 3600)  # one-time links to join a tenant
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "cultivate.api.authentication.BearerKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["cultivate.api.permissions.IsMember", "cultivate.api.permissions.TenantActive"],
    "DEFAULT_THROTTLE_CLASSES": ["cultivate.api.throttling.KeyThrottle", "cultivate.api.throttling.TenantThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "cultivate.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Cultivate API",
    "DESCRIPTION": (
        "Submit classroom and coaching recordings, follow their jobs, read results (transcript, "
        "speakers, OEQ/CEQ questions, wait time, highlights) and download clips. Authenticate with "
        "`Authorization: Bearer <API key>`. Every error has the shape "
        '`{"error": {"code", "message", "details"}}`; codes are listed in docs/api.md.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Fields named "kind" hold different choices (a job's kind, an artifact's kind, a correction's).
    "ENUM_NAME_OVERRIDES": {
        "JobKindEnum": "jobs.models.Job.Kind",
        "ArtifactKindEnum": ["result", "clip", "thumbnail", "captions", "output"],
        "CorrectionKindEnum": "jobs.models.Correction.Kind",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "cultivate.api.schema.add_error_responses",
        "cultivate.api.schema.add_links",
    ],
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": _env("CACHE_PREFIX", "cultivate"),
    }
}
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": _env("CHANNELS_PREFIX", "cultivate")},
    }
}

# The analysis pipeline (turned into analysis option dataclasses by jobs/options.py).
WHISPER_MODEL = _env("WHISPER_MODEL", "")  # "" = bundled tiny.en; or a CTranslate2 model folder
WHISPER_DEVICE = _env("WHISPER_DEVICE", "auto", choices=("auto", "cpu", "cuda"))
WHISPER_COMPUTE_TYPE = _env("WHISPER_COMPUTE_TYPE", "default")
WHISPER_BEAM_SIZE = _env_number("WHISPER_BEAM_SIZE", 5)
WHISPER_LANGUAGE = _env("WHISPER_LANGUAGE", "en") or None
ANALYSIS_CPU_THREADS = _env_number("ANALYSIS_CPU_THREADS", 0)  # 0 = all cores
TORCH_DEVICE = _env("TORCH_DEVICE", "auto", choices=("auto", "cpu", "cuda"))  # speaker encoder
MAX_SPEAKERS = _env_number("MAX_SPEAKERS", 6)
DIARIZATION_SPEAKERS = _env("DIARIZATION_SPEAKERS", "2")  # a number, or "auto"
if DIARIZATION_SPEAKERS != "auto":
    try:
        DIARIZATION_SPEAKERS = int(DIARIZATION_SPEAKERS)
    except ValueError:
        raise ImproperlyConfigured("DIARIZATION_SPEAKERS must be a number or auto") from None
DIARIZATION_METHOD = _env("DIARIZATION_METHOD", "campplus", choices=("campplus", "resemblyzer", "mfcc", "combined"))
DIARIZATION_CLUSTERING = _env("DIARIZATION_CLUSTERING", "spectral", choices=("spectral", "agglomerative"))
BLUR_OTHERS_DEFAULT = _env_bool("BLUR_OTHERS_DEFAULT", False)  # privacy blur in clips (a job may override)
DEFAULT_SESSION = _env("DEFAULT_SESSION", "classroom", choices=("classroom", "coaching"))
MAX_MEDIA_DURATION_S = _env_number("MAX_MEDIA_DURATION_S", 4 * 3600.0, float)
UPLOAD_EXTENSIONS = [
    e.lower() for e in _env_list("UPLOAD_EXTENSIONS", "mp4,mov,m4v,mkv,webm,avi,mp3,m4a,wav,flac,ogg,opus,aac")
]
# Hostile media: a source's frame size is capped at the probe (too_large_frame), a conversion's
# output by side, frame and, for gif/webp/lottie, width x height x frames (bad_option).
MAX_VIDEO_SIDE = _env_number("MAX_VIDEO_SIDE", 8192, minimum=16)
MAX_VIDEO_PIXELS = _env_number("MAX_VIDEO_PIXELS", 8192 * 4320, minimum=16)
CONVERT_MAX_SIDE = _env_number("CONVERT_MAX_SIDE", 4096, minimum=16)
CONVERT_MAX_PIXELS = _env_number("CONVERT_MAX_PIXELS", 4096 * 2160, minimum=16)
CONVERT_MAX_ANIMATED_SIDE = _env_number("CONVERT_MAX_ANIMATED_SIDE", 1280, minimum=16)
CONVERT_MAX_ANIMATED_PIXELS = _env_number("CONVERT_MAX_ANIMATED_PIXELS", 200_000_000)
# Open chunked uploads: per user and per tenant, by count and by declared bytes (too_many_uploads, 429).
UPLOAD_MAX_OPEN_SESSIONS = _env_number("UPLOAD_MAX_OPEN_SESSIONS", 5, minimum=1)
UPLOAD_MAX_OPEN_SESSIONS_PER_TENANT = _env_number("UPLOAD_MAX_OPEN_SESSIONS_PER_TENANT", 20, minimum=1)
UPLOAD_MAX_OPEN_BYTES = _env_number("UPLOAD_MAX_OPEN_BYTES", 16 * 1024**3)
UPLOAD_MAX_OPEN_BYTES_PER_TENANT = _env_number("UPLOAD_MAX_OPEN_BYTES_PER_TENANT", 64 * 1024**3)

# The demo tenant that `make run` creates.
DEMO_ADMIN_USERNAME = _env("DEMO_ADMIN_USERNAME", "admin")
DEMO_ADMIN_PASSWORD = _env("DEMO_ADMIN_PASSWORD", "")  # "" = generate one and print it once
DEMO_TENANT_NAME = _env("DEMO_TENANT_NAME", "Demo School")
# Where `make run` / `manage.py serve` listens.
SERVE_HOST = _env("HOST", "127.0.0.1")
SERVE_PORT = _env_number("PORT", 8000)
# The web server (cultivate/server.py, docs/operations.md): WEB_WORKERS uvicorn processes, each
# answering HTTP on WEB_THREADS threads with a database connection each (kept WEB_CONN_MAX_AGE s):
# keep their product well under PostgreSQL's max_connections. One process more than cores: a
# keep-alive connection stays with its process, so a spare one shortens the queue behind a busy one.
WEB_WORKERS = _env_number("WEB_WORKERS", min(len(os.sched_getaffinity(0)) + 1, 8), minimum=1)
WEB_THREADS = _env_number("WEB_THREADS", 4, minimum=1)
WEB_CONN_MAX_AGE = _env_number("WEB_CONN_MAX_AGE", 300)
WEB_ACCESS_LOG = _env_bool("WEB_ACCESS_LOG", True)  # one line per request, tokens in links redacted

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # Tokens in links (downloads, shared clips, invitations) never reach a log line: access
    # logs and Django's "Not Found: /path" would otherwise keep them for their lifetime.
    "filters": {"redact_tokens": {"()": "cultivate.redact.RedactTokens"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_tokens"]}},
    "root": {"handlers": ["console"], "level": _env("LOG_LEVEL", "INFO")},
    # Quieter: axes would log a line per sign-in and at every start-up.
    "loggers": {name: {"level": "WARNING"} for name in ("django.db.backends", "faster_whisper", "axes")},
}
