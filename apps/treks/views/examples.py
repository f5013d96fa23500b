"""OpenAPI examples of browsing the catalog (``extend_schema(examples=...)``): what an app gets.

Prices are rupees as decimal strings (``"14500.00"``), as every catalog price is. A list's example is one
item: drf-spectacular wraps it in the page (``count``, ``next``, ``previous``, ``results``).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample

MEDIA = "https://media.obsexperiences.in"
TREK_ID = "5d8f2b1c-3e4a-4b6c-8d9e-0f1a2b3c4d5e"
BATCH_ID = "a3c5e7f9-1b2d-4e6f-8a0c-2e4f6a8c0e2b"
REGION = {"slug": "uttarakhand", "name": "Uttarakhand"}
NEXT_BATCH = {
    "id": BATCH_ID,
    "start_date": "2026-12-19",
    "end_date": "2026-12-24",
    "price": "14500.00",
    "seats_left": 6,
    "status": "open",
}
GUIDE = {
    "id": "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f",
    "name": "Pushkar Rawat",
    "years_exp": 9,
    "photo": f"{MEDIA}/guides/pushkar-rawat.jpg",
}
BATCH = {
    "id": BATCH_ID,
    "trek": {"slug": "kedarkantha", "name": "Kedarkantha"},
    "start_date": "2026-12-19",
    "end_date": "2026-12-24",
    "price": "14500.00",
    "total_seats": 18,
    "seats_left": 6,
    "status": "open",
    "guide": GUIDE,
}
CARD = {
    "slug": "kedarkantha",
    "name": "Kedarkantha",
    "status": "active",
    "region": REGION,
    "difficulty": {"value": "easy", "label": "Easy"},
    "max_altitude": 3810,
    "duration_days": 6,
    "total_distance": "20.0",
    "themes": ["snow", "summit", "beginner-friendly"],
    "cover_image": f"{MEDIA}/treks/kedarkantha/cover.jpg",
    "price_from": "14500.00",
    "next_batch": NEXT_BATCH,
}


def _response(name: str, value: dict[str, object], status: int = 200) -> OpenApiExample:
    return OpenApiExample(name, value=value, response_only=True, status_codes=[str(status)])


TREK_LIST = [_response("Trek card", CARD)]
TREK_DETAIL = [
    _response(
        "Active trek",
        {
            **CARD,
            "id": TREK_ID,
            "description": "A winter summit trek through oak and pine forest above Sankri, Uttarkashi district.",
            "max_group_size": 18,
            "best_months": [12, 1, 2, 3, 4],
            "inclusions": ["Stay in tents and homestay", "Vegetarian meals", "Certified trek leader"],
            "exclusions": ["Transport to Sankri", "Personal porter"],
            "packing_list": ["Down jacket", "Trekking poles", "Microspikes"],
            "fitness_prep": "Run 5 km in under 35 minutes before the trek.",
            "faqs": [{"question": "Is it safe for beginners?", "answer": "Yes, with six weeks of preparation."}],
            "gallery": [
                {
                    "id": "e2f4a6c8-0b1d-4f3a-9c5e-7a9b1d3f5e70",
                    "url": f"{MEDIA}/treks/kedarkantha/summit.jpg",
                    "caption": "Sunrise at the summit",
                    "position": 0,
                }
            ],
            "itinerary": [
                {
                    "day_number": 1,
                    "title": "Dehradun to Sankri",
                    "camp_name": "Sankri homestay",
                    "altitude": 1920,
                    "distance_km": "0.0",
                    "description": "A 200 km drive along the Yamuna and Tons rivers.",
                    "meal_plan": "Dinner",
                    "evacuation_notes": "",
                    "nearest_medical_point": "Primary health centre, Mori (35 km by road)",
                },
                {
                    "day_number": 2,
                    "title": "Sankri to Juda ka Talab",
                    "camp_name": "Juda ka Talab",
                    "altitude": 2780,
                    "distance_km": "4.0",
                    "description": "Through pine and oak forest to a frozen lake.",
                    "meal_plan": "Breakfast, lunch, dinner",
                    "evacuation_notes": "Walk down to Sankri (2 h); the road head has jeeps to Mori.",
                    "nearest_medical_point": "Primary health centre, Mori (35 km from Sankri)",
                },
            ],
            "batches": [BATCH],
            "guides": [GUIDE],
            "route": {
                "distance_km": 19.8,
                "elevation_gain_m": 1950,
                "elevation_loss_m": 1950,
                "min_altitude_m": 1920,
                "max_altitude_m": 3810,
                "bounds": {"min_lat": 31.0214, "min_lon": 78.1632, "max_lat": 31.0563, "max_lon": 78.1958},
                "points": 1240,
                "profile": [
                    {"distance_km": 0.0, "altitude_m": 1920},
                    {"distance_km": 9.9, "altitude_m": 3810},
                    {"distance_km": 19.8, "altitude_m": 1920},
                ],
                "geojson_url": "/api/v1/treks/kedarkantha/route.geojson",
                "gpx_url": f"{MEDIA}/treks/kedarkantha/route.gpx",
            },
            "created_at": "2026-01-08T10:15:00+05:30",
            "updated_at": "2026-11-02T16:40:12+05:30",
        },
    )
]
TREK_BATCHES = [_response("Open departure", BATCH)]
