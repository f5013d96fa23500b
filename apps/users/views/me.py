"""The signed-in user's own account: profile, photo, e-mail and phone changes, contacts, points."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from apps.common.exceptions import ValidationFailed
from apps.common.pagination import PageNumberPagination
from apps.common.schema import error_responses
from apps.common.throttles import LoginThrottle, OTPSendThrottle, OTPVerifyThrottle, client_ip
from apps.users import selectors, services
from apps.users.current import authenticated_user
from apps.users.errors import (
    AppleUnavailable,
    GoogleUnavailable,
    OTPAttemptsExceeded,
    OTPInvalid,
    OTPStoreUnavailable,
    PhoneTaken,
    ReauthenticationFailed,
    TooManyEmergencyContacts,
    TribeHandleTaken,
)
from apps.users.models import EmergencyContact, User
from apps.users.serializers import (
    AccountDeleteSerializer,
    AccountMessageSerializer,
    EmailChangeSerializer,
    EmergencyContactSerializer,
    OTPSendResponseSerializer,
    PhoneChangeConfirmSerializer,
    PhoneChangeSerializer,
    PointsSummarySerializer,
    PointsTransactionSerializer,
    ProfilePhotoUploadSerializer,
    ProfileUpdateSerializer,
    UserSerializer,
)
from apps.users.tiers import next_tier_for_points, tier_for_points
from apps.users.views.auth import _otp_sent_body

ACCOUNT_DELETE_RULES = (
    "Anonymises the account: personal data wiped, every session signed out; bookings keep their own snapshots. "
    "An access token alone is not enough: send `password`, or for an account without one `otp` (a code from "
    "`auth/otp/send/` for its verified phone) or `id_token` (Google, the same Google account; or Apple, the same "
    "Apple ID, with its raw `nonce`). No proof: 400 naming what the account can send; a wrong one: 403 "
    "`reauthentication_failed`; nothing is changed either way."
)


def _delete_account(request: Request) -> Response:
    serializer = AccountDeleteSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    services.user_delete(user=authenticated_user(request), **serializer.validated_data)
    return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["me"],
        summary="My account",
        description="The signed-in person: profile, verified flags of e-mail and phone, role, points and tier.",
        responses={200: UserSerializer, **error_responses(401)},
    )
    def get(self, request: Request) -> Response:
        return Response(UserSerializer(request.user).data)

    @extend_schema(
        tags=["me"],
        summary="Update my profile",
        description=(
            "Editable: names, bio, tribe_handle, date_of_birth, experience_level. Other fields sent are ignored; "
            "e-mail and phone change through `users/me/email/` and `users/me/phone/` (verification required)."
        ),
        request=ProfileUpdateSerializer,
        responses={200: UserSerializer, **error_responses(400, 401, TribeHandleTaken)},
    )
    def patch(self, request: Request) -> Response:
        serializer = ProfileUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = services.user_profile_update(user=authenticated_user(request), data=serializer.validated_data)
        return Response(UserSerializer(user).data)

    def get_throttles(self) -> list[BaseThrottle]:
        if self.request.method == "DELETE":  # the password is checked here: as rate-limited as a sign-in
            return [*super().get_throttles(), LoginThrottle()]
        return super().get_throttles()

    @extend_schema(
        tags=["me"],
        summary="Delete my account",
        description=f"{ACCOUNT_DELETE_RULES} The proof goes in a JSON body, as for `POST users/me/delete/` (the "
        "same operation, for clients that cannot send a body with DELETE; OpenAPI 3.0 cannot describe one here).",
        responses={
            204: None,
            **error_responses(
                ValidationFailed,
                401,
                ReauthenticationFailed,
                429,
                GoogleUnavailable,
                AppleUnavailable,
                OTPStoreUnavailable,
            ),
        },
    )
    def delete(self, request: Request) -> Response:
        return _delete_account(request)


class MeDeleteView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [LoginThrottle]

    @extend_schema(
        operation_id="meDeleteWithProof",
        tags=["me"],
        summary="Delete my account (with proof)",
        description=ACCOUNT_DELETE_RULES,
        request=AccountDeleteSerializer,
        responses={
            204: None,
            **error_responses(
                400, 401, ReauthenticationFailed, 429, GoogleUnavailable, AppleUnavailable, OTPStoreUnavailable
            ),
        },
    )
    def post(self, request: Request) -> Response:
        return _delete_account(request)


class MePhotoView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=["me"],
        summary="Upload my profile photo",
        description="JPEG, PNG or WebP (checked by content), at most 5 MB; resized to 1024 px at most and "
        "stripped of EXIF/GPS metadata.",
        request={"multipart/form-data": ProfilePhotoUploadSerializer},
        responses={200: UserSerializer, **error_responses(400, 401, 413)},
    )
    def put(self, request: Request) -> Response:
        serializer = ProfilePhotoUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["photo"]
        user = services.user_photo_set(user=authenticated_user(request), upload=upload, size=upload.size)
        return Response(UserSerializer(user).data)

    @extend_schema(
        tags=["me"],
        summary="Remove my profile photo",
        description="Deletes the stored photo; removing none is harmless.",
        responses={200: UserSerializer, **error_responses(401)},
    )
    def delete(self, request: Request) -> Response:
        return Response(UserSerializer(services.user_photo_delete(user=authenticated_user(request))).data)


class MeEmailView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [OTPSendThrottle]

    @extend_schema(
        operation_id="meEmailChange",
        tags=["me"],
        summary="Change my e-mail address",
        description="Mails a confirmation link to the new address; the account keeps its address until the link "
        "is opened (`auth/email/verify/`). Accounts with a password must send it.",
        request=EmailChangeSerializer,
        responses={202: AccountMessageSerializer, **error_responses(400, 401, 429)},
    )
    def post(self, request: Request) -> Response:
        serializer = EmailChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.user_email_change_request(user=authenticated_user(request), **serializer.validated_data)
        return Response({"detail": "A confirmation link is on its way to the new address."}, status=202)


class MePhoneView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [OTPSendThrottle]

    @extend_schema(
        operation_id="mePhoneChange",
        tags=["me"],
        summary="Change my phone number",
        description="Texts a code to the new number; confirm it with `users/me/phone/verify/`.",
        request=PhoneChangeSerializer,
        responses={202: OTPSendResponseSerializer, **error_responses(400, 401, 429, 503)},
    )
    def post(self, request: Request) -> Response:
        serializer = PhoneChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.user_phone_change_request(
            user=authenticated_user(request), phone=serializer.validated_data["phone"], ip=client_ip(request)
        )
        return Response(_otp_sent_body(), status=status.HTTP_202_ACCEPTED)


class MePhoneVerifyView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [OTPVerifyThrottle]

    @extend_schema(
        tags=["me"],
        summary="Confirm my new phone number",
        description="The code texted by `mePhoneChange`; the number becomes the account's, verified. A wrong or "
        "expired code is 400 `otp_invalid` (`otp_attempts_exceeded` after too many); a number another account "
        "took since is 409 `phone_taken`.",
        request=PhoneChangeConfirmSerializer,
        responses={
            200: UserSerializer,
            **error_responses(OTPInvalid, OTPAttemptsExceeded, 401, PhoneTaken, 429, OTPStoreUnavailable),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = PhoneChangeConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_phone_change_confirm(user=authenticated_user(request), **serializer.validated_data)
        return Response(UserSerializer(user).data)


@extend_schema_view(
    list=extend_schema(
        tags=["me"],
        summary="My emergency contacts",
        description="At most five, the primary first. They are texted when the trekker raises an SOS.",
        responses={200: EmergencyContactSerializer(many=True), **error_responses(401)},
    ),
    create=extend_schema(
        tags=["me"],
        summary="Add an emergency contact",
        description="At most five (409 `emergency_contacts_limit`); the first is primary, and making another "
        "primary moves it.",
        responses={201: EmergencyContactSerializer, **error_responses(400, 401, TooManyEmergencyContacts)},
    ),
    retrieve=extend_schema(
        tags=["me"],
        summary="Get an emergency contact",
        description="One of the caller's contacts; anyone else's is 404.",
        responses={200: EmergencyContactSerializer, **error_responses(401, 404)},
    ),
    update=extend_schema(
        tags=["me"],
        summary="Replace an emergency contact",
        description="Every field of one of the caller's contacts; `is_primary: true` moves the primary to it.",
        responses={200: EmergencyContactSerializer, **error_responses(400, 401, 404)},
    ),
    partial_update=extend_schema(
        tags=["me"],
        summary="Update an emergency contact",
        description="Some fields of one of the caller's contacts; `is_primary: true` moves the primary to it.",
        responses={200: EmergencyContactSerializer, **error_responses(400, 401, 404)},
    ),
    destroy=extend_schema(
        tags=["me"],
        summary="Remove an emergency contact",
        description="Removing the primary makes the next contact primary.",
        responses={204: None, **error_responses(401, 404)},
    ),
)
class EmergencyContactViewSet(viewsets.ModelViewSet):
    """At most five contacts, exactly one primary (the first is primary; making another primary moves it)."""

    permission_classes = [IsAuthenticated]
    serializer_class = EmergencyContactSerializer
    pagination_class = None
    queryset = EmergencyContact.objects.none()
    lookup_value_regex = "[0-9a-f-]{36}"

    def get_queryset(self) -> QuerySet[EmergencyContact]:
        if getattr(self, "swagger_fake_view", False):
            return EmergencyContact.objects.none()
        return selectors.emergency_contacts_of(authenticated_user(self.request))

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        serializer.instance = services.emergency_contact_create(
            user=authenticated_user(self.request), **serializer.validated_data
        )

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        contact = serializer.instance
        assert isinstance(contact, EmergencyContact)
        serializer.instance = services.emergency_contact_update(contact=contact, data=serializer.validated_data)

    def perform_destroy(self, instance: EmergencyContact) -> None:
        services.emergency_contact_delete(contact=instance)


class MePointsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["me"],
        summary="My OBS points",
        description="Balance, tier and its benefits, the next tier and the points still needed, and the ledger "
        "(newest first, paginated with `page` / `page_size`).",
        parameters=[
            OpenApiParameter("page", int, required=False),
            OpenApiParameter("page_size", int, required=False),
        ],
        responses={200: PointsSummarySerializer, **error_responses(401, 404)},
    )
    def get(self, request: Request) -> Response:
        user = authenticated_user(request)
        balance = User.objects.values_list("obs_points", flat=True).get(pk=user.pk)
        tier, upcoming = tier_for_points(balance), next_tier_for_points(balance)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(selectors.points_ledger_of(user), request, view=self)
        ledger = paginator.get_paginated_response(PointsTransactionSerializer(page, many=True).data).data
        body = {
            "balance": balance,
            "tier": tier.tier,
            "tier_name": tier.name,
            "discount_percent": tier.discount_percent,
            "perks": tier.perks,
            "next_tier": upcoming.tier if upcoming else None,
            "next_tier_name": upcoming.name if upcoming else None,
            "next_tier_min_points": upcoming.min_points if upcoming else None,
            "points_to_next_tier": upcoming.min_points - balance if upcoming else None,
            "ledger": ledger,
        }
        return Response(PointsSummarySerializer(body).data)
