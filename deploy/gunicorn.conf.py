"""gunicorn settings for production. Override with GUNICORN_* environment variables.

Logging: gunicorn's own lines and one access line per request go through the application's logging config
(apps/common/logging.py): JSON by default (LOG_FORMAT=text for plain lines), redacted (query-string tokens of
download links and signed URLs never reach the log), with the request id the app echoes in X-Request-ID.

Metrics: the web workers share their Prometheus metrics through PROMETHEUS_MULTIPROC_DIR (a fresh temporary
directory unless set), so /metrics answers the same totals whichever worker serves the scrape.
"""

import multiprocessing
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project, for the logging classes

from apps.common.access_log import ACCESS_LOG_FORMAT, gunicorn_logging_config

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
limit_request_line = 8190

loglevel = os.environ.get("LOG_LEVEL", "INFO").lower()
logger_class = "apps.common.access_log.AccessLogger"
logconfig_dict = gunicorn_logging_config(
    level=loglevel.upper(),
    fmt=os.environ.get("LOG_FORMAT", "json"),
    access=os.environ.get("GUNICORN_ACCESSLOG", "on").lower() not in {"off", "0", "false"},
)
access_log_format = ACCESS_LOG_FORMAT
errorlog = "-"

# Prometheus multiprocess mode: each worker writes its metrics to files in this directory.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="obs-prometheus-")
_metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"]


def on_starting(server):
    """Start with no metrics left over from a previous run."""
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    os.makedirs(_metrics_dir, exist_ok=True)


def child_exit(server, worker):
    """Forget a dead worker's live gauges (its counters stay in the totals)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
