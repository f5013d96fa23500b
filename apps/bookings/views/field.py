"""The guide's day: my departures, the roster, base check-ins and the daily camp check-in.

A guide reads and writes these for the departures they lead *now* (``apps.treks.selectors``: current guide role,
active profile, the batch's guide), read again on every request, so a role removed, a profile deactivated or a
batch handed over ends the access of a token issued before. Ops read the roster like the manifest.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.bookings import selectors, services
from apps.bookings.domain import booking_readiness, guide_health_flags
from apps.bookings.models import BaseCheckIn, Booking
from apps.bookings.paperwork import current_emergency_contact, fitness_state, participant_missing
from apps.bookings.serializers.addons import add_ons_text
from apps.bookings.serializers.field import (
    BaseCheckInInputSerializer,
    BaseCheckInSerializer,
    CampCheckInInputSerializer,
    CampCheckInSerializer,
    DepartureSerializer,
    RosterRowSerializer,
)
from apps.bookings.views.common import BATCH_ID, batch_or_404
from apps.common.exceptions import Forbidden
from apps.common.schema import error_responses
from apps.treks.models import Batch
from apps.treks.selectors import guides_batch, is_acting_guide
from apps.users.current import authenticated_user

PARTICIPANT_ID = OpenApiParameter("participant_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


def _person(user: Any) -> str | None:
    return None if user is None else str(user.get_full_name() or user.email or user.phone or user.pk)


def base_check_in_data(check_in: BaseCheckIn | None) -> dict[str, Any] | None:
    if check_in is None:
        return None
    return {
        "status": check_in.status,
        "note": check_in.note,
        "marked_at": check_in.marked_at,
        "marked_by": _person(check_in.marked_by),
    }


def roster_rows(batch: Batch) -> Iterator[dict[str, Any]]:
    for booking in selectors.roster_bookings(batch=batch):
        contact = current_emergency_contact(booking)
        add_ons = add_ons_text(list(booking.add_ons.all()))
        for participant in booking.participants.all():
            phone = participant.phone or (booking.trekker_phone if participant.is_lead else "")
            yield {
                "participant_id": participant.pk,
                "booking_reference": booking.reference,
                "position": participant.position + 1,
                "is_lead": participant.is_lead,
                "name": participant.name,
                "age": participant.age,
                "phone": phone,
                "missing_documents": participant_missing(booking, participant),
                "fitness_status": fitness_state(booking, participant),
                "health_flags": guide_health_flags(participant.health_declaration),
                "emergency_contact": contact,
                "paid": booking.balance_due == 0,
                "add_ons": add_ons if participant.is_lead else "",
                "base_check_in": base_check_in_data(getattr(participant, "base_check_in", None)),
            }


def _readiness(bookings: list[Booking]) -> dict[str, int]:
    facts = [booking_readiness(booking) for booking in bookings]
    return {
        "bookings": len(bookings),
        "participants": sum(booking.seats for booking in bookings),
        **{name: sum(fact[name] for fact in facts) for name in ("documents_complete", "contact_present", "paid")},
    }


@extend_schema(tags=["guides"])
class GuideDeparturesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="The departures I lead: on now and upcoming, with seats and readiness",
        description="Acting guides only (current guide role and active guide profile); anyone else 403.",
        responses={200: DepartureSerializer(many=True), **error_responses(401, Forbidden)},
    )
    def get(self, request: Request) -> Response:
        user = authenticated_user(request)
        if not is_acting_guide(user):
            raise Forbidden("Only guides have departures to lead.")
        today = timezone.localdate()
        batches = list(selectors.guide_departures(user, today=today))
        by_batch: dict[Any, list[Booking]] = {batch.pk: [] for batch in batches}
        for booking in selectors.departure_bookings(list(by_batch)):
            by_batch[booking.batch_id].append(booking)
        rows = []
        for batch in batches:
            batch.current = batch.start_date <= today  # type: ignore[attr-defined]
            batch.readiness = _readiness(by_batch[batch.pk])  # type: ignore[attr-defined]
            rows.append(batch)
        return Response(DepartureSerializer(rows, many=True).data)


def _readable_batch(request: Request, batch_id: Any) -> Batch:
    batch = batch_or_404(batch_id)
    if not selectors.can_view_manifest(user=authenticated_user(request), batch=batch):
        raise Forbidden("Only ops, customer success or this departure's guide.")
    return batch


@extend_schema(tags=["guides"], parameters=[BATCH_ID])
class RosterView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Roster: each participant's documents, health flags, emergency contact, phone and base check-in",
        description="Ops and customer success (`manifest.view`) and the departure's acting guide. Confirmed bookings.",
        responses={200: RosterRowSerializer(many=True), **error_responses(401, Forbidden, 404)},
    )
    def get(self, request: Request, batch_id: Any) -> Response:
        batch = _readable_batch(request, batch_id)
        return Response(RosterRowSerializer(list(roster_rows(batch)), many=True).data)


@extend_schema(tags=["guides"], parameters=[BATCH_ID, PARTICIPANT_ID])
class BaseCheckInView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Mark a participant at the base: present, late or no-show (audited; marking again overwrites)",
        description=(
            "The departure's acting guide, or staff holding `bookings.manage`. One mark per participant of a "
            "confirmed booking; marking again changes it in place."
        ),
        request=BaseCheckInInputSerializer,
        operation_id="batchBaseCheckInMark",
        responses={200: BaseCheckInSerializer, **error_responses(400, 401, Forbidden, 404)},
    )
    def post(self, request: Request, batch_id: Any, participant_id: Any) -> Response:
        user = authenticated_user(request)
        batch = batch_or_404(batch_id)
        if not selectors.can_mark_base(user=user, batch=batch):
            raise Forbidden("Only this departure's guide or staff holding bookings.manage.")
        body = BaseCheckInInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        participant = selectors.roster_participant(batch=batch, participant_id=participant_id)
        marked = services.base_check_in_mark(actor=user, batch=batch, participant=participant, **body.validated_data)
        return Response(BaseCheckInSerializer(base_check_in_data(marked)).data)


@extend_schema(tags=["guides"], parameters=[BATCH_ID])
class CampCheckInsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="The departure's camp check-ins, newest first",
        description="Ops and customer success (`manifest.view`) and the departure's acting guide.",
        responses={200: CampCheckInSerializer(many=True), **error_responses(401, Forbidden, 404)},
    )
    def get(self, request: Request, batch_id: Any) -> Response:
        batch = _readable_batch(request, batch_id)
        return Response(CampCheckInSerializer(selectors.camp_check_ins(batch=batch), many=True).data)

    @extend_schema(
        summary='The guide posts "reached camp X" for today (optionally with a location); audited',
        description="The departure's acting guide only.",
        request=CampCheckInInputSerializer,
        responses={201: CampCheckInSerializer, **error_responses(400, 401, Forbidden, 404)},
    )
    def post(self, request: Request, batch_id: Any) -> Response:
        user = authenticated_user(request)
        batch = batch_or_404(batch_id)
        if not guides_batch(user, batch):
            raise Forbidden("Only this departure's guide posts its camp check-ins.")
        body = CampCheckInInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        posted = services.camp_check_in_post(actor=user, batch=batch, **body.validated_data)
        return Response(CampCheckInSerializer(posted).data, status=status.HTTP_201_CREATED)
