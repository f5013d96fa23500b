"""A language (en, hi) on the account and on each emergency contact: set at sign-up from Accept-Language,
editable; API error messages answered in the request's language, codes unchanged."""

from __future__ import annotations

from typing import Any

import pytest

from apps.common.i18n import request_language, supported_language
from apps.users.models import EmergencyContact, User
from apps.users.tests.conftest import GoogleKeys, Outbox

pytestmark = pytest.mark.django_db

HINDI = {"HTTP_ACCEPT_LANGUAGE": "hi-IN,hi;q=0.9,en;q=0.8"}


@pytest.mark.parametrize(
    ("header", "language"),
    [("hi", "hi"), ("hi-IN,en;q=0.5", "hi"), ("en-GB,hi;q=0.4", "en"), ("fr-FR", "en"), ("", "en"), ("*", "en")],
)
def test_the_request_language_is_en_or_hi(rf: Any, header: str, language: str) -> None:
    assert request_language(rf.get("/", HTTP_ACCEPT_LANGUAGE=header)) == language


def test_the_contact_limit_message_names_the_limit() -> None:
    from apps.users.errors import TooManyEmergencyContacts

    assert f"At most {EmergencyContact.MAX_PER_USER} " in TooManyEmergencyContacts.message


def test_supported_language_normalises_codes() -> None:
    assert [supported_language(c) for c in ("hi_IN", "HI", "en-in", None, "mr")] == ["hi", "hi", "en", "en", "en"]


def test_password_sign_up_takes_the_request_language_and_mails_in_it(api_client: Any, sent: Outbox) -> None:
    body = {"email": "asha@example.com", "password": "a-long-Pass-phrase-42"}
    response = api_client.post("/api/v1/auth/register/", body, format="json", **HINDI)
    assert response.status_code == 201, response.json()
    assert response.json()["user"]["language"] == "hi"
    assert User.objects.get(email="asha@example.com").language == "hi"
    (verification,) = sent.of("email_verification")
    assert verification["language"] == "hi"


def test_sign_up_without_a_header_is_english(api_client: Any) -> None:
    body = {"email": "ravi@example.com", "password": "a-long-Pass-phrase-42"}
    assert api_client.post("/api/v1/auth/register/", body, format="json").json()["user"]["language"] == "en"


def test_google_sign_up_takes_the_request_language_and_a_later_sign_in_keeps_it(
    google: GoogleKeys, api_client: Any
) -> None:
    first = api_client.post("/api/v1/auth/google/", {"id_token": google.sign()}, format="json", **HINDI)
    assert first.json()["is_new_user"] is True
    assert first.json()["user"]["language"] == "hi"
    again = api_client.post(
        "/api/v1/auth/google/", {"id_token": google.sign()}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert again.json()["user"]["language"] == "hi"  # a sign-in does not change the account's language


def test_phone_sign_up_texts_the_code_and_creates_the_account_in_the_request_language(
    api_client: Any, sent: Outbox
) -> None:
    assert api_client.post("/api/v1/auth/otp/send/", {"phone": "+919812345678"}, format="json", **HINDI).status_code
    (otp,) = sent.of("otp")
    assert otp["language"] == "hi"
    response = api_client.post(
        "/api/v1/auth/otp/verify/", {"phone": "+919812345678", "code": sent.last_code()}, format="json", **HINDI
    )
    assert response.status_code == 200, response.json()
    assert response.json()["user"]["language"] == "hi"


def test_a_code_to_a_known_number_is_in_its_holders_language(api_client: Any, sent: Outbox, make_user: Any) -> None:
    make_user(phone="+919812345678", language="en")
    api_client.post("/api/v1/auth/otp/send/", {"phone": "+919812345678"}, format="json", **HINDI)
    assert sent.of("otp")[-1]["language"] == "en"


def test_the_language_is_editable_on_the_profile(auth_client: Any, user: User) -> None:
    response = auth_client.patch("/api/v1/users/me/", {"language": "hi"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["language"] == "hi"
    user.refresh_from_db()
    assert user.language == "hi"
    refused = auth_client.patch("/api/v1/users/me/", {"language": "fr"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "validation_error"
    assert "language" in refused.json()["error"]["details"]


def test_a_contacts_language_defaults_to_the_trekkers_and_is_editable(auth_client: Any, user: User) -> None:
    user.language = "hi"
    user.save(update_fields=["language"])
    url = "/api/v1/users/me/emergency-contacts/"
    created = auth_client.post(url, {"name": "Maa", "relationship": "mother", "phone": "+919822222222"}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["language"] == "hi"
    other = auth_client.post(
        url, {"name": "Ravi", "relationship": "friend", "phone": "+919833333333", "language": "en"}, format="json"
    )
    assert other.json()["language"] == "en"
    changed = auth_client.patch(f"{url}{created.json()['id']}/", {"language": "en"}, format="json")
    assert changed.status_code == 200, changed.json()
    assert EmergencyContact.objects.get(pk=created.json()["id"]).language == "en"
    assert auth_client.patch(f"{url}{other.json()['id']}/", {"language": "xx"}, format="json").status_code == 400


def test_error_messages_follow_accept_language_and_codes_do_not(api_client: Any) -> None:
    body = {"email": "nobody@example.com", "password": "wrong-password-1"}
    english = api_client.post("/api/v1/auth/login/", body, format="json").json()["error"]
    hindi = api_client.post("/api/v1/auth/login/", body, format="json", **HINDI).json()["error"]
    assert english["code"] == hindi["code"] == "invalid_credentials"
    assert english["message"] == "E-mail or password is incorrect."
    assert hindi["message"] == "ई-मेल या पासवर्ड ग़लत है।"
    missing = api_client.get("/api/v1/no-such-thing/", **HINDI).json()["error"]
    assert (missing["code"], missing["message"]) == ("not_found", "नहीं मिला।")


def test_a_formatted_message_is_translated_with_its_number(api_client: Any, sent: Outbox) -> None:
    api_client.post("/api/v1/auth/otp/send/", {"phone": "+919812345679"}, format="json")
    again = api_client.post("/api/v1/auth/otp/send/", {"phone": "+919812345679"}, format="json", **HINDI)
    assert again.status_code == 429
    error = again.json()["error"]
    assert error["code"] == "otp_cooldown"
    assert error["message"].startswith("दूसरा कोड मँगवाने से पहले ")
    assert error["message"].endswith(" सेकंड रुकें।")
