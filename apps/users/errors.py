"""Domain errors of accounts: sign-in, tokens, e-mail and phone codes, Google and Apple, profiles and points.

Each error is a class with one ``code`` and one ``status_code`` (see ``apps.common.exceptions``); raise sites
name the class and never pass a code. A reused points idempotency key is ``apps.common.exceptions``'s
``IdempotencyKeyReused`` (422), the one class for that code across the API.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

from apps.common.exceptions import ApplicationError, Conflict, RateLimited, ServiceUnavailable

# --- Sign-in and tokens ---------------------------------------------------------------------------------


class InvalidCredentials(ApplicationError):
    status_code = 401
    code = "invalid_credentials"
    message = gettext_noop("E-mail or password is incorrect.")


class SignInLocked(RateLimited):
    code = "login_locked"


class InvalidRefreshToken(ApplicationError):
    status_code = 401
    code = "token_not_valid"
    message = gettext_noop("The refresh token is invalid, expired or already used.")


class AccountDisabled(ApplicationError):
    status_code = 403
    code = "account_disabled"
    message = gettext_noop("This account is disabled.")


class ReauthenticationFailed(ApplicationError):
    status_code = 403
    code = "reauthentication_failed"
    message = gettext_noop("The password, code or Google or Apple sign-in does not confirm this account.")


# --- Google sign-in -----------------------------------------------------------------------------------------


class GoogleTokenInvalid(ApplicationError):
    status_code = 401
    code = "google_token_invalid"
    message = gettext_noop("The Google sign-in token is invalid or expired.")


class GoogleEmailUnverified(ApplicationError):
    status_code = 401
    code = "google_email_unverified"
    message = gettext_noop("Google has not verified this e-mail address.")


class GoogleNotConfigured(ServiceUnavailable):
    code = "google_not_configured"
    message = gettext_noop("Google sign-in is not available.")


class GoogleUnavailable(ServiceUnavailable):
    code = "google_unavailable"
    message = gettext_noop("Google could not be reached. Try again shortly.")


class GoogleAccountConflict(Conflict):
    code = "google_account_conflict"
    message = gettext_noop("This account is already linked to another Google account.")


# --- Sign in with Apple ------------------------------------------------------------------------------------


class AppleTokenInvalid(ApplicationError):
    status_code = 401
    code = "apple_token_invalid"
    message = gettext_noop("The Apple identity token is invalid or expired.")


class AppleNonceMismatch(ApplicationError):
    status_code = 401
    code = "apple_nonce_mismatch"
    message = gettext_noop(
        "The nonce does not match the Apple identity token: send the raw nonce whose SHA-256 the app gave Apple."
    )


class AppleEmailUnverified(ApplicationError):
    status_code = 401
    code = "apple_email_unverified"
    message = gettext_noop("Apple has not verified this e-mail address.")


class AppleNotConfigured(ServiceUnavailable):
    code = "apple_not_configured"
    message = gettext_noop("Sign in with Apple is not available.")


class AppleUnavailable(ServiceUnavailable):
    code = "apple_unavailable"
    message = gettext_noop("Apple could not be reached. Try again shortly.")


class AppleAccountConflict(Conflict):
    code = "apple_account_conflict"
    message = gettext_noop("This account is already linked to another Apple ID.")


# --- E-mail links -------------------------------------------------------------------------------------------


class VerificationLinkInvalid(ApplicationError):
    status_code = 400
    code = "verification_link_invalid"
    message = gettext_noop("This verification link is invalid or has already been used.")


class VerificationLinkExpired(VerificationLinkInvalid):
    code = "verification_link_expired"
    message = gettext_noop("This verification link has expired. Ask for a new one.")


class ResetLinkInvalid(ApplicationError):
    status_code = 400
    code = "reset_link_invalid"
    message = gettext_noop("This password reset link is invalid, expired or already used.")


class EmailTaken(Conflict):
    code = "email_taken"
    message = gettext_noop("An account with this e-mail already exists.")


# --- Phone codes (OTP) -----------------------------------------------------------------------------------


class OTPInvalid(ApplicationError):
    status_code = 400
    code = "otp_invalid"
    message = gettext_noop("The code is wrong or has expired.")


class OTPAttemptsExceeded(ApplicationError):
    status_code = 400
    code = "otp_attempts_exceeded"
    message = gettext_noop("Too many wrong codes. Request a new code.")


class OTPCooldown(RateLimited):
    code = "otp_cooldown"
    message = gettext_noop("Wait a moment before asking for another code.")


class OTPNumberLimit(RateLimited):
    code = "otp_number_limit"
    message = gettext_noop("Too many codes for this number. Try again later.")


class OTPIPLimit(RateLimited):
    code = "otp_ip_limit"
    message = gettext_noop("Too many codes requested. Try again later.")


class OTPStoreUnavailable(ServiceUnavailable):
    code = "otp_unavailable"
    message = gettext_noop("Verification codes are temporarily unavailable. Try again shortly.")


# --- Profile, contacts, roles -----------------------------------------------------------------------------


class TribeHandleTaken(Conflict):
    code = "tribe_handle_taken"
    message = gettext_noop("This tribe handle is taken.")


class PhoneTaken(Conflict):
    code = "phone_taken"
    message = gettext_noop("This number belongs to another account.")


class TooManyEmergencyContacts(Conflict):
    code = "emergency_contacts_limit"
    message = gettext_noop("At most 5 emergency contacts.")  # EmergencyContact.MAX_PER_USER (test_language.py)


class OwnRoleChange(Conflict):
    code = "own_role"
    message = gettext_noop("You cannot change your own role.")


class CustomerExists(Conflict):
    """Staff opening a customer account for a phone number or e-mail address that already has one: book on that
    account instead (``details.customer_id``)."""

    code = "customer_exists"
    message = gettext_noop("A customer with this phone number or e-mail address exists.")
