"""Settings shared by every environment.

Everything configurable is read from the environment (see the table in README.md). With no
configuration at all the service runs on an embedded default: SQLite in ``var/``, a local-memory
cache, Celery tasks executed in-process and console e-mail/SMS.

The settings themselves live in ``config/settings/parts/``, one module per concern; this module gathers
them (each part imports what it builds on, so their order here does not matter) and stays the module the
environments import.
"""

from config.settings.parts.api import *  # noqa: F403  each part is a module of settings, gathered here
from config.settings.parts.backoffice import *  # noqa: F403  each part is a module of settings, gathered here
from config.settings.parts.core import *  # noqa: F403  each part is a module of settings, gathered here
from config.settings.parts.environment import *  # noqa: F403  each part is a module of settings, gathered here
from config.settings.parts.environment import BASE_DIR, VAR_DIR, env  # noqa: F401  named for dev.py, prod.py, test.py
from config.settings.parts.observability import *  # noqa: F403  each part is a module of settings, gathered here
from config.settings.parts.product import *  # noqa: F403  each part is a module of settings, gathered here
from config.settings.parts.realtime import *  # noqa: F403  each part is a module of settings, gathered here
from config.settings.parts.tasks import *  # noqa: F403  each part is a module of settings, gathered here
