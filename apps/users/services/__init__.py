"""Every write of the accounts domain. Import from here: ``from apps.users import services``.

The errors these raise live in ``apps.users.errors``.
"""

from apps.users.services.auth import (
    token_pair_for,
    token_refresh,
    token_revoke,
    user_login,
    user_register,
    user_revoke_all_tokens,
    user_set_role,
)
from apps.users.services.contacts import (
    emergency_contact_create,
    emergency_contact_delete,
    emergency_contact_update,
)
from apps.users.services.customers import customer_create, customer_existing
from apps.users.services.email import (
    email_verification_resend,
    email_verification_send,
    email_verify,
    password_change,
    password_reset_confirm,
    password_reset_request,
    password_reset_send,
    user_email_change_request,
)
from apps.users.services.identity import (
    apple_sign_in,
    google_sign_in,
    phone_sign_in,
    user_delete,
    user_reauthenticate,
)
from apps.users.services.loyalty import points_award, points_reverse
from apps.users.services.otp import (
    PURPOSE_PHONE_CHANGE,
    PURPOSE_SIGN_IN,
    otp_check,
    otp_send,
)
from apps.users.services.profile import (
    user_anonymise,
    user_personal_data_clear,
    user_phone_change_confirm,
    user_phone_change_request,
    user_photo_delete,
    user_photo_set,
    user_profile_update,
)

__all__ = [
    "PURPOSE_PHONE_CHANGE",
    "PURPOSE_SIGN_IN",
    "apple_sign_in",
    "customer_create",
    "customer_existing",
    "email_verification_resend",
    "email_verification_send",
    "email_verify",
    "emergency_contact_create",
    "emergency_contact_delete",
    "emergency_contact_update",
    "google_sign_in",
    "otp_check",
    "otp_send",
    "password_change",
    "password_reset_confirm",
    "password_reset_request",
    "password_reset_send",
    "phone_sign_in",
    "points_award",
    "points_reverse",
    "token_pair_for",
    "token_refresh",
    "token_revoke",
    "user_anonymise",
    "user_delete",
    "user_email_change_request",
    "user_login",
    "user_personal_data_clear",
    "user_phone_change_confirm",
    "user_phone_change_request",
    "user_photo_delete",
    "user_photo_set",
    "user_profile_update",
    "user_reauthenticate",
    "user_register",
    "user_revoke_all_tokens",
    "user_set_role",
]
