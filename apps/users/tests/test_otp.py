"""Phone OTP: codes from secrets, only an HMAC in Redis, TTL, single use, attempt cap, send limits, 503."""

from __future__ import annotations

import time
from functools import partial
from typing import Any

import pytest

from apps.common.exceptions import ApplicationError
from apps.common.tests.race import Race
from apps.users import otp_store
from apps.users.models import User
from apps.users.otp_store import RedisOTPStore
from apps.users.services import PURPOSE_SIGN_IN, otp_check
from apps.users.tests.conftest import Outbox

pytestmark = pytest.mark.django_db

SEND = "/api/v1/auth/otp/send/"
VERIFY = "/api/v1/auth/otp/verify/"
NUMBER = "+919812345678"


def _send(client: Any, phone: str = "98123 45678", **extra: Any) -> Any:
    return client.post(SEND, {"phone": phone}, format="json", **extra)


def _verify(client: Any, code: str, phone: str = NUMBER) -> Any:
    return client.post(VERIFY, {"phone": phone, "code": code}, format="json")


def _end_cooldown(store: RedisOTPStore, phone: str = NUMBER) -> None:
    store.client.delete(store.key("cooldown", phone))


def test_send_normalises_to_e164_and_texts_a_six_digit_code(api_client: Any, sent: Outbox) -> None:
    response = _send(api_client, "098123-45678")
    assert response.status_code == 202
    assert response.json()["expires_in"] == 300
    assert response.json()["resend_after"] == 30
    (message,) = sent.of("otp")
    assert message["phone"] == NUMBER
    assert message["category"] == "security"
    assert message["sensitive"] is True
    assert message["channels"] == ["sms"]
    assert len(message["context"]["code"]) == 6
    assert message["context"]["code"].isdigit()


def test_codes_come_from_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    picked: list[int] = []

    def _randbelow(n: int) -> int:
        picked.append(n)
        return 42

    monkeypatch.setattr(otp_store.secrets, "randbelow", _randbelow)
    assert otp_store.generate_code() == "000042"
    assert picked == [10**6]


@pytest.mark.parametrize("phone", ["12345", "+91 12345 67890", "not a number", "+1 202 555 01", ""])
def test_invalid_numbers_are_400(api_client: Any, phone: str, sent: Outbox) -> None:
    response = _send(api_client, phone)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert not sent


def test_known_and_unknown_numbers_get_identical_answers(api_client: Any, make_user: Any) -> None:
    make_user(phone=NUMBER, phone_verified=True)
    known = _send(api_client, NUMBER)
    unknown = _send(api_client, "+919812345679")
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()


def test_redis_holds_only_an_hmac_of_the_code(api_client: Any, sent: Outbox, redis_store: RedisOTPStore) -> None:
    _send(api_client)
    code = sent.last_code()
    keys = list(redis_store.client.scan_iter(match=f"{redis_store.namespace}:*"))
    assert keys
    dumped = b""
    for key in keys:
        kind = redis_store.client.type(key)
        if kind == b"hash":
            dumped += b"".join(k + b"=" + v for k, v in redis_store.client.hgetall(key).items())
        elif kind == b"zset":
            dumped += b"".join(member for member in redis_store.client.zrange(key, 0, -1))
        else:
            dumped += redis_store.client.get(key) or b""
        dumped += key
    assert code.encode() not in dumped
    stored = redis_store.client.hgetall(redis_store.key("code", PURPOSE_SIGN_IN, NUMBER))
    assert len(stored[b"digest"]) == 64  # hex SHA-256


def test_code_lives_five_minutes(api_client: Any, redis_store: RedisOTPStore) -> None:
    _send(api_client)
    ttl = redis_store.client.pttl(redis_store.key("code", PURPOSE_SIGN_IN, NUMBER))
    assert 299_000 < ttl <= 300_000


def test_verify_creates_a_phone_only_account(api_client: Any, sent: Outbox) -> None:
    _send(api_client)
    response = _verify(api_client, sent.last_code())
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["is_new_user"] is True
    assert body["access"]
    user = User.objects.get(phone=NUMBER)
    assert user.email is None, "no fabricated e-mail address"
    assert user.phone_verified
    assert not user.has_usable_password()


def test_verify_signs_in_the_existing_account(api_client: Any, sent: Outbox, make_user: Any) -> None:
    owner = make_user(phone=NUMBER, phone_verified=True)
    _send(api_client)
    body = _verify(api_client, sent.last_code()).json()
    assert body["is_new_user"] is False
    assert body["user"]["id"] == str(owner.pk)


def test_unverified_phone_account_is_taken_over(api_client: Any, sent: Outbox, make_user: Any) -> None:
    squatter = make_user(phone=NUMBER, phone_verified=False, email_verified=False)
    _send(api_client)
    body = _verify(api_client, sent.last_code()).json()
    squatter.refresh_from_db()
    assert body["user"]["id"] == str(squatter.pk)
    assert squatter.phone_verified
    assert not squatter.has_usable_password()


def test_unverified_phone_on_an_email_verified_account_is_released(
    api_client: Any, sent: Outbox, make_user: Any
) -> None:
    other = make_user(phone=NUMBER, phone_verified=False, email_verified=True)
    _send(api_client)
    body = _verify(api_client, sent.last_code()).json()
    other.refresh_from_db()
    assert body["user"]["id"] != str(other.pk)
    assert body["is_new_user"] is True
    assert other.phone is None
    assert other.has_usable_password()


def test_disabled_account_is_refused(api_client: Any, sent: Outbox, make_user: Any) -> None:
    make_user(phone=NUMBER, phone_verified=True, is_active=False)
    _send(api_client)
    response = _verify(api_client, sent.last_code())
    assert response.status_code == 403


def test_code_is_single_use(api_client: Any, sent: Outbox) -> None:
    _send(api_client)
    code = sent.last_code()
    assert _verify(api_client, code).status_code == 200
    again = _verify(api_client, code)
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "otp_invalid"


def test_expired_code_is_refused(api_client: Any, sent: Outbox, settings: Any) -> None:
    settings.OTP_CODE_TTL_SECONDS = 1  # Redis expires the code; the test waits it out
    _send(api_client)
    time.sleep(1.2)
    response = _verify(api_client, sent.last_code())
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "otp_invalid"


def test_a_resent_code_replaces_the_previous_one(api_client: Any, sent: Outbox, redis_store: RedisOTPStore) -> None:
    _send(api_client)
    first = sent.last_code()
    _end_cooldown(redis_store)
    _send(api_client)
    second = sent.last_code()
    if first != second:
        assert _verify(api_client, first).status_code == 400
    assert _verify(api_client, second).status_code == 200


def test_code_for_another_number_does_not_work(api_client: Any, sent: Outbox) -> None:
    _send(api_client)
    assert _verify(api_client, sent.last_code(), phone="+919812345679").status_code == 400


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", ""])
def test_malformed_codes(api_client: Any, sent: Outbox, code: str) -> None:
    _send(api_client)
    assert _verify(api_client, code).status_code == 400


def test_five_wrong_attempts_kill_the_code(api_client: Any, sent: Outbox) -> None:
    _send(api_client)
    code = sent.last_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        assert _verify(api_client, wrong).json()["error"]["code"] == "otp_invalid"
    response = _verify(api_client, code)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "otp_attempts_exceeded"
    assert _verify(api_client, code).json()["error"]["code"] == "otp_attempts_exceeded"  # dead for good


def test_correct_code_on_the_fifth_attempt_still_works(api_client: Any, sent: Outbox) -> None:
    _send(api_client)
    code = sent.last_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(4):
        _verify(api_client, wrong)
    assert _verify(api_client, code).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_attempt_cap_holds_under_50_concurrent_wrong_guesses(api_client: Any, sent: Outbox, race: Race) -> None:
    _send(api_client)
    code = sent.last_code()
    wrong = [f"{(int(code) + i) % 10**6:06d}" for i in range(1, 51)]
    guesses = (partial(otp_check, phone=NUMBER, code=candidate, purpose=PURPOSE_SIGN_IN) for candidate in wrong)
    outcomes = race(*guesses, catch=ApplicationError).codes(ok="accepted")

    assert len(outcomes) == 50
    assert outcomes.count("otp_invalid") == 5, "exactly five guesses may be compared"
    assert outcomes.count("otp_attempts_exceeded") == 45
    with pytest.raises(ApplicationError) as excinfo:  # and the real code is dead too
        otp_check(phone=NUMBER, code=code, purpose=PURPOSE_SIGN_IN)
    assert excinfo.value.code == "otp_attempts_exceeded"


def test_resend_cooldown_is_30_seconds(api_client: Any, sent: Outbox) -> None:
    assert _send(api_client).status_code == 202
    response = _send(api_client)
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "otp_cooldown"
    assert 1 <= int(response["Retry-After"]) <= 30
    assert len(sent) == 1


def test_at_most_five_sends_per_number_per_hour(api_client: Any, sent: Outbox, redis_store: RedisOTPStore) -> None:
    for _ in range(5):
        assert _send(api_client).status_code == 202
        _end_cooldown(redis_store)
    response = _send(api_client)
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "otp_number_limit"
    assert 3500 <= int(response["Retry-After"]) <= 3600
    assert len(sent) == 5


def test_per_ip_cap(api_client: Any, sent: Outbox, settings: Any) -> None:
    settings.OTP_SENDS_PER_IP_PER_HOUR = 3
    for suffix in range(3):
        assert _send(api_client, f"+91981234560{suffix}").status_code == 202
    response = _send(api_client, "+919812345609")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "otp_ip_limit"
    assert int(response["Retry-After"]) > 3500
    spoofed = _send(api_client, "+919812345609", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert spoofed.status_code == 429, "a client cannot pick its own address"
    other_ip = _send(api_client, "+919812345609", REMOTE_ADDR="10.1.2.3")
    assert other_ip.status_code == 202


@pytest.mark.django_db(transaction=True)
def test_concurrent_sends_to_one_number_send_one_code(sent: Outbox, race: Race) -> None:
    from apps.users.services import otp_send

    sends = (partial(otp_send, phone=NUMBER, purpose=PURPOSE_SIGN_IN, ip="10.0.0.1") for _ in range(10))
    results = race(*sends, catch=ApplicationError).codes(ok="sent")
    assert results.count("sent") == 1
    assert results.count("otp_cooldown") == 9
    assert len(sent) == 1


def test_redis_unreachable_is_a_503_envelope(api_client: Any, settings: Any, sent: Outbox) -> None:
    settings.OTP_REDIS_URL = "redis://127.0.0.1:1/0"
    otp_store.reset_store()
    for response in (_send(api_client), _verify(api_client, "123456")):
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "otp_unavailable"
    assert not sent


def test_a_silent_redis_is_waited_on_once_per_retry_window(api_client: Any, settings: Any, sent: Outbox) -> None:
    from apps.common.tests.redis_doubles import silent_redis

    with silent_redis() as server:
        settings.OTP_REDIS_URL = server.url
        settings.REDIS_CONNECT_TIMEOUT = 0.2
        otp_store.reset_store()
        first = _send(api_client)
        tried = server.connections
        later = [_send(api_client, f"+91981234570{i}") for i in range(5)]
        otp_store.reset_store()
    assert {r.status_code for r in [first, *later]} == {503}
    assert {r.json()["error"]["code"] for r in [first, *later]} == {"otp_unavailable"}
    assert tried >= 1
    assert server.connections == tried  # the later requests did not wait on Redis
    assert not sent


def test_throttle_scopes_apply(api_client: Any, settings: Any) -> None:
    from apps.common.throttles import OTPSendThrottle

    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    for scope in ("login", "register", "password_reset", "otp_send", "otp_verify", "google_login"):
        assert rates[scope]
    OTPSendThrottle.THROTTLE_RATES = {**rates, "otp_send": "2/hour"}
    try:
        codes = [_send(api_client, f"+91981234561{i}").status_code for i in range(3)]
    finally:
        OTPSendThrottle.THROTTLE_RATES = rates
    assert codes == [202, 202, 429]


class TestLocalStore:
    """The in-process store used by ``make run`` without Redis follows the same rules."""

    @pytest.fixture(autouse=True)
    def _local(self, settings: Any) -> None:
        settings.OTP_REDIS_URL = None
        otp_store.reset_store()
        assert isinstance(otp_store.get_store(), otp_store.LocalOTPStore)

    def test_sign_in_flow(self, api_client: Any, sent: Outbox) -> None:
        assert _send(api_client).status_code == 202
        assert _send(api_client).status_code == 429
        code = sent.last_code()
        assert _verify(api_client, code).status_code == 200
        assert _verify(api_client, code).status_code == 400

    def test_attempt_cap_and_limits(self, api_client: Any, sent: Outbox, settings: Any) -> None:
        settings.OTP_RESEND_COOLDOWN_SECONDS = 0
        settings.OTP_SENDS_PER_IP_PER_HOUR = 6
        _send(api_client)
        code = sent.last_code()
        wrong = f"{(int(code) + 1) % 10**6:06d}"
        results = [_verify(api_client, wrong).json()["error"]["code"] for _ in range(6)]
        assert results == ["otp_invalid"] * 5 + ["otp_attempts_exceeded"]
        assert _verify(api_client, code).json()["error"]["code"] == "otp_attempts_exceeded"
        for _ in range(4):
            assert _send(api_client).status_code == 202
        assert _send(api_client).json()["error"]["code"] == "otp_number_limit"
        assert _send(api_client, "+919812345670").status_code == 202
        assert _send(api_client, "+919812345671").json()["error"]["code"] == "otp_ip_limit"
