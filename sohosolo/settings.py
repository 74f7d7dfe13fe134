"""Soho Solo settings: every value comes from the environment, with a safe default.

`.env.example` lists every variable. Nothing here changes between SQLite and PostgreSQL:
`DATABASE_URL` and `REDIS_URL` choose, the code stays the same.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
import xstatic.pkg.leaflet
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


TRUE_WORDS = {"1", "true", "yes", "on", "oui", "vrai"}
FALSE_WORDS = {"0", "false", "no", "off", "non", "faux"}


def env_bool(name: str, default: bool = False) -> bool:
    """A yes/no setting. A value that is neither (a typo such as DEBUG=flase) stops the start-up with a clear message
    instead of being read as "no"."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={os.environ[name]!r} is not a yes/no value: use one of {', '.join(sorted(TRUE_WORDS | FALSE_WORDS))}."
    )


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def env_secret(name: str, default: str = "") -> str:
    """A secret from `NAME`, or read from the file named by `NAME_FILE` (Docker/Kubernetes secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default).strip()


DEBUG = env_bool("DEBUG", False)
# Demo mode shows the demo logins on the sign-in page; never set it in production.
DEMO_MODE = env_bool("DEMO_MODE", False)

# An insecure development key is used only when none is given; the deploy checks refuse it.
INSECURE_DEV_SECRET_KEY = "django-insecure-sohosolo-development-key-do-not-use-in-production"
SECRET_KEY = env_secret("SECRET_KEY") or INSECURE_DEV_SECRET_KEY

SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env("SITE_NAME", "Soho Solo")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", SITE_URL)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "sohosolo",
    "sohosolo.audit",
    "sohosolo.accounts",
    "sohosolo.territory",
    "sohosolo.privacy",
    "sohosolo.prospects",
    "sohosolo.events",
    "sohosolo.housing",
    "sohosolo.network",
    "sohosolo.committees",
    "sohosolo.results",
    "sohosolo.intranet",
    "sohosolo.documents",
    "sohosolo.correspondence",
    "sohosolo.appointments",
    "sohosolo.campaigns",
]

MIDDLEWARE = [
    # First: the load balancer's probe is answered whatever Host it sends (by IP, or none), before the host check.
    "sohosolo.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): has this session passed the second factor?
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Session expiry, two-factor sign-in required for staff, Permissions-Policy header.
    "sohosolo.accounts.middleware.SignInSecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Counts failed sign-ins and locks out brute force; must come last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sohosolo.urls"
WSGI_APPLICATION = "sohosolo.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "sohosolo" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sohosolo.context_processors.site",
            ],
        },
    }
]

# Database: the embedded SQLite file under var/ unless DATABASE_URL says otherwise.
DATA_DIR = Path(env("DATA_DIR", str(BASE_DIR / "var")))
DATABASE_URL = env_secret("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "sohosolo.sqlite3",
            "OPTIONS": {
                # Writers wait for each other (busy timeout, seconds) instead of failing with "database is locked";
                # IMMEDIATE takes the write lock when a transaction starts, so none fails half-way.
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-20000;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: shared Redis when REDIS_URL is set (several app servers), else memory of this process.
REDIS_URL = env_secret("REDIS_URL")
if REDIS_URL and os.environ.get("PYTEST_XDIST_WORKER", "").startswith("gw"):
    # A parallel test run: each worker keeps to a Redis database of its own (the URL's, then the ones below it),
    # since a test's cache.clear() empties its whole database.
    _worker = int(os.environ["PYTEST_XDIST_WORKER"][2:])
    _url = urlsplit(REDIS_URL)
    _db = int(_url.path.strip("/") or 0)
    REDIS_URL = urlunsplit(_url._replace(path=f"/{(_db - _worker) % 16}"))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "sohosolo"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background work: django.tasks on the database queue, run by `manage.py worker` (django-tasks-db's worker, made to
# survive database outages and to requeue the tasks of a worker that died).
TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# Periodic jobs run by `manage.py runperiodic`: finished task results older than this are pruned.
TASK_RESULTS_KEEP_DAYS = env_int("TASK_RESULTS_KEEP_DAYS", 14)
# Periodic backups (sohosolo.backups, docs/backup.md): a daily backup into BACKUP_DIR when set, the newest BACKUP_KEEP
# kept.
BACKUP_DIR = env("BACKUP_DIR", "")
BACKUP_KEEP = env_int("BACKUP_KEEP", 7)

# Privacy (sohosolo.privacy): who answers for personal data, and how long things are kept.
DPO_NAME = env("DPO_NAME", "Délégué à la protection des données, CCI du Gers")
DPO_EMAIL = env("DPO_EMAIL", "dpo@gers.cci.fr")
DPO_ADDRESS = env("DPO_ADDRESS", "CCI du Gers, Garros, 32000 Auch")
PUBLISHER_NAME = env("PUBLISHER_NAME", "Chambre de commerce et d'industrie du Gers")
PUBLISHER_ADDRESS = env("PUBLISHER_ADDRESS", "Garros, 32000 Auch, France")
PUBLICATION_DIRECTOR = env("PUBLICATION_DIRECTOR", "Le président de la CCI du Gers")
HOSTING_PROVIDER = env("HOSTING_PROVIDER", "")
ACCESS_LOG_KEEP_DAYS = env_int("ACCESS_LOG_KEEP_DAYS", 365)
ACCOUNT_INACTIVE_DAYS = env_int("ACCOUNT_INACTIVE_DAYS", 730)
PERSONAL_SPACE_LINK_MINUTES = env_int("PERSONAL_SPACE_LINK_MINUTES", 60)
PERSONAL_SPACE_SESSION_MINUTES = env_int("PERSONAL_SPACE_SESSION_MINUTES", 120)

# Accounts: sign in by email; roles and scopes live in sohosolo.accounts.
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "staff_home"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3 * 24 * 3600)
INVITATION_TIMEOUT_DAYS = env_int("INVITATION_TIMEOUT_DAYS", 14)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Brute force: five wrong passwords in a row for one email from one address lock it for a while.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "sohosolo.accounts.views.login_attempt_email"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "sohosolo.accounts.views.locked_out"
# Behind PROXY_COUNT reverse proxies the client's address is the PROXY_COUNT-th from the right of X-Forwarded-For
# (sohosolo.lib.addresses): one rule for the sign-in lockout (django-axes) and every throttle of the platform.
PROXY_COUNT = env_int("PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "sohosolo.lib.addresses.address_for_axes"
AXES_VERBOSE = False

# Two-factor sign-in (django-otp): an authenticator app (TOTP), with single-use recovery codes. Required for the
# programme's staff and the Django admin, optional for everybody else.
OTP_TOTP_ISSUER = SITE_NAME
OTP_TOTP_THROTTLE_FACTOR = 1  # each wrong code doubles the wait before the next try (1 s, 2 s, 4 s…)
OTP_STATIC_THROTTLE_FACTOR = 1
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the Django admin never shows a device's secret
TWO_FACTOR_FAILURE_LIMIT = env_int("TWO_FACTOR_FAILURE_LIMIT", 5)  # wrong codes per account or address, then wait
TWO_FACTOR_LOCKOUT_MINUTES = env_int("TWO_FACTOR_LOCKOUT_MINUTES", 15)
RECOVERY_CODE_COUNT = 10
# Password-reset requests per client address and per email address within an hour.
PASSWORD_RESET_LIMIT_PER_ADDRESS = env_int("PASSWORD_RESET_LIMIT_PER_ADDRESS", 10)
PASSWORD_RESET_LIMIT_PER_EMAIL = env_int("PASSWORD_RESET_LIMIT_PER_EMAIL", 3)
# Sensitive actions (exports, role changes, invitations of staff, erasure) ask again for the password or a code
# when the last one was given longer ago than this.
REAUTHENTICATION_MINUTES = env_int("REAUTHENTICATION_MINUTES", 15)

# Sessions end after SESSION_IDLE_MINUTES without a request, and in any case SESSION_MAX_HOURS after sign-in.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db" if REDIS_URL else "django.contrib.sessions.backends.db"
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 60)
SESSION_MAX_HOURS = env_int("SESSION_MAX_HOURS", 12)
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 3600
# Messages ride in the session, not in a cookie of their own.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Languages: French first, English complete.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# Static files by WhiteNoise (compressed, cache-busting names); media on disk or S3-compatible storage.
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
STATICFILES_DIRS = [BASE_DIR / "sohosolo" / "static", ("leaflet", xstatic.pkg.leaflet.BASE_DIR)]
MEDIA_URL = env("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(DATA_DIR / "media")))
# Public media (village and offer photos, logos) served by the platform itself when DEBUG is off: for one machine
# without a web server in front. Behind a reverse proxy, let it serve MEDIA_ROOT instead (README, "Deploying").
SERVE_MEDIA = env_bool("SERVE_MEDIA", False)
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("FILE_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
PHOTO_MAX_BYTES = env_int("PHOTO_MAX_MB", 8) * 1024 * 1024
# Intranet documents: never under MEDIA (no public address), served only by a view that checks who asks.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", str(DATA_DIR / "private")))
INTRANET_DOCUMENT_MAX_BYTES = env_int("INTRANET_DOCUMENT_MAX_MB", 20) * 1024 * 1024

# Maps: Leaflet (shipped in the XStatic-Leaflet wheel) over a configurable tile server. Pages work without tiles:
# markers and lists stay, and each département also has an offline SVG map drawn from the communes' outlines.
MAP_TILE_URL = env("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_ATTRIBUTION = env("MAP_ATTRIBUTION", "© OpenStreetMap contributors")
WHITENOISE_USE_FINDERS = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
if env("S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("S3_BUCKET"),
            "endpoint_url": env("S3_ENDPOINT_URL") or None,
            "region_name": env("S3_REGION") or None,
            "access_key": env_secret("S3_ACCESS_KEY"),
            "secret_key": env_secret("S3_SECRET_KEY"),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

# Email: the console in development, SMTP when EMAIL_HOST is set. Sending is always a background task.
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Soho Solo <contact@sohosolo.localhost>")
SERVER_EMAIL = env("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
EMAIL_HOST = env("EMAIL_HOST")
if EMAIL_HOST:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": EMAIL_HOST,
                "port": env_int("EMAIL_PORT", 587),
                "username": env("EMAIL_HOST_USER") or None,
                "password": env_secret("EMAIL_HOST_PASSWORD") or None,
                "use_tls": env_bool("EMAIL_USE_TLS", True),
                "use_ssl": env_bool("EMAIL_USE_SSL", False),
                "timeout": env_int("EMAIL_TIMEOUT", 20),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")}}
del EMAIL_HOST  # the MAILERS entry holds it; the old EMAIL_* settings are deprecated in Django 6.1
ADMINS = [("Admin", a) for a in env_list("ADMINS")]

# Security: HTTPS settings follow SITE_URL; a strict Content-Security-Policy with nonces.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_HTTPS_PROXY", False) else None
_https = SITE_URL.startswith("https://")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _https)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Only two cookies ever: the session and the CSRF token, both strictly necessary (no consent banner). The language
# is carried by the address (/ or /en/) and by the signed-in user's profile. Over HTTPS they are Secure and get the
# __Host- prefix (bound to this host, path /, never sent in clear).
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
SESSION_COOKIE_NAME = "__Host-sessionid" if _https else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if _https else "csrftoken"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # forms carry the token; htmx reads it from the page, never from the cookie
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if _https else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Sent by sohosolo.accounts.middleware: the browser features no page of the platform uses are switched off.
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), hid=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), serial=(), usb=(), browsing-topics=()"
)
_tile_origin = ["/".join(MAP_TILE_URL.split("/")[:3])] if MAP_TILE_URL.startswith("http") else []
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", *_tile_origin, *env_list("CSP_IMG_SOURCES")],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
    },
}
