"""HTTP for SOS intake and incident handling. Thin: parse, authorize, call one service, serialize.

Someone who may not see an incident gets 404 for everything about it. Someone who may see it but not
handle it (the trekker, for anything but a false alarm) gets 403.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.exceptions import (
    Forbidden,
    IdempotencyKeyRequired,
    IdempotencyKeyReused,
    InvalidTransition,
    NotFound,
)
from apps.common.idempotency import idempotency_key, idempotency_key_parameter
from apps.common.renderers import GeoJSONRenderer
from apps.common.schema import error_responses
from apps.emergency import examples, selectors, services
from apps.emergency.filters import IncidentFilter
from apps.emergency.models import Incident
from apps.emergency.permissions import IsGuide
from apps.emergency.serializers import (
    FalseAlarmSerializer,
    GeoJSONFeatureCollectionSerializer,
    GuideReportSerializer,
    IncidentDetailSerializer,
    IncidentNoteSerializer,
    IncidentSerializer,
    IncidentUpdateSerializer,
    LocationPingSerializer,
    PingBatchSerializer,
    PingResultSerializer,
    ResolveSerializer,
    SOSRequestSerializer,
    incident_data,
)
from apps.users.authentication import UserReadByView
from apps.users.current import authenticated_user
from apps.users.permissions import HasCapability
from apps.users.roles import Capability

IDEMPOTENCY_KEY = idempotency_key_parameter("A UUID the device generates once per SOS and sends again on every retry.")
INCIDENT_ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH)


def _visible_incident(request: Request, pk: uuid.UUID, *, detail: bool = False) -> Incident:
    qs = (selectors.incident_detail_queryset if detail else selectors.incidents_visible_to)(request.user)
    incident = qs.filter(pk=pk).first()
    if incident is None:
        raise NotFound("Incident not found.")
    return incident


def _handled_incident(request: Request, pk: uuid.UUID) -> Incident:
    incident = _visible_incident(request, pk)
    if not selectors.can_handle(request.user, incident):
        raise Forbidden("Only ops staff and the batch's guide can handle this incident.")
    return incident


def _detail(request: Request, incident: Incident, code: int = status.HTTP_200_OK) -> Response:
    """The incident, read again after a write, with its timeline and breadcrumb."""
    return _render(request, _visible_incident(request, incident.pk, detail=True), code)


def _render(request: Request, fresh: Incident, code: int = status.HTTP_200_OK) -> Response:
    """For those who handle the incident, also the state of every alert sent about it."""
    alerts = selectors.incident_alerts(fresh) if selectors.can_handle(request.user, fresh) else None
    return Response(IncidentDetailSerializer(fresh, context={"alerts": alerts}).data, status=code)


class SOSView(UserReadByView, APIView):
    """The trekker's SOS. No throttle and nothing but PostgreSQL on this path (see services/intake.py)."""

    permission_classes = [IsAuthenticated]
    throttle_classes: list[Any] = []
    user_read_by_view = ("POST",)  # the trekker's row is read and checked with the lock and the audience

    @extend_schema(
        operation_id="sosRaise",
        summary="Raise an SOS (idempotent on the Idempotency-Key header)",
        description=(
            "Only the Idempotency-Key header is required. The first request creates the incident (201) and "
            "alerts the trekker's emergency contacts, the batch's guide, ops staff and the ops list; a replay "
            "with the same key and body returns the same incident (200) and sends nothing; the same key with a "
            "different body answers 422. A device time well in the past is accepted and flagged `delayed`."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=SOSRequestSerializer,
        responses={
            201: OpenApiResponse(IncidentSerializer, description="Incident created; alerts queued"),
            200: OpenApiResponse(IncidentSerializer, description="Replay: the incident this key created"),
            **error_responses(400, 401, 415, IdempotencyKeyRequired, IdempotencyKeyReused, 503),
        },
        examples=examples.SOS,
        tags=["emergency"],
    )
    def post(self, request: Request) -> Response:
        key = idempotency_key(request)
        serializer = SOSRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        incident, created = services.incident_report_sos(
            trekker=request.user,  # type: ignore[arg-type]
            key=key,
            report=serializer.to_report(),
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(incident_data(incident), status=code)  # what IncidentSerializer gives, built directly


class IncidentListView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = IncidentSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = IncidentFilter

    def get_queryset(self) -> QuerySet[Incident]:
        return selectors.incidents_visible_to(self.request.user)

    @extend_schema(
        summary="Incidents I may see (trekker: mine; guide: my batches'; ops, CS, super admins: all)",
        description=(
            "Signed in. Filters: `status`, `kind`, `batch`, `received_after`. A guide "
            "sees the incidents of their batches while their role is guide and their "
            "profile active (checked on every request). Page-number pagination."
        ),
        responses={200: IncidentSerializer(many=True), **error_responses(400, 401)},
        tags=["emergency"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_permissions(self) -> Any:
        if self.request.method == "POST":
            return [IsGuide()]
        return super().get_permissions()

    @extend_schema(
        summary="A guide opens an incident for a trekker of one of their batches",
        description=(
            "The acting guide of a batch the trekker is booked on, or staff with "
            "`incidents.manage` (else 403). The contacts and the ops team are alerted as "
            "for an SOS."
        ),
        request=GuideReportSerializer,
        responses={201: IncidentDetailSerializer, **error_responses(400, 401, Forbidden, NotFound)},
        tags=["emergency"],
    )
    def post(self, request: Request) -> Response:
        serializer = GuideReportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        incident = services.incident_open_for_trekker(
            guide_user=request.user,  # type: ignore[arg-type]
            trekker_id=serializer.validated_data["trekker"],
            report=serializer.to_report(),
        )
        return _detail(request, incident, status.HTTP_201_CREATED)


class IncidentDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="An incident with its timeline and breadcrumb",
        description=(
            "An incident the caller may see (else 404): its updates, newest location and breadcrumb of pings."
        ),
        parameters=[INCIDENT_ID],
        responses={200: IncidentDetailSerializer, **error_responses(401, 404)},
        tags=["emergency"],
    )
    def get(self, request: Request, pk: uuid.UUID) -> Response:
        return _render(request, _visible_incident(request, pk, detail=True))


class AcknowledgeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Acknowledge an incident (stops escalation; acknowledging again changes nothing)",
        description=(
            "Staff with `incidents.manage` or the batch's acting guide (403 for the "
            "trekker). Moves `open` to `acknowledged`; a closed incident is 409 "
            "`invalid_transition`."
        ),
        parameters=[INCIDENT_ID],
        request=None,
        responses={200: IncidentDetailSerializer, **error_responses(401, Forbidden, 404, InvalidTransition)},
        tags=["emergency"],
    )
    def post(self, request: Request, pk: uuid.UUID) -> Response:
        incident = services.incident_acknowledge(
            actor=authenticated_user(request), incident=_handled_incident(request, pk)
        )
        return _detail(request, incident)


class UpdatesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="The incident's timeline",
        description=("Notes and status changes of an incident the caller may see (else 404), oldest first."),
        parameters=[INCIDENT_ID],
        responses={200: IncidentUpdateSerializer(many=True), **error_responses(401, 404)},
        tags=["emergency"],
    )
    def get(self, request: Request, pk: uuid.UUID) -> Response:
        incident = _visible_incident(request, pk, detail=True)
        return Response(IncidentUpdateSerializer(incident.updates.all(), many=True).data)

    @extend_schema(
        summary="Add a note and/or change the status (open > acknowledged > responding > resolved | false_alarm)",
        description=(
            "Staff with `incidents.manage` or the batch's acting guide (403 for the "
            "trekker). A move the state machine does not allow is 409 "
            "`invalid_transition`."
        ),
        parameters=[INCIDENT_ID],
        request=IncidentNoteSerializer,
        responses={201: IncidentDetailSerializer, **error_responses(400, 401, Forbidden, 404, InvalidTransition)},
        tags=["emergency"],
    )
    def post(self, request: Request, pk: uuid.UUID) -> Response:
        incident = _handled_incident(request, pk)
        serializer = IncidentNoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note, new_status = serializer.validated_data["note"], serializer.validated_data.get("status")
        if new_status:
            incident = services.incident_change_status(
                actor=authenticated_user(request), incident=incident, status=new_status, note=note
            )
        else:
            services.incident_add_note(actor=authenticated_user(request), incident=incident, note=note)
        return _detail(request, incident, status.HTTP_201_CREATED)


class ResolveView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Resolve an incident with notes",
        description=(
            "Staff with `incidents.manage` or the batch's acting guide (403 for the "
            "trekker). Closes the incident; the trekker's contacts are told they are "
            "safe. An incident already closed is 409 `invalid_transition`."
        ),
        parameters=[INCIDENT_ID],
        request=ResolveSerializer,
        responses={200: IncidentDetailSerializer, **error_responses(400, 401, Forbidden, 404, InvalidTransition)},
        tags=["emergency"],
    )
    def post(self, request: Request, pk: uuid.UUID) -> Response:
        incident = _handled_incident(request, pk)
        serializer = ResolveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        incident = services.incident_resolve(
            actor=authenticated_user(request), incident=incident, notes=serializer.validated_data["resolution_notes"]
        )
        return _detail(request, incident)


class FalseAlarmView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Cancel an SOS as a false alarm (the trekker, ops staff or the guide); the contacts are told",
        description=("From any open state; a closed incident is 409 `invalid_transition`. Escalation stops."),
        parameters=[INCIDENT_ID],
        request=FalseAlarmSerializer,
        responses={200: IncidentDetailSerializer, **error_responses(400, 401, Forbidden, 404, InvalidTransition)},
        tags=["emergency"],
    )
    def post(self, request: Request, pk: uuid.UUID) -> Response:
        incident = _visible_incident(request, pk)
        if incident.trekker_id != request.user.pk and not selectors.can_handle(request.user, incident):
            raise Forbidden("Only the trekker, ops staff and the batch's guide can cancel this incident.")
        serializer = FalseAlarmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        incident = services.incident_mark_false_alarm(
            actor=authenticated_user(request), incident=incident, note=serializer.validated_data["note"]
        )
        return _detail(request, incident)


class LocationsView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes: list[Any] = []

    @extend_schema(
        summary="The breadcrumb of an incident (oldest first)",
        description="The location pings of an incident the caller may see (else 404).",
        parameters=[INCIDENT_ID],
        responses={200: LocationPingSerializer(many=True), **error_responses(401, 404)},
        tags=["emergency"],
    )
    def get(self, request: Request, pk: uuid.UUID) -> Response:
        incident = _visible_incident(request, pk, detail=True)
        return Response(LocationPingSerializer(incident.pings.all(), many=True).data)

    @extend_schema(
        summary="Send a batch of location pings (idempotent per device time)",
        description="The trekker's device (or the batch's guide) sends fixes; a device time already stored is "
        "skipped, fixes after the incident closed are ignored. The latest fix becomes the incident's location.",
        parameters=[INCIDENT_ID],
        request=PingBatchSerializer,
        responses={200: PingResultSerializer, **error_responses(400, 401, Forbidden, 404)},
        tags=["emergency"],
    )
    def post(self, request: Request, pk: uuid.UUID) -> Response:
        incident = _visible_incident(request, pk)
        if incident.trekker_id != request.user.pk and not selectors.is_batch_guide(request.user, incident):
            raise Forbidden("Only the trekker and the batch's guide send locations.")
        serializer = PingBatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.incident_add_locations(
            actor=authenticated_user(request), incident=incident, pings=serializer.to_pings()
        )
        fresh = _visible_incident(request, incident.pk)
        return Response(
            PingResultSerializer(
                {
                    "accepted": result.accepted,
                    "duplicates": result.duplicates,
                    "ignored": result.ignored,
                    "incident": fresh,
                }
            ).data
        )


class ActiveIncidentsGeoJSONView(APIView):
    permission_classes = [HasCapability(Capability.INCIDENTS_MANAGE)]
    renderer_classes = [GeoJSONRenderer, JSONRenderer]

    @extend_schema(
        summary="Map feed: active incidents with a known location, as a GeoJSON FeatureCollection",
        description=(
            "Staff with `incidents.manage`. `application/geo+json`: one Point feature "
            "per open, acknowledged or responding incident with a location. Errors are "
            "JSON envelopes."
        ),
        # 404: an unknown ?format= (DRF's format override finds no renderer for it).
        responses={200: GeoJSONFeatureCollectionSerializer, **error_responses(401, 403, NotFound)},
        tags=["emergency"],
    )
    def get(self, request: Request) -> Response:
        features = [
            {
                "type": "Feature",
                "id": str(incident.pk),
                "geometry": {"type": "Point", "coordinates": [float(incident.longitude), float(incident.latitude)]},
                "properties": {
                    "status": incident.status,
                    "kind": incident.kind,
                    "severity": incident.severity,
                    "trekker": incident.trekker.get_full_name() or incident.trekker.tribe_handle,
                    "trek": incident.batch.trek.name if incident.batch else None,
                    "received_at": incident.received_at.isoformat(),
                    "location_at": incident.location_at.isoformat() if incident.location_at else None,
                    "accuracy_m": incident.accuracy_m,
                    "battery_pct": incident.battery_pct,
                    "delayed": incident.delayed,
                },
            }
            for incident in selectors.active_incidents_with_location()[:1000]
            if incident.latitude is not None and incident.longitude is not None
        ]
        return Response({"type": "FeatureCollection", "features": features})
