"""Celery: the broker, how tasks are acknowledged and retried, and the schedule of periodic jobs."""

from __future__ import annotations

from typing import Any

from celery.schedules import crontab

from config.settings.parts.core import REDIS_URL
from config.settings.parts.environment import env

# --- Celery -------------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None  # no broker configured: run tasks in-process
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=120)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=100)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A task taken by a worker that dies is handed out again after this many seconds.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=300),
    "socket_connect_timeout": 2,
    # A broker that accepts connections but does not answer (hung, failed over) must not hold a request or a
    # worker forever; above the worker's 1 s BRPOP wait.
    "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=5.0),
    # Publishing gives up at the first refused connection instead of retrying for seconds: tasks are sent
    # after commit from inside requests (an SOS among them), and the sweepers send whatever was not sent.
    "max_retries": env.int("CELERY_PUBLISH_CONNECT_RETRIES", default=0),
    # Workers look for tasks left unacknowledged by a lost worker this often (one small Redis read each time).
    "unacked_restore_interval": env.int("CELERY_LOST_TASK_SCAN_SECONDS", default=30),
    "unacked_restore_throttle": 1,
    # Prefix of every broker key (queues, unacknowledged index and its lock): lets two deployments share one
    # Redis database. Every process of one deployment must use the same value.
    "global_keyprefix": env.str("CELERY_BROKER_KEY_PREFIX", default=""),
}
# After a failed enqueue, skip enqueueing in this process for this long (the sweepers catch up).
CELERY_ENQUEUE_BACKOFF_SECONDS = env.float("CELERY_ENQUEUE_BACKOFF_SECONDS", default=5.0)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# beat writes its schedule file after every task it sends (the heartbeat: every minute), so the file's age
# tells a health check that beat is alive (deploy/healthcheck.py beat).
CELERY_BEAT_SYNC_EVERY = 1
CELERY_TIMEZONE = "Asia/Kolkata"
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")
# The one schedule of periodic jobs (times are Asia/Kolkata). Each app's jobs are listed here.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "worker-heartbeat": {"task": "common.heartbeat", "schedule": 60.0},
    "treks-sync-batch-statuses": {"task": "treks.sync_batch_statuses", "schedule": crontab(minute=5)},
    "notifications-sweep": {"task": "notifications.sweep", "schedule": 60.0},
    "emergency-escalate": {"task": "emergency.escalate", "schedule": 60.0},
    "emergency-overdue-check-ins": {"task": "emergency.overdue_check_ins", "schedule": 60.0},
    "emergency-missed-camp-check-ins": {"task": "emergency.missed_camp_check_ins", "schedule": 300.0},
    "bookings-expire-holds": {"task": "bookings.expire_holds", "schedule": 60.0},
    "bookings-reconcile-payments": {"task": "bookings.reconcile_payments", "schedule": 300.0},
    "bookings-sweep-pending": {"task": "bookings.sweep_pending", "schedule": 300.0},
    "bookings-complete-finished": {"task": "bookings.complete_finished", "schedule": crontab(minute=20)},
    "bookings-pretrek-reminders": {"task": "bookings.pretrek_reminders", "schedule": crontab(hour=9, minute=0)},
    "bookings-hold-expiry-reminders": {"task": "bookings.hold_expiry_reminders", "schedule": 60.0},
    "bookings-trek-credit-daily": {"task": "bookings.trek_credit_daily", "schedule": crontab(hour=8, minute=30)},
    "bookings-balance-reminders": {"task": "bookings.balance_reminders", "schedule": crontab(hour=10, minute=0)},
    "bookings-balances-overdue": {"task": "bookings.balances_overdue", "schedule": crontab(hour=0, minute=30)},
}
