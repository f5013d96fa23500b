"""The offline trip pack of a confirmed booking (with ETags), and the key that verifies trip passes."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, HttpResponseNotModified
from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.bookings import selectors
from apps.bookings.errors import BookingNotConfirmed
from apps.bookings.trip_pack import trip_pack_body
from apps.bookings.trip_pass import PREFIX, verification_key
from apps.bookings.views.common import BOOKING_ID
from apps.common.schema import error_responses
from apps.treks.catalog_cache.responses import etag_matches
from apps.users.current import authenticated_user


def _tagged(response: HttpResponseBase, etag: str) -> HttpResponseBase:
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"  # the app's store, never a shared cache
    response["Vary"] = "Authorization"
    return response


@extend_schema(tags=["bookings"], parameters=[BOOKING_ID])
class TripPackView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Offline trip pack of a confirmed booking",
        description=(
            "Itinerary with dates, camps, altitudes, evacuation notes and nearest medical points; the route "
            "simplified to a few hundred points (GeoJSON Feature, or null); the acting guide and the satellite "
            "phone; the trekker's emergency contacts; the operator's emergency numbers; the signed trip pass for "
            "the QR code. The booker, or staff holding `bookings.view`. Send the `ETag` back as `If-None-Match`: "
            "an unchanged pack answers 304 with no body."
        ),
        parameters=[OpenApiParameter("If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER)],
        responses={
            200: OpenApiTypes.OBJECT,
            304: OpenApiResponse(description="Not modified: the stored pack is current."),
            **error_responses(401, 404, BookingNotConfirmed),
        },
    )
    def get(self, request: Request, booking_id: Any) -> HttpResponseBase:
        booking = selectors.trip_pack_booking(user=authenticated_user(request), booking_id=booking_id)
        body, etag = trip_pack_body(booking)
        if etag_matches(request.headers.get("If-None-Match"), etag):
            return _tagged(HttpResponseNotModified(), etag)
        return _tagged(HttpResponse(body, content_type="application/json"), etag)


@extend_schema(tags=["bookings"])
class TripPassKeyView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="The public key that verifies trip passes (Ed25519, base64url)",
        description=(
            "Public, no token. A guide's scanner keeps this key and checks a trip pass (the `qr_payload` of "
            "`GET bookings/{id}/trip-pack/`, format `OBS1.<reference>.<batch>.<seats>.<signature>`) with no "
            "signal. The signature proves the pass was issued here; whether the booking is still confirmed is "
            "the roster's answer."
        ),
        responses={
            200: inline_serializer(
                "TripPassKey",
                {
                    "format": serializers.CharField(help_text="The pass prefix this key verifies (`OBS1`)."),
                    "algorithm": serializers.CharField(help_text="`Ed25519`."),
                    "public_key": serializers.CharField(help_text="The raw public key, base64url without padding."),
                },
            )
        },
    )
    def get(self, request: Request) -> Response:
        return Response({"format": PREFIX, "algorithm": "Ed25519", "public_key": verification_key()})
