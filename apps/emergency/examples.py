"""OpenAPI examples of raising an SOS (``extend_schema(examples=...)``): what the app sends and gets."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample

INCIDENT = {
    "id": "d9e1f3a5-7b9c-4d1e-8f3a-5b7c9d1e3f5a",
    "status": "open",
    "kind": "sos",
    "severity": "critical",
    "source": "app",
    "trekker": {"id": "0f5c2a8e-6b1d-4f3a-9c7e-2d4b8a1f6e90", "name": "Ananya Sharma", "phone": "+919812345678"},
    "batch": {
        "id": "b4d6f8a0-2c3e-4f5a-9b7c-1d3e5f7a9c0e",
        "trek_name": "Kedarkantha",
        "trek_slug": "kedarkantha",
        "start_date": "2026-12-26",
        "end_date": "2026-12-31",
    },
    "reported_by": {"id": "0f5c2a8e-6b1d-4f3a-9c7e-2d4b8a1f6e90", "name": "Ananya Sharma"},
    "device_time": "2026-12-28T14:06:52+05:30",
    "received_at": "2026-12-28T14:07:03+05:30",
    "delayed": False,
    "location": {
        "latitude": "31.034712",
        "longitude": "78.178356",
        "accuracy_m": 12.0,
        "altitude_m": 3420.0,
        "recorded_at": "2026-12-28T14:06:52+05:30",
        "maps_url": "https://maps.google.com/?q=31.034712,78.178356",
    },
    "battery_pct": 38,
    "message": "Twisted ankle below the summit ridge, cannot walk.",
    "acknowledged_by": None,
    "acknowledged_at": None,
    "resolved_by": None,
    "resolved_at": None,
    "resolution_notes": "",
    "escalation_count": 0,
    "next_escalation_at": "2026-12-28T14:12:03+05:30",
}

SOS = [
    OpenApiExample(
        "From the phone with a GPS fix",
        value={
            "latitude": 31.034712,
            "longitude": 78.178356,
            "accuracy_m": 12.0,
            "altitude_m": 3420.0,
            "battery_pct": 38,
            "message": "Twisted ankle below the summit ridge, cannot walk.",
            "kind": "sos",
            "client_created_at": "2026-12-28T14:06:52+05:30",
        },
        request_only=True,
    ),
    OpenApiExample("Created and alerts queued", value=INCIDENT, response_only=True, status_codes=["201"]),
    OpenApiExample("A replay of the same key", value=INCIDENT, response_only=True, status_codes=["200"]),
]
