"""Local development: `make run`. Works with no configuration at all."""

from .base import *  # noqa: F403  the shared settings, then the development overrides
from .base import INSTALLED_APPS, env

DEBUG = env.bool("DEBUG", default=True)
INSTALLED_APPS = [*INSTALLED_APPS, "apps.demo"]  # seed_demo and print_urls (`make run`); never in production
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["*"])
CORS_ALLOW_ALL_ORIGINS = env.bool("CORS_ALLOW_ALL_ORIGINS", default=True)
# Uploaded media stay on local disk (no bucket) and this process serves them under MEDIA_URL (config/urls.py).
SERVE_MEDIA = True
