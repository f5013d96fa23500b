from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.i18n import request_language
from apps.common.schema import error_responses
from apps.common.throttles import (
    AppleLoginThrottle,
    EmailVerifyThrottle,
    GoogleLoginThrottle,
    LoginThrottle,
    OTPSendThrottle,
    OTPVerifyThrottle,
    PasswordResetThrottle,
    RegisterThrottle,
    TokenRefreshThrottle,
    client_ip,
)
from apps.users import services
from apps.users.errors import (
    AccountDisabled,
    AppleAccountConflict,
    AppleEmailUnverified,
    AppleNonceMismatch,
    AppleNotConfigured,
    AppleTokenInvalid,
    AppleUnavailable,
    EmailTaken,
    GoogleAccountConflict,
    GoogleEmailUnverified,
    GoogleNotConfigured,
    GoogleTokenInvalid,
    GoogleUnavailable,
    InvalidCredentials,
    InvalidRefreshToken,
    OTPAttemptsExceeded,
    OTPCooldown,
    OTPInvalid,
    OTPIPLimit,
    OTPNumberLimit,
    OTPStoreUnavailable,
    ResetLinkInvalid,
    SignInLocked,
    VerificationLinkExpired,
    VerificationLinkInvalid,
)
from apps.users.serializers import (
    AccountMessageSerializer,
    AppleSignInSerializer,
    EmailVerifySerializer,
    GoogleSignInSerializer,
    LoginResponseSerializer,
    LoginSerializer,
    OTPSendResponseSerializer,
    OTPSendSerializer,
    OTPVerifySerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetRequestSerializer,
    RefreshSerializer,
    RegisterResponseSerializer,
    RegisterSerializer,
    SignInResponseSerializer,
    TokenPairSerializer,
    UserSerializer,
)
from apps.users.views import examples


class RegisterView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [RegisterThrottle]

    @extend_schema(
        tags=["auth"],
        summary="Create an account with e-mail and password",
        description=(
            "Anyone. Creates a trekker account and signs it in (the answer carries the token pair). The password "
            "must pass the password validators (400 `validation_error` on `password`); an address that belongs to an "
            "account is 409 `email_taken`. A verification link is mailed to the "
            "address (`authEmailVerify`). Rate-limited per client IP (429 `throttled`)."
        ),
        request=RegisterSerializer,
        examples=examples.REGISTER,
        responses={201: RegisterResponseSerializer, **error_responses(400, EmailTaken, 429)},
    )
    def post(self, request: Request) -> Response:
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_register(**serializer.validated_data, language=request_language(request))
        body = {"user": UserSerializer(user).data, **services.token_pair_for(user)}
        return Response(body, status=status.HTTP_201_CREATED)


class LoginView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle]

    @extend_schema(
        tags=["auth"],
        summary="Sign in with e-mail and password",
        description=(
            "Rate-limited per client IP (429 `throttled`), together with the admin's sign-in form. After "
            "`LOGIN_FAILURE_LIMIT` (10) wrong passwords for one address from one client IP, that pair is locked "
            "for `LOGIN_LOCKOUT_MINUTES` (15): 429 `login_locked` with `Retry-After`, whatever the password."
        ),
        request=LoginSerializer,
        examples=examples.LOGIN,
        responses={200: LoginResponseSerializer, **error_responses(400, InvalidCredentials, SignInLocked)},
    )
    def post(self, request: Request) -> Response:
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user, tokens = services.user_login(**serializer.validated_data, request=request)
        return Response({"user": UserSerializer(user).data, **tokens})


class TokenRefreshView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenRefreshThrottle]

    @extend_schema(
        tags=["auth"],
        summary="Renew the access token",
        description=(
            "Anyone holding a refresh token. Answers a new pair: refresh tokens rotate, and the one sent stops "
            "working (sending it again is 401 `token_not_valid`; two simultaneous refreshes of one token yield "
            "one pair). A deactivated account, or a token older than the last password change, is 401. "
            "Rate-limited per client IP (429 `throttled`)."
        ),
        request=RefreshSerializer,
        examples=examples.REFRESH_EXAMPLES,
        responses={200: TokenPairSerializer, **error_responses(400, InvalidRefreshToken, AccountDisabled, 429)},
    )
    def post(self, request: Request) -> Response:
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(services.token_refresh(refresh=serializer.validated_data["refresh"]))


class LogoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["auth"],
        summary="Sign out",
        description="Signed in. Revokes the refresh token sent (one of the caller's): it cannot renew the access "
        "token again. The access token lives on until it expires; forget it on the device.",
        request=RefreshSerializer,
        responses={204: None, **error_responses(400, InvalidRefreshToken)},
    )
    def post(self, request: Request) -> Response:
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.token_revoke(refresh=serializer.validated_data["refresh"], user=request.user)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)


class GoogleSignInView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [GoogleLoginThrottle]

    @extend_schema(
        tags=["auth"],
        summary="Sign in with a Google ID token",
        description=(
            "Verifies the ID token (signature, expiry, audience = one of our web/iOS/Android client ids, issuer, "
            "verified e-mail). Accounts are keyed by Google's subject id. Returns a JWT pair and `is_new_user`."
        ),
        request=GoogleSignInSerializer,
        examples=examples.GOOGLE,
        responses={
            200: SignInResponseSerializer,
            **error_responses(
                GoogleTokenInvalid,
                GoogleEmailUnverified,
                AccountDisabled,
                GoogleAccountConflict,
                GoogleNotConfigured,
                GoogleUnavailable,
                400,
                429,
            ),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = GoogleSignInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user, tokens, is_new = services.google_sign_in(
            token=serializer.validated_data["id_token"], language=request_language(request)
        )
        return Response({"user": UserSerializer(user).data, **tokens, "is_new_user": is_new})


class AppleSignInView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [AppleLoginThrottle]

    @extend_schema(
        tags=["auth"],
        summary="Sign in with Apple",
        description=(
            "Verifies Apple's identity token (signature against Apple's published keys, issuer "
            "`https://appleid.apple.com`, audience = one of our bundle/service ids, expiry) and that it carries "
            "the SHA-256 of the raw `nonce` sent here. Accounts are keyed by Apple's subject id; private-relay "
            "addresses are accepted. Send `first_name`/`last_name` from the first authorization (Apple gives "
            "them once); they are kept. Returns a JWT pair and `is_new_user`."
        ),
        request=AppleSignInSerializer,
        responses={
            200: SignInResponseSerializer,
            **error_responses(
                AppleTokenInvalid,
                AppleNonceMismatch,
                AppleEmailUnverified,
                AccountDisabled,
                AppleAccountConflict,
                AppleNotConfigured,
                AppleUnavailable,
                400,
                429,
            ),
        },
        examples=examples.APPLE,
    )
    def post(self, request: Request) -> Response:
        serializer = AppleSignInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user, tokens, is_new = services.apple_sign_in(
            token=data["id_token"],
            nonce=data["nonce"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            language=request_language(request),
        )
        return Response({"user": UserSerializer(user).data, **tokens, "is_new_user": is_new})


OTP_SENT = "If this number can receive text messages, a code is on its way."


def _otp_sent_body() -> dict[str, object]:
    return {
        "detail": OTP_SENT,
        "expires_in": settings.OTP_CODE_TTL_SECONDS,
        "resend_after": settings.OTP_RESEND_COOLDOWN_SECONDS,
    }


class OTPSendView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [OTPSendThrottle]

    @extend_schema(
        tags=["auth"],
        summary="Text a sign-in code to a phone number",
        description=(
            "The same answer for every valid number. Limits: one code per 30 s and 5 per hour per number, "
            "a cap per client IP (429 with Retry-After). 503 when the code store is unreachable."
        ),
        request=OTPSendSerializer,
        examples=examples.OTP_SEND,
        responses={
            202: OTPSendResponseSerializer,
            **error_responses(400, OTPCooldown, OTPNumberLimit, OTPIPLimit, OTPStoreUnavailable),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = OTPSendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.otp_send(
            phone=serializer.validated_data["phone"],
            purpose=services.PURPOSE_SIGN_IN,
            ip=client_ip(request),
            language=request_language(request),
        )
        return Response(_otp_sent_body(), status=status.HTTP_202_ACCEPTED)


class OTPVerifyView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [OTPVerifyThrottle]

    @extend_schema(
        tags=["auth"],
        summary="Sign in with a texted code",
        description=(
            "Signs in the account of this number, or creates one (phone only, no e-mail). A code works once, "
            "for 5 minutes and 5 attempts."
        ),
        request=OTPVerifySerializer,
        examples=examples.OTP_VERIFY,
        responses={
            200: SignInResponseSerializer,
            **error_responses(OTPInvalid, OTPAttemptsExceeded, AccountDisabled, OTPStoreUnavailable, 429),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = OTPVerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user, tokens, is_new = services.phone_sign_in(**serializer.validated_data, language=request_language(request))
        return Response({"user": UserSerializer(user).data, **tokens, "is_new_user": is_new})


class EmailVerifyView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [EmailVerifyThrottle]

    @extend_schema(
        tags=["auth"],
        summary="Confirm an e-mail address from a verification link",
        description="No sign-in: the `token` from the link mailed at registration or on an address change is the "
        "authority. Marks the address verified (or, for a change, moves the account to the new address: 409 "
        "`email_taken` if another account took it since). An invalid or used link is 400 "
        "`verification_link_invalid`, an old one `verification_link_expired`.",
        request=EmailVerifySerializer,
        responses={
            200: UserSerializer,
            **error_responses(VerificationLinkInvalid, VerificationLinkExpired, EmailTaken, 429),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = EmailVerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.email_verify(token=serializer.validated_data["token"])
        return Response(UserSerializer(user).data)


class EmailVerifyResendView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [EmailVerifyThrottle]

    @extend_schema(
        tags=["auth"],
        summary="Mail a new verification link to the account's address",
        description="Signed in. The same answer whether or not the address still needs verifying. "
        "Rate-limited (429 `throttled`).",
        request=None,
        responses={202: AccountMessageSerializer, **error_responses(401, 429)},
    )
    def post(self, request: Request) -> Response:
        services.email_verification_resend(user=request.user)  # type: ignore[arg-type]
        return Response({"detail": "If the address still needs verifying, a link is on its way."}, status=202)


RESET_SENT = "If an account uses this address, a link to reset its password is on its way."


class PasswordResetView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [PasswordResetThrottle]

    @extend_schema(
        tags=["auth"],
        summary="Ask for a password reset link",
        description="Anyone. Mails a link to `<frontend>/reset-password?uid=...&token=...` when the address has "
        "an account; the answer, and its timing, are the same whether or not it has one. Rate-limited per "
        "client IP (429 `throttled`).",
        request=PasswordResetRequestSerializer,
        responses={202: AccountMessageSerializer, **error_responses(400, 429)},
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordResetRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.password_reset_request(email=serializer.validated_data["email"])
        return Response({"detail": RESET_SENT}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [PasswordResetThrottle]

    @extend_schema(
        tags=["auth"],
        summary="Set a new password from a reset link",
        description="Anyone holding a reset link: `uid` and `token` from it, and `new_password` (checked by the "
        "password validators). A link works once (else 400 `reset_link_invalid`). Every session of the account "
        "is signed out.",
        request=PasswordResetConfirmSerializer,
        responses={200: AccountMessageSerializer, **error_responses(ResetLinkInvalid, 429)},
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordResetConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.password_reset_confirm(**serializer.validated_data)
        return Response({"detail": "Password changed. Sign in with the new password."})


class PasswordChangeView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [LoginThrottle]

    @extend_schema(
        tags=["auth"],
        summary="Change the password",
        description="Signed in, with the current password (a wrong one is 400 `validation_error`). Every other "
        "session is signed out; the answer carries a new token pair for this one. Rate-limited like a sign-in.",
        request=PasswordChangeSerializer,
        responses={200: TokenPairSerializer, **error_responses(400, 401, 429)},
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tokens = services.password_change(user=request.user, **serializer.validated_data)  # type: ignore[arg-type]
        return Response(tokens)
