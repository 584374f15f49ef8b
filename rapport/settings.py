"""Rapport settings: everything comes from the environment (see docs/deploy.md).

With no environment at all Rapport boots on SQLite under ``var/`` with a secret key generated there.
"""

import os
import secrets
from pathlib import Path

import environ

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent

env = environ.Env()

VAR_DIR = Path(env.str("RAPPORT_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)  # the database, the key and mail: for our eyes only


def _secret_key() -> str:
    """The SECRET_KEY from the environment, else one generated once and kept in var/.

    The web server and the worker may start at the same moment: the key is written to a temporary file
    and linked into place, so every process reads the same complete key.
    """
    if key := env.str("SECRET_KEY", default=""):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        tmp = VAR_DIR / f".secret_key.{os.getpid()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(50))
        try:
            os.link(tmp, path)  # fails if another process got there first; theirs wins
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The public address of this deployment, for links in emails.
BASE_URL = env.str("BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

# HTTPS=true is production mode behind TLS: secure cookies, HSTS, redirect to https.
HTTPS = env.bool("HTTPS", default=False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=14 * 24 * 3600)
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie; kept readable for API clients

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves the Swagger UI assets of /api/v1/docs from our own static files
    "axes",
    "django_tasks",
    "django_tasks_db",
    "rapport.core",
    "rapport.users",
    "rapport.contacts",
    "rapport.activities",
]

MIDDLEWARE = [
    "rapport.core.api_middleware.ProblemResponseMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "rapport.core.middleware.RequestContextMiddleware",
    "rapport.users.middleware.UserTimezoneMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "rapport.urls"
WSGI_APPLICATION = "rapport.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rapport.core.context_processors.navigation",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
SQLITE_PATH = VAR_DIR / "rapport.sqlite3"
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{SQLITE_PATH}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the writer; IMMEDIATE takes the write lock up front so
        # concurrent writers wait for the busy timeout instead of failing on lock upgrade.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
            " PRAGMA cache_size=-65536;"  # 64 MB of page cache (2 MB by default): big tables are written and read
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (shared across processes when Redis is configured) -------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Background work (docs/background-work.md) ------------------------------------------------
# "database": tasks are rows of the main database, run by `rapport worker` (the embedded default).
# "rq": tasks go through Redis (REDIS_URL) to `rapport worker` processes on any number of machines.
TASKS_BACKEND = env.str("TASKS_BACKEND", default="database")
_TASK_BACKENDS = {
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
    "rq": {"BACKEND": "rapport.core.jobs.RQBackend", "QUEUES": ["default"]},
    "immediate": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]},
}
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise environ.ImproperlyConfigured(f"TASKS_BACKEND must be one of {sorted(_TASK_BACKENDS)}")
TASKS = {"default": _TASK_BACKENDS[TASKS_BACKEND]}
if TASKS_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 600}}
# Seconds without a heartbeat after which a worker's running tasks are handed to another worker.
WORKER_LEASE_SECONDS = env.int("WORKER_LEASE_SECONDS", default=60)
# A task whose worker was lost this many times is marked failed instead of being run again.
WORKER_MAX_ATTEMPTS = env.int("WORKER_MAX_ATTEMPTS", default=5)
# Seconds between a worker's maintenance passes: lease recovery, outbox relay, periodic tasks.
WORKER_MAINTENANCE_SECONDS = env.float("WORKER_MAINTENANCE_SECONDS", default=5.0)
# Finished task results (database backend) are pruned after this many days.
TASK_RESULT_RETENTION_DAYS = env.int("TASK_RESULT_RETENTION_DAYS", default=14)

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600  # reset and invitation links work once, for three days

# Brute-force protection: lock a username *from one address* after repeated failures, so an
# attacker elsewhere cannot lock the real user out; the lock lifts after the cool-off.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("LOGIN_COOLOFF_MINUTES", default=15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "rapport.users.views.auth.lockout_response"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_SENSITIVE_PARAMETERS = ["password"]
# Reverse proxies in front (each appending to X-Forwarded-For); rapport.core.net.client_ip finds the client.
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "rapport.core.net.client_ip"

# --- Email ----------------------------------------------------------------------------------
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
    EMAIL_PORT = env.int("EMAIL_PORT", default=25)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
    EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
    # Without SMTP, emails (with their reset links) are written as files to var/mail/, not into the server's log.
    EMAIL_BACKEND = env.str(
        "EMAIL_BACKEND",
        default="django.core.mail.backends.smtp.EmailBackend"
        if env.str("EMAIL_HOST", default="")
        else "django.core.mail.backends.filebased.EmailBackend",
    )
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Rapport <rapport@localhost>")
EMAIL_TIMEOUT = 30

# --- Internationalization -------------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")  # default display zone; storage is always UTC

# --- Customer data ----------------------------------------------------------------------------
# Phone numbers written without a country code are read as numbers of this region (ISO 3166 code).
PHONE_DEFAULT_REGION = env.str("PHONE_DEFAULT_REGION", default="US").upper()
# Largest file an import accepts, in megabytes (uploads stream to disk; this bounds the disk they use).
IMPORT_MAX_UPLOAD_MB = env.int("IMPORT_MAX_UPLOAD_MB", default=500)
IMPORT_BATCH_SIZE = env.int("IMPORT_BATCH_SIZE", default=5000)  # rows per transaction of an import run
# Processes that clean rows while the run's own process reads and writes; unset: one per CPU but one, at most 4.
IMPORT_WORKERS = env.int("IMPORT_WORKERS", default=None)
IMPORT_POOL_MIN_ROWS = env.int("IMPORT_POOL_MIN_ROWS", default=50_000)  # smaller files: cleaned in-process
# Imports that create at least this many contacts (and at least half as many as there are) drop the tables'
# secondary indexes while they load and build them after (rapport.core.deferred_indexes). 0: never.
IMPORT_DEFER_INDEXES_MIN_ROWS = env.int("IMPORT_DEFER_INDEXES_MIN_ROWS", default=100_000)
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# --- Logging: no personal data, no secrets --------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # axes logs usernames and addresses at WARNING and below.
    "loggers": {"axes": {"level": "ERROR"}, "django.db.backends": {"level": "WARNING"}},
}

NINJA_PAGINATION_MAX_LIMIT = 200
