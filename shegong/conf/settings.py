"""Shegong settings, driven by environment variables (see docs/operations.md).

Defaults run with no services at all: SQLite in WAL mode, the database task queue, local
files under ``SHEGONG_DATA_DIR``. ``SHEGONG_PRODUCTION=true`` turns on the hardened profile
(``manage.py check --deploy`` clean) and requires explicit secrets.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from .env import env_bool, env_int, env_list, env_str, parse_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(env_str("SHEGONG_DATA_DIR", str(BASE_DIR / "var"))).resolve()
# The data folder holds the embedded database, the key ring and staged imports: 0700.
DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)

PRODUCTION = env_bool("SHEGONG_PRODUCTION", False)
DEBUG = env_bool("SHEGONG_DEBUG", False)


def _secret_key() -> str:
    from .env import _raw

    value = _raw("SECRET_KEY")
    if value:
        return value
    path = DATA_DIR / "secret_key"
    if not path.exists():
        if PRODUCTION:
            from django.core.exceptions import ImproperlyConfigured

            raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) is required in production")
        path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()


def _cert_signing_key() -> str:
    from .env import _raw

    return _raw("SHEGONG_CERT_SIGNING_KEY") or ""


# 志愿服务记录证明 are HMAC-signed with their own key, so rotating SECRET_KEY does not void
# certificates volunteers keep for years. Empty = derived from SECRET_KEY (as before this
# setting). Rotation: old key into the fallbacks, `shegong resign-volunteer-certificates`,
# then drop it (docs/volunteers.md "Certificates").
SHEGONG_CERT_SIGNING_KEY = _cert_signing_key()
SHEGONG_CERT_SIGNING_KEY_FALLBACKS = env_list("SHEGONG_CERT_SIGNING_KEY_FALLBACKS", [])
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# A Chinese page in the shell (templates/403_csrf.html), not Django's English one.
CSRF_FAILURE_VIEW = "shegong.core.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "shegong.core",
    "shegong.regions",
    "shegong.units",
    "shegong.accounts",
    "shegong.appeals",
    "shegong.suggestions",
    "shegong.triage",
    "shegong.organizations",
    "shegong.demo",
    "shegong.volunteers",
    "shegong.members",
    "shegong.transfers",
    "shegong.dues",
    "shegong.orglife",
    "shegong.study",
    "shegong.compliance",
    "shegong.privacy",
    "shegong.serving",
    "shegong.talent",
    "shegong.cockpit",
    "shegong.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise, so static files keep their caching: Content-Security-Policy and
    # Cache-Control: no-store on every answer Django renders (docs/security.md).
    "csp.middleware.CSPMiddleware",
    "shegong.core.headers.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Second factor and forced password change after login (accounts/middleware.py).
    "django_otp.middleware.OTPMiddleware",
    "shegong.accounts.middleware.LoginStepsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "shegong.core.middleware.RequestContextMiddleware",
    "shegong.core.middleware.TextInputMiddleware",
    "shegong.core.middleware.MethodNotAllowedPageMiddleware",
]

ROOT_URLCONF = "shegong.urls"
WSGI_APPLICATION = "shegong.wsgi.application"
ASGI_APPLICATION = "shegong.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "shegong" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shegong.core.context_processors.shell",
            ],
        },
    }
]

DATABASES = {
    "default": parse_database_url(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'shegong.sqlite3'}"), base_dir=BASE_DIR
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background work goes through the django-tasks API (Django 6's tasks framework, backported).
# Embedded default: a database queue and `shegong worker`. Production: SHEGONG_TASKS=redis
# runs the same tasks on RQ. See docs/operations.md.
TASK_BACKEND = env_str("SHEGONG_TASKS", "database")
if TASK_BACKEND == "redis":
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0"}}
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
elif TASK_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
elif TASK_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
else:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"SHEGONG_TASKS={TASK_BACKEND!r}: use database, redis or immediate")

# Task leases (core/worker_lease.py): a worker beats every SHEGONG_WORKER_HEARTBEAT seconds;
# a task still running when its worker has been silent for SHEGONG_TASK_LEASE seconds is run
# again (idempotent tasks) or failed with the reason (the rest).
# Days operational records are kept, per kind (core/retention.py), e.g. {"sms": 365}.
SHEGONG_RETENTION_DAYS = json.loads(env_str("SHEGONG_RETENTION_DAYS", "{}") or "{}")
SHEGONG_WORKER_HEARTBEAT = env_int("SHEGONG_WORKER_HEARTBEAT", 10)
SHEGONG_TASK_LEASE = env_int("SHEGONG_TASK_LEASE", 60)

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# No reuse of the current and the last N-1 former passwords (their hashes are kept).
SHEGONG_PASSWORD_HISTORY = env_int("SHEGONG_PASSWORD_HISTORY", 5, minimum=0)
SHEGONG_PASSWORD_HISTORY_KEPT = max(SHEGONG_PASSWORD_HISTORY, 1)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "shegong.accounts.passwords.CharacterClassValidator"},
    {
        "NAME": "shegong.accounts.passwords.PasswordHistoryValidator",
        "OPTIONS": {"count": SHEGONG_PASSWORD_HISTORY},
    },
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# 等保 2.0 level 3 practice (domain-rules §10.2): idle timeout ≤ 30 min, lock after 5 failures.
SESSION_COOKIE_AGE = env_int("SHEGONG_IDLE_TIMEOUT_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Login throttling (accounts/throttle.py, docs/security.md "Login"): failures counted per
# (username, client address) and per client address; a lock doubles at each repeat within a
# day, up to the maximum. No lock ever applies to an account from every address.
SHEGONG_LOGIN_MAX_FAILURES = env_int("SHEGONG_LOGIN_MAX_FAILURES", 5, minimum=1)
SHEGONG_LOGIN_MAX_FAILURES_PER_ADDRESS = env_int(
    "SHEGONG_LOGIN_MAX_FAILURES_PER_ADDRESS", 30, minimum=1
)
SHEGONG_LOGIN_LOCK_SECONDS = env_int("SHEGONG_LOGIN_LOCK_SECONDS", 30 * 60, minimum=1)
SHEGONG_LOGIN_LOCK_MAX_SECONDS = env_int("SHEGONG_LOGIN_LOCK_MAX_SECONDS", 24 * 3600, minimum=1)
# Password expiry (等保 practice: change every 90 days; 0 = never): checked at login.
SHEGONG_PASSWORD_MAX_AGE_DAYS = env_int("SHEGONG_PASSWORD_MAX_AGE_DAYS", 90, minimum=0)
# Second factor (TOTP, RFC 6238) for the roles of core.roles.roles_needing_second_factor.
SHEGONG_SECOND_FACTOR_REQUIRED = env_bool("SHEGONG_SECOND_FACTOR_REQUIRED", True)
SHEGONG_RECOVERY_CODES = env_int("SHEGONG_RECOVERY_CODES", 10, minimum=1)
OTP_TOTP_ISSUER = env_str("SHEGONG_OTP_ISSUER", "社工平台")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
LOCALE_PATHS = [BASE_DIR / "shegong" / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(DATA_DIR / "static")))
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"  # never served directly: attachments go through scoped views
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# Personal-data keys (SM4 + blind index). See shegong/core/pii.py and docs/architecture.md.
SHEGONG_KEYS_FILE = Path(env_str("SHEGONG_KEYS_FILE", str(DATA_DIR / "keys.json")))
SHEGONG_KEYS_JSON = env_str("SHEGONG_KEYS", "")
SHEGONG_KEYS_CREATE = env_bool("SHEGONG_KEYS_CREATE", not PRODUCTION)
# Signed checkpoints of the audit chain's head, outside the database (core/audit_checkpoint.py).
SHEGONG_AUDIT_CHECKPOINT_FILE = Path(
    env_str("SHEGONG_AUDIT_CHECKPOINT_FILE", str(DATA_DIR / "audit-checkpoints.jsonl"))
)

SHEGONG_CITY_NAME = env_str("SHEGONG_CITY_NAME", "示范市")

# SMS (docs/operations.md "SMS"): the gateway, the signature and every code limit come from
# the environment. Backends: log (development), http (generic JSON gateway), or a dotted path.
_SMS_BACKEND_SET = env_str("SHEGONG_SMS_BACKEND", "") or env_str("SHEGONG_SMS_SENDER", "")
SHEGONG_SMS_BACKEND = _SMS_BACKEND_SET or "log"
if PRODUCTION and not _SMS_BACKEND_SET:
    # The log backend marks messages 已发送 without sending them: in production only on
    # purpose (SHEGONG_SMS_BACKEND=log), never by default.
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "生产环境（SHEGONG_PRODUCTION=true）必须设置短信网关 SHEGONG_SMS_BACKEND"
        "（http 或自定义类）；确实不发短信时请显式设置 SHEGONG_SMS_BACKEND=log"
    )
SHEGONG_SMS_SIGN = env_str("SHEGONG_SMS_SIGN", "")
SHEGONG_SMS_HTTP_URL = env_str("SHEGONG_SMS_HTTP_URL", "")
SHEGONG_SMS_HTTP_TOKEN = env_str("SHEGONG_SMS_HTTP_TOKEN", "")
SHEGONG_SMS_HTTP_TIMEOUT = env_int("SHEGONG_SMS_HTTP_TIMEOUT", 5, minimum=1)
# A worker rebuilds the triage routing history from the database when its snapshot is older.
SHEGONG_TRIAGE_HISTORY_REBUILD_DAYS = env_int("SHEGONG_TRIAGE_HISTORY_REBUILD_DAYS", 7, minimum=1)
SHEGONG_SMS_MAX_ATTEMPTS = env_int("SHEGONG_SMS_MAX_ATTEMPTS", 4, minimum=1)
if SHEGONG_SMS_BACKEND == "http" and not SHEGONG_SMS_HTTP_URL:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SHEGONG_SMS_BACKEND=http needs SHEGONG_SMS_HTTP_URL")
# Verification codes: limits per phone and purpose; the per-address cap only stops a runaway
# script (a registration drive puts hundreds of people behind one address).
SHEGONG_PORTAL_REQUIRE_SMS = env_bool("SHEGONG_SMS_REQUIRED", True)
SHEGONG_PORTAL_SMS_COOLDOWN_SECONDS = env_int("SHEGONG_SMS_COOLDOWN_SECONDS", 60, minimum=0)
SHEGONG_PORTAL_SMS_DAILY_PER_PHONE = env_int("SHEGONG_SMS_DAILY_PER_PHONE", 10, minimum=1)
SHEGONG_PORTAL_SMS_DAILY_PER_IP = env_int("SHEGONG_SMS_DAILY_PER_ADDRESS", 2000, minimum=0)
SHEGONG_PORTAL_SMS_CODE_TTL_SECONDS = env_int("SHEGONG_SMS_CODE_TTL_SECONDS", 600, minimum=60)
SHEGONG_PORTAL_SMS_MAX_ATTEMPTS = env_int("SHEGONG_SMS_MAX_CHECKS", 5, minimum=1)
SHEGONG_PORTAL_SMS_VERIFIED_SECONDS = env_int("SHEGONG_SMS_VERIFIED_SECONDS", 1800, minimum=0)
SHEGONG_AUDIT_RETENTION_DAYS = env_int("SHEGONG_AUDIT_RETENTION_DAYS", 180)
# Closed appeals lose the petitioner's identity this many years after their last step
# (appeals/services/anonymise.py, docs/privacy.md); at least 1 so every 复查/复核 window is over.
# Irreversible, so off unless set explicitly (unset or 0: the daily job does nothing).
SHEGONG_APPEAL_ANONYMISE_YEARS = env_int("SHEGONG_APPEAL_ANONYMISE_YEARS", 0, minimum=0) or None

# Public intake: group commit through one writer thread per web process
# (appeals/services/intake_queue.py); policy versions cached per process for a few seconds
# (appeals/services/policies.py). See docs/appeals.md "Intake at city scale".
SHEGONG_INTAKE_BATCHING = env_bool("SHEGONG_INTAKE_BATCHING", True)
SHEGONG_INTAKE_BATCH = env_int("SHEGONG_INTAKE_BATCH", 64)
SHEGONG_INTAKE_TIMEOUT = env_int("SHEGONG_INTAKE_TIMEOUT", 30)
SHEGONG_POLICY_CACHE_SECONDS = env_int("SHEGONG_POLICY_CACHE_SECONDS", 10)
SHEGONG_REGION_CACHE_SECONDS = env_int("SHEGONG_REGION_CACHE_SECONDS", 10)
# Smart triage: queue it right after each intake commits; how many closed appeals each
# process keeps for "what dispatchers did with similar appeals" (docs/triage.md).
SHEGONG_TRIAGE_ON_INTAKE = env_bool("SHEGONG_TRIAGE_ON_INTAKE", True)
SHEGONG_TRIAGE_ROUTING_HISTORY = env_int("SHEGONG_TRIAGE_ROUTING_HISTORY", 200_000)
# A retrained category model directory (empty: the model shipped in shegong/textmining).
SHEGONG_TRIAGE_MODEL_DIR = env_str("SHEGONG_TRIAGE_MODEL_DIR", "")

NINJA_PAGINATION_PER_PAGE = 50
# limit and offset bounded (a huge offset overflows the database): a 422, never a 500.
NINJA_PAGINATION_CLASS = "shegong.core.pagination.BoundedLimitOffsetPagination"

SECURE_CONTENT_TYPE_NOSNIFF = True
# Content-Security-Policy (django-csp): no inline script, style or event handler anywhere;
# every script and style sheet is a vendored static file (no CDN). Chart initialisation reads
# its data from json_script / data-* attributes; QR codes are inline SVG. No directive lists
# csp.constants.NONCE, so django-csp 4 sends no nonce: a {{ request.csp_nonce }} in a
# template would render a value the header does not carry, and the browser would block it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    DEBUG = False
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
