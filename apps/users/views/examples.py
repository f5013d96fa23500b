"""OpenAPI examples of the sign-in operations (``extend_schema(examples=...)``): what an app sends and gets."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample

# Shortened tokens: real ones are longer JWTs of the same three parts.
ACCESS = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIn0.2mYw3JbC1ZVrT0yQe9k"
REFRESH = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCJ9.q8Xx7LpV0nG4dTzR1cA"

USER = {
    "id": "0f5c2a8e-6b1d-4f3a-9c7e-2d4b8a1f6e90",
    "email": "ananya.sharma@example.in",
    "email_verified": True,
    "phone": "+919812345678",
    "phone_verified": True,
    "first_name": "Ananya",
    "last_name": "Sharma",
    "full_name": "Ananya Sharma",
    "bio": "Weekend trekker from Dehradun.",
    "profile_photo": None,
    "tribe_handle": "ananya_on_trail",
    "date_of_birth": "1996-04-12",
    "experience_level": "beginner",
    "tribe_tier": "trail_blazer",
    "obs_points": 1250,
    "staff_role": None,
    "language": "hi",
    "date_joined": "2026-03-14T09:21:07+05:30",
}


def _response(name: str, value: dict[str, object], status: int = 200) -> OpenApiExample:
    return OpenApiExample(name, value=value, response_only=True, status_codes=[str(status)])


def _request(name: str, value: dict[str, object]) -> OpenApiExample:
    return OpenApiExample(name, value=value, request_only=True)


LOGIN = [
    _request("Credentials", {"email": "ananya.sharma@example.in", "password": "Kedarkantha-2026"}),
    _response("Signed in", {"user": USER, "access": ACCESS, "refresh": REFRESH}),
]
REGISTER = [
    _request(
        "New account",
        {
            "email": "rohan.verma@example.in",
            "password": "Hampta-Pass-2026",
            "first_name": "Rohan",
            "last_name": "Verma",
        },
    ),
    _response(
        "Created and signed in",
        {
            "user": {
                **USER,
                "id": "3b9e1c47-82f0-4d6a-b5e3-7a0c9d2f1e68",
                "email": "rohan.verma@example.in",
                "email_verified": False,
                "phone": None,
                "phone_verified": False,
                "first_name": "Rohan",
                "last_name": "Verma",
                "full_name": "Rohan Verma",
                "bio": "",
                "tribe_handle": None,
                "date_of_birth": None,
                "experience_level": "never",
                "tribe_tier": "basecamp",
                "obs_points": 0,
                "language": "en",
                "date_joined": "2026-11-30T18:02:44+05:30",
            },
            "access": ACCESS,
            "refresh": REFRESH,
        },
        201,
    ),
]
GOOGLE = [
    _request(
        "Google ID token",
        {"id_token": "eyJhbGciOiJSUzI1NiIsImtpZCI6IjFmNDBmMGE4In0.eyJpc3MiOiJhY2NvdW50cy5nb29nbGUuY29tIn0.c2ln"},
    ),
    _response("Signed in", {"user": USER, "access": ACCESS, "refresh": REFRESH, "is_new_user": False}),
]
APPLE = [
    _request(
        "First authorization (Apple gives the name this once)",
        {
            "id_token": "eyJhbGciOiJSUzI1NiIsImtpZCI6IllRcnFOTnRWIn0.eyJpc3MiOiJhcHBsZWlkLmFwcGxlLmNvbSJ9.c2ln",
            "nonce": "6f1d3c0b-9a4e-4c2f-8b7d-51e2a9c3f048",
            "first_name": "Kavya",
            "last_name": "Iyer",
        },
    ),
    _response(
        "A new account (private-relay address)",
        {
            "user": {
                **USER,
                "id": "8c2d4e6f-1a3b-4c5d-9e7f-0a1b2c3d4e5f",
                "email": "k7m2x9qp4t@privaterelay.appleid.com",
                "email_verified": True,
                "phone": None,
                "phone_verified": False,
                "first_name": "Kavya",
                "last_name": "Iyer",
                "full_name": "Kavya Iyer",
                "bio": "",
                "tribe_handle": None,
                "date_of_birth": None,
                "experience_level": "never",
                "tribe_tier": "basecamp",
                "obs_points": 0,
                "language": "en",
                "date_joined": "2026-12-02T07:45:10+05:30",
            },
            "access": ACCESS,
            "refresh": REFRESH,
            "is_new_user": True,
        },
    ),
]
OTP_SEND = [
    _request("Indian mobile number", {"phone": "+91 98123 45678"}),
    _response(
        "Code sent (the same answer for every valid number)",
        {
            "detail": "If this number can receive text messages, a code is on its way.",
            "expires_in": 300,
            "resend_after": 30,
        },
        202,
    ),
]
OTP_VERIFY = [
    _request("Number and code", {"phone": "+919812345678", "code": "482913"}),
    _response("Signed in", {"user": USER, "access": ACCESS, "refresh": REFRESH, "is_new_user": False}),
]
REFRESH_EXAMPLES = [
    _request("Refresh token", {"refresh": REFRESH}),
    _response("A new pair (the refresh token sent stops working)", {"access": ACCESS, "refresh": REFRESH}),
]
