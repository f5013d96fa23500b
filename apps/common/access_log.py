"""gunicorn's access log through the application's logging: JSON in production, redacted, with the request id.

``deploy/gunicorn.conf.py`` sets ``logger_class`` to :class:`AccessLogger` and ``logconfig_dict`` to
:func:`gunicorn_logging_config`, so gunicorn's own lines and its access lines go to the same handler as the
application's (``apps.common.logging``).
"""

from __future__ import annotations

import datetime
from typing import Any

from gunicorn.glogging import Logger

from apps.common.logging import logging_config, redact

ACCESS_LOG_FORMAT = '%(h)s "%(m)s %(U)s%(q)s %(H)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s" %({x-request-id}o)s'


def gunicorn_logging_config(*, level: str, fmt: str, access: bool = True) -> dict[str, Any]:
    """The application's logging config, with gunicorn's loggers sent to its handler (``access=False``: no
    access lines)."""
    return logging_config(
        level=level,
        fmt=fmt,
        extra_loggers={
            "gunicorn.error": {"level": level, "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "INFO" if access else "CRITICAL", "handlers": [], "propagate": access},
        },
    )


class AccessLogger(Logger):
    """One access record per request: the request id as a field, query strings and referers redacted.

    Query strings are run through :func:`apps.common.logging.redact`, so document-download links
    (``?token=...``), signed URLs and codes never reach the log; the rest of the query is kept for debugging.
    """

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: datetime.timedelta) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        query = environ.get("QUERY_STRING") or ""
        atoms["q"] = "?" + redact(query) if query else ""
        atoms["r"] = f"{atoms['m']} {atoms['U']}{atoms['q']} {atoms['H']}"
        atoms["f"] = redact(str(atoms.get("f") or "-"))
        return atoms

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: datetime.timedelta) -> None:
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        safe = self.atoms_wrapper_class(atoms)
        self.access_log.info(
            self.cfg.access_log_format,
            safe,
            extra={
                "request_id": safe["{x-request-id}o"],
                "method": atoms["m"],
                "path": atoms["U"],
                "status": atoms["s"],
                "duration_ms": atoms["M"],
                "remote_addr": atoms["h"],
            },
        )
