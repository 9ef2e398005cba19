"""Test settings: fast hashing, immediate tasks, an isolated data directory.

The database comes from DATABASE_URL like production (SQLite by default; CI also runs the
suite against PostgreSQL with DATABASE_URL=postgres://root@127.0.0.1:5432/test).
"""

import os
import tempfile

_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker:
    # `pytest -n N` (make test): each worker process has its own data directory (uploads,
    # staging, the SQLite test database); pytest-django suffixes the database name as well.
    os.environ["SHEGONG_DATA_DIR"] = tempfile.mkdtemp(prefix=f"shegong-test-{_worker}-")
os.environ.setdefault("SHEGONG_DATA_DIR", tempfile.mkdtemp(prefix="shegong-test-"))
os.environ.setdefault("SHEGONG_TASKS", "immediate")
# Tasks run inline in tests: triage at intake only where a test turns it on.
os.environ.setdefault("SHEGONG_TRIAGE_ON_INTAKE", "false")

from .settings import *  # noqa: F403, E402
from .settings import DATABASES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if str(DATABASES["default"]["ENGINE"]).endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {"NAME": os.path.join(os.environ["SHEGONG_DATA_DIR"], "t.db")}
elif "TEST" not in DATABASES["default"]:
    # SHEGONG_TEST_DB lets two checkouts run the suite against one server at once.
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("SHEGONG_TEST_DB", "test_shegong")}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SESSION_ENGINE = "django.contrib.sessions.backends.db"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Sessions of the test client's force_login count as having done the login steps (password,
# second factor); never set outside the test settings (accounts.middleware).
SHEGONG_TRUST_FORCED_LOGIN = True
