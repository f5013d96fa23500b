"""The test suite: real PostgreSQL and Redis, never SQLite.

`scripts.services.resolve()` picks DATABASE_URL / REDIS_URL from the environment, else the
default local ports when something answers there, else throwaway instances it starts itself.
"""

import os

from scripts.services import resolve

_services = resolve()
os.environ["DATABASE_URL"] = _services.database_url
os.environ["REDIS_URL"] = _services.redis_url

from .base import *  # noqa: E402, F403  after resolve() has set DATABASE_URL and REDIS_URL
from .base import CACHES, CHANNEL_LAYERS, DATABASES, INSTALLED_APPS, MIDDLEWARE, REST_FRAMEWORK  # noqa: E402  after resolve() has set DATABASE_URL and REDIS_URL

if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise RuntimeError("The test suite runs on PostgreSQL only; DATABASE_URL must be a postgres:// URL.")

DEBUG = False
INSTALLED_APPS = [*INSTALLED_APPS, "apps.demo"]  # the demo data is tested too; never in production
SECRET_KEY = "test-secret-key-0b5-experiences-not-for-production-use-0123456789"
DATABASES["default"]["CONN_MAX_AGE"] = 0
# Each test process gets its own cache namespace, so concurrent runs never see each other's keys.
CACHES["default"]["KEY_PREFIX"] = os.environ.get("OBS_TEST_CACHE_PREFIX") or (
    f"obs-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}"
)
# Likewise for the channel layer: events of one test process never reach another's sockets.
CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"{CACHES['default']['KEY_PREFIX']}-rt"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
NOTIFICATIONS_SMS_BACKEND = "apps.notifications.backends.sms.LocmemSMSBackend"
NOTIFICATIONS_PUSH_BACKEND = "apps.notifications.backends.push.LocmemPushBackend"
# Tasks run in-process (after commit) unless a test starts a real worker (the `celery_worker` fixture).
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = _services.redis_url
STORAGES = {
    "default": {"BACKEND": "apps.common.storage.InMemoryMediaStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": ()}
LOGGING_CONFIG = "logging.config.dictConfig"
SERVICES_DESCRIPTION = _services.description
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Tests that stop the broker must not make the next test in the process skip its enqueues.
CELERY_ENQUEUE_BACKOFF_SECONDS = 0.0
# Every error envelope answered is recorded, so each test checks its codes against the schema (tests/error_codes.py).
MIDDLEWARE = ["tests.error_codes.RecordErrorCodes", *MIDDLEWARE]
