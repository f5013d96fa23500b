"""Local development: `make run`. Works with no configuration at all."""

from .base import *  # noqa: F403  the shared settings, then the development overrides
from .base import INSTALLED_APPS, env

DEBUG = env.bool("DEBUG", default=True)
INSTALLED_APPS = [*INSTALLED_APPS, "apps.demo"]  # seed_demo and print_urls (`make run`); never in production
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["*"])
CORS_ALLOW_ALL_ORIGINS = env.bool("CORS_ALLOW_ALL_ORIGINS", default=True)
# Uploaded media stay on local disk (no bucket) and this process serves them under MEDIA_URL (config/urls.py).
SERVE_MEDIA = True
# Sign in with Apple against a local key (apps/demo/apple_signer.py): this server publishes the key set at
# dev/apple/auth/keys and `manage.py apple_dev_token` signs tokens with it. Never in production.
DEV_APPLE_SIGNER = True
DEV_SERVER_URL = env.str("DEV_SERVER_URL", default="http://127.0.0.1:8000")
APPLE_CLIENT_IDS = env.list("APPLE_CLIENT_IDS", default=["com.obsexperiences.dev"])
APPLE_KEYS_URL = env.str("APPLE_KEYS_URL", default=f"{DEV_SERVER_URL}/dev/apple/auth/keys")
