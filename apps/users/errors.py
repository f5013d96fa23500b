"""Domain errors of accounts: sign-in, tokens, e-mail and phone codes, Google, profiles and points.

Each error is a class with one ``code`` and one ``status_code`` (see ``apps.common.exceptions``); raise sites
name the class and never pass a code. A reused points idempotency key is ``apps.common.exceptions``'s
``IdempotencyKeyReused`` (422), the one class for that code across the API.
"""

from __future__ import annotations

from apps.common.exceptions import ApplicationError, Conflict, RateLimited, ServiceUnavailable
from apps.users.models import EmergencyContact

# --- Sign-in and tokens ---------------------------------------------------------------------------------


class InvalidCredentials(ApplicationError):
    status_code = 401
    code = "invalid_credentials"
    message = "E-mail or password is incorrect."


class SignInLocked(RateLimited):
    code = "login_locked"


class InvalidRefreshToken(ApplicationError):
    status_code = 401
    code = "token_not_valid"
    message = "The refresh token is invalid, expired or already used."


class AccountDisabled(ApplicationError):
    status_code = 403
    code = "account_disabled"
    message = "This account is disabled."


class ReauthenticationFailed(ApplicationError):
    status_code = 403
    code = "reauthentication_failed"
    message = "The password, code or Google sign-in does not confirm this account."


# --- Google sign-in -----------------------------------------------------------------------------------------


class GoogleTokenInvalid(ApplicationError):
    status_code = 401
    code = "google_token_invalid"
    message = "The Google sign-in token is invalid or expired."


class GoogleEmailUnverified(ApplicationError):
    status_code = 401
    code = "google_email_unverified"
    message = "Google has not verified this e-mail address."


class GoogleNotConfigured(ServiceUnavailable):
    code = "google_not_configured"
    message = "Google sign-in is not available."


class GoogleUnavailable(ServiceUnavailable):
    code = "google_unavailable"
    message = "Google could not be reached. Try again shortly."


class GoogleAccountConflict(Conflict):
    code = "google_account_conflict"
    message = "This account is already linked to another Google account."


# --- E-mail links -------------------------------------------------------------------------------------------


class VerificationLinkInvalid(ApplicationError):
    status_code = 400
    code = "verification_link_invalid"
    message = "This verification link is invalid or has already been used."


class VerificationLinkExpired(VerificationLinkInvalid):
    code = "verification_link_expired"
    message = "This verification link has expired. Ask for a new one."


class ResetLinkInvalid(ApplicationError):
    status_code = 400
    code = "reset_link_invalid"
    message = "This password reset link is invalid, expired or already used."


class EmailTaken(Conflict):
    code = "email_taken"
    message = "An account with this e-mail already exists."


# --- Phone codes (OTP) -----------------------------------------------------------------------------------


class OTPInvalid(ApplicationError):
    status_code = 400
    code = "otp_invalid"
    message = "The code is wrong or has expired."


class OTPAttemptsExceeded(ApplicationError):
    status_code = 400
    code = "otp_attempts_exceeded"
    message = "Too many wrong codes. Request a new code."


class OTPCooldown(RateLimited):
    code = "otp_cooldown"
    message = "Wait a moment before asking for another code."


class OTPNumberLimit(RateLimited):
    code = "otp_number_limit"
    message = "Too many codes for this number. Try again later."


class OTPIPLimit(RateLimited):
    code = "otp_ip_limit"
    message = "Too many codes requested. Try again later."


class OTPStoreUnavailable(ServiceUnavailable):
    code = "otp_unavailable"
    message = "Verification codes are temporarily unavailable. Try again shortly."


# --- Profile, contacts, roles -----------------------------------------------------------------------------


class TribeHandleTaken(Conflict):
    code = "tribe_handle_taken"
    message = "This tribe handle is taken."


class PhoneTaken(Conflict):
    code = "phone_taken"
    message = "This number belongs to another account."


class TooManyEmergencyContacts(Conflict):
    code = "emergency_contacts_limit"
    message = f"At most {EmergencyContact.MAX_PER_USER} emergency contacts."


class OwnRoleChange(Conflict):
    code = "own_role"
    message = "You cannot change your own role."


class CustomerExists(Conflict):
    """Staff opening a customer account for a phone number or e-mail address that already has one: book on that
    account instead (``details.customer_id``)."""

    code = "customer_exists"
    message = "A customer with this phone number or e-mail address exists."
