"""Settings read from the environment.

DATABASE_URL           default: SQLite file var/somevahti.sqlite3 in the checkout
SOMEVAHTI_SECRET_KEY   default: generated once into var/secret_key
SOMEVAHTI_TASKS        "embedded" (default, SQLite-backed Huey), "redis://...", or "immediate"
SOMEVAHTI_DEBUG        "1" for development error pages
SOMEVAHTI_ALLOWED_HOSTS comma separated; default 127.0.0.1,localhost
SOMEVAHTI_PUBLIC_URL   the site's public address, for platforms that fetch media by URL
SOMEVAHTI_ENCRYPTION_KEYS comma separated Fernet keys, newest first; default: generated into
                       var/encryption_keys (``somevahti rotatekeys`` adds a new one)
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SOMEVAHTI_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    key = os.environ.get("SOMEVAHTI_SECRET_KEY")
    if key:
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
# Platform tokens are encrypted with these (core.crypto); read lazily so a rotation is seen.
ENCRYPTION_KEYS_ENV = os.environ.get("SOMEVAHTI_ENCRYPTION_KEYS", "")
ENCRYPTION_KEYS_FILE = VAR_DIR / "encryption_keys"
DEBUG = os.environ.get("SOMEVAHTI_DEBUG", "") == "1"
ALLOWED_HOSTS = os.environ.get("SOMEVAHTI_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "huey.contrib.djhuey",
    "somevahti.core",
    "somevahti.audit",
    "somevahti.registry",
    "somevahti.guidelines",
    "somevahti.checks",
    "somevahti.content",
    "somevahti.publishing",
    "somevahti.inbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "somevahti" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "somevahti.core.context_processors.navigation",
                "somevahti.content.context.crisis",
            ]
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'somevahti.sqlite3'}"),
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the web process and the worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "fi"
LANGUAGES = [("fi", _("Finnish")), ("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Helsinki"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "somevahti" / "static"]
# Uploaded media are served only through permission-checked views (no public MEDIA_URL).
MEDIA_ROOT = VAR_DIR / "media"

EMAIL_BACKEND = os.environ.get(
    "SOMEVAHTI_EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("SOMEVAHTI_FROM_EMAIL", "somevahti@localhost")

# Security: strict by default; plain-HTTP development is opted into.
_HTTPS = os.environ.get("SOMEVAHTI_HTTPS", "1" if not DEBUG else "0") == "1"
SESSION_COOKIE_SECURE = _HTTPS
CSRF_COOKIE_SECURE = _HTTPS
SECURE_SSL_REDIRECT = _HTTPS and os.environ.get("SOMEVAHTI_SSL_REDIRECT", "1") == "1"
SECURE_HSTS_SECONDS = 31536000 if _HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _HTTPS
SECURE_HSTS_PRELOAD = _HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("SOMEVAHTI_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "somevahti.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Somevahti API",
    "DESCRIPTION": "Channel governance, guidelines and audit trail.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files (no CDN), script kept out of line for the CSP.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Several models have a "status"; name the channel's enum so they don't clash.
    "ENUM_NAME_OVERRIDES": {
        "ChannelStatusEnum": "somevahti.registry.models.ChannelStatus",
        "PlatformEnum": "somevahti.registry.models.Platform",
    },
}

from config.tasks import make_huey  # noqa: E402

# The site's public address (https://...), needed by platforms that fetch media by URL.
PUBLIC_URL = os.environ.get("SOMEVAHTI_PUBLIC_URL", "")
# A worker silent this long while sending is taken to be gone; its delivery is looked up.
PUBLISH_SEND_LEASE_SECONDS = int(os.environ.get("SOMEVAHTI_SEND_LEASE_SECONDS", "180"))
HUEY = make_huey(
    os.environ.get("SOMEVAHTI_TASKS", "embedded"),
    VAR_DIR,
    os.environ.get("SOMEVAHTI_TASKS_NAME", "somevahti"),
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SOMEVAHTI_LOG_LEVEL", "INFO")},
    # Huey's consumer has its own handler; don't print its lines twice.
    "loggers": {
        "huey": {"propagate": False},
        # The Bluesky SDK's HTTP client logs every request at INFO.
        "httpx": {"level": "WARNING"},
    },
}
