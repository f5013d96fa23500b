"""One-time codes for phone numbers: a Redis store whose counters change atomically (Lua scripts).

Only an HMAC of each code is stored; the key of that HMAC never leaves the application. Per number and
purpose there is at most one live code, which dies after ``OTP_CODE_TTL_SECONDS``, after one successful
use, or after ``OTP_MAX_ATTEMPTS`` verification attempts. Sends are limited by a cooldown per number, a
sliding hourly cap per number and a sliding hourly cap per client IP.

The store talks to Redis through its own client (``OTP_REDIS_URL``, default ``REDIS_URL``), not through
the Django cache, so an unreachable Redis is an error (503) rather than a silent cache miss or a code kept by
one process only; after a failure it answers 503 without trying Redis for ``REDIS_RETRY_SECONDS``. Without
any Redis configured (``make run`` on a bare machine) an in-process store with the same rules is used.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Any, Protocol

import redis
from django.conf import settings
from django.utils.crypto import salted_hmac

from apps.common.backoff import Backoff
from apps.users.errors import OTPStoreUnavailable

logger = logging.getLogger(__name__)

CODE_DIGITS = 6


class SendStatus(Enum):
    SENT = 0
    COOLDOWN = 1
    NUMBER_LIMIT = 2
    IP_LIMIT = 3


class AttemptStatus(Enum):
    NO_CODE = 0  # never sent, expired or already used
    OPEN = 1  # an attempt was counted; compare the digest
    EXHAUSTED = 2  # the attempt cap was reached: the code is dead until it expires or a new one is sent


@dataclass(frozen=True)
class SendResult:
    status: SendStatus
    retry_after_ms: int = 0


@dataclass(frozen=True)
class Attempt:
    status: AttemptStatus
    digest: str = ""
    nonce: str = ""


@dataclass(frozen=True)
class Limits:
    code_ttl_ms: int
    cooldown_ms: int
    per_number: int
    per_ip: int
    window_ms: int
    max_attempts: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            code_ttl_ms=settings.OTP_CODE_TTL_SECONDS * 1000,
            cooldown_ms=settings.OTP_RESEND_COOLDOWN_SECONDS * 1000,
            per_number=settings.OTP_SENDS_PER_NUMBER_PER_HOUR,
            per_ip=settings.OTP_SENDS_PER_IP_PER_HOUR,
            window_ms=3600 * 1000,
            max_attempts=settings.OTP_MAX_ATTEMPTS,
        )


def generate_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_digest(*, purpose: str, phone: str, nonce: str, code: str) -> str:
    """HMAC-SHA256 of the code, bound to the purpose, number and this issue of the code. The salt keeps the
    module's former name, so codes already sent stay valid across the rename."""
    return salted_hmac("apps.users.otp", f"{purpose}|{phone}|{nonce}|{code}", algorithm="sha256").hexdigest()


def digests_match(expected: str, candidate: str) -> bool:
    return hmac.compare_digest(expected.encode(), candidate.encode())


class OTPStore(Protocol):
    def issue(self, *, purpose: str, phone: str, ip: str, digest: str, nonce: str, limits: Limits) -> SendResult: ...

    def begin_attempt(self, *, purpose: str, phone: str, limits: Limits) -> Attempt: ...

    def consume(self, *, purpose: str, phone: str, nonce: str) -> bool: ...


# --- Redis ----------------------------------------------------------------------------------------

_ISSUE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cooldown = redis.call('PTTL', KEYS[2])
if cooldown > 0 then return {1, cooldown} end
local window = tonumber(ARGV[6])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - window)
if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[5]) then
  local oldest = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
  return {2, tonumber(oldest[2]) + window - now}
end
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - window)
if redis.call('ZCARD', KEYS[4]) >= tonumber(ARGV[7]) then
  local oldest = redis.call('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')
  return {3, tonumber(oldest[2]) + window - now}
end
redis.call('ZADD', KEYS[3], now, ARGV[8])
redis.call('PEXPIRE', KEYS[3], window)
redis.call('ZADD', KEYS[4], now, ARGV[8])
redis.call('PEXPIRE', KEYS[4], window)
redis.call('SET', KEYS[2], '1', 'PX', ARGV[4])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'digest', ARGV[1], 'nonce', ARGV[2], 'attempts', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {0, 0}
"""

_BEGIN_ATTEMPT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, '', ''} end
local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
if attempts > tonumber(ARGV[1]) then
  -- dead: the digest goes, the counter stays (until the code would have expired) so it keeps saying so
  redis.call('HDEL', KEYS[1], 'digest', 'nonce')
  return {2, '', ''}
end
local fields = redis.call('HMGET', KEYS[1], 'digest', 'nonce')
return {1, fields[1], fields[2]}
"""

_CONSUME = """
if redis.call('HGET', KEYS[1], 'nonce') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
"""


class RedisOTPStore:
    def __init__(self, url: str, namespace: str) -> None:
        self.client: redis.Redis = redis.Redis.from_url(
            url, socket_timeout=1, socket_connect_timeout=settings.REDIS_CONNECT_TIMEOUT, health_check_interval=30
        )
        self.namespace = namespace
        self.backoff = Backoff()  # after a failure, answer 503 at once for REDIS_RETRY_SECONDS
        self._issue = self.client.register_script(_ISSUE)
        self._begin = self.client.register_script(_BEGIN_ATTEMPT)
        self._consume = self.client.register_script(_CONSUME)

    def key(self, *parts: str) -> str:
        return ":".join((self.namespace, *parts))

    def _run(self, script: Any, keys: list[str], args: list[Any]) -> Any:
        if self.backoff.active(settings.REDIS_RETRY_SECONDS):
            raise OTPStoreUnavailable()
        try:
            result = script(keys=keys, args=args)
        except redis.RedisError as exc:
            self.backoff.failure()
            logger.error("OTP store unreachable: %s", type(exc).__name__)
            raise OTPStoreUnavailable() from exc
        self.backoff.success()
        return result

    def issue(self, *, purpose: str, phone: str, ip: str, digest: str, nonce: str, limits: Limits) -> SendResult:
        keys = [
            self.key("code", purpose, phone),
            self.key("cooldown", phone),
            self.key("sends", phone),
            self.key("ip", ip),
        ]
        args = [
            digest,
            nonce,
            limits.code_ttl_ms,
            limits.cooldown_ms,
            limits.per_number,
            limits.window_ms,
            limits.per_ip,
            f"{time.time_ns()}-{secrets.token_hex(4)}",
        ]
        status, retry = self._run(self._issue, keys, args)
        return SendResult(SendStatus(int(status)), int(retry))

    def begin_attempt(self, *, purpose: str, phone: str, limits: Limits) -> Attempt:
        status, digest, nonce = self._run(self._begin, [self.key("code", purpose, phone)], [limits.max_attempts])
        return Attempt(AttemptStatus(int(status)), _text(digest), _text(nonce))

    def consume(self, *, purpose: str, phone: str, nonce: str) -> bool:
        return bool(self._run(self._consume, [self.key("code", purpose, phone)], [nonce]))


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value or "")


# --- in-process fallback (no Redis configured) ------------------------------------------------------


class LocalOTPStore:
    """The same rules in process memory, under one lock. For ``make run`` without Redis only."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._codes: dict[tuple[str, str], dict[str, Any]] = {}
        self._cooldowns: dict[str, float] = {}
        self._sends: dict[str, list[float]] = {}

    @staticmethod
    def _now_ms() -> float:
        return time.monotonic() * 1000

    def _window(self, key: str, now: float, window: int) -> list[float]:
        stamps = [stamp for stamp in self._sends.get(key, []) if stamp > now - window]
        self._sends[key] = stamps
        return stamps

    def issue(self, *, purpose: str, phone: str, ip: str, digest: str, nonce: str, limits: Limits) -> SendResult:
        with self._lock:
            now = self._now_ms()
            cooldown_until = self._cooldowns.get(phone, 0.0)
            if cooldown_until > now:
                return SendResult(SendStatus.COOLDOWN, int(cooldown_until - now))
            number_sends = self._window(f"n:{phone}", now, limits.window_ms)
            if len(number_sends) >= limits.per_number:
                return SendResult(SendStatus.NUMBER_LIMIT, int(number_sends[0] + limits.window_ms - now))
            ip_sends = self._window(f"ip:{ip}", now, limits.window_ms)
            if len(ip_sends) >= limits.per_ip:
                return SendResult(SendStatus.IP_LIMIT, int(ip_sends[0] + limits.window_ms - now))
            number_sends.append(now)
            ip_sends.append(now)
            self._cooldowns[phone] = now + limits.cooldown_ms
            self._codes[(purpose, phone)] = {
                "digest": digest,
                "nonce": nonce,
                "attempts": 0,
                "expires": now + limits.code_ttl_ms,
            }
            return SendResult(SendStatus.SENT)

    def begin_attempt(self, *, purpose: str, phone: str, limits: Limits) -> Attempt:
        with self._lock:
            entry = self._codes.get((purpose, phone))
            if entry is None or entry["expires"] <= self._now_ms():
                self._codes.pop((purpose, phone), None)
                return Attempt(AttemptStatus.NO_CODE)
            entry["attempts"] += 1
            if entry["attempts"] > limits.max_attempts:
                entry["digest"] = entry["nonce"] = ""
                return Attempt(AttemptStatus.EXHAUSTED)
            return Attempt(AttemptStatus.OPEN, entry["digest"], entry["nonce"])

    def consume(self, *, purpose: str, phone: str, nonce: str) -> bool:
        with self._lock:
            entry = self._codes.get((purpose, phone))
            if entry is None or not nonce or entry["nonce"] != nonce:
                return False
            del self._codes[(purpose, phone)]
            return True


def store_namespace() -> str:
    """Keys live under the cache key prefix (per process in tests), then ``otp``."""
    prefix = str(settings.CACHES["default"].get("KEY_PREFIX") or "obs")
    return f"{prefix}:otp"


@lru_cache(maxsize=4)
def _store_for(url: str | None, namespace: str) -> OTPStore:
    if url:
        return RedisOTPStore(url, namespace)
    logger.warning("OTP_REDIS_URL/REDIS_URL not set: one-time codes are kept in process memory (development only)")
    return LocalOTPStore()


def get_store() -> OTPStore:
    return _store_for(settings.OTP_REDIS_URL, store_namespace())


def reset_store() -> None:
    """Forget the cached store (tests that change ``OTP_REDIS_URL``)."""
    _store_for.cache_clear()
