"""The demo catalog's content: six regions and ten real Himalayan treks with their itineraries.

Altitudes are in metres, durations count the days from the road head and back, as Indian operators sell
them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from apps.treks.models import Trek

REGIONS = {
    "uttarakhand": (
        "Uttarakhand",
        "Garhwal and Kumaon: oak and rhododendron forests, bugyals and the Nanda Devi group.",
    ),
    "himachal-pradesh": ("Himachal Pradesh", "Kullu, Lahaul and Spiti: green valleys turning into high desert."),
    "kashmir": ("Kashmir", "Alpine lakes and meadows under the Harmukh massif, north of Srinagar."),
    "sikkim": ("Sikkim", "Khangchendzonga National Park: the closest views of the world's third-highest peak."),
    "darjeeling": ("Darjeeling", "The Singalila ridge on the India-Nepal border, with four 8,000 m peaks in view."),
    "ladakh": ("Ladakh", "Trans-Himalayan high desert: gompas, stone villages and passes above 5,000 m."),
}

COMMON_INCLUSIONS = [
    "Accommodation from day 1 to the last day (guest house at the base, tents on the trek)",
    "All vegetarian meals on the trek",
    "Forest and camping permits",
    "Certified trek leader, local guides, cooks and support staff",
    "Safety equipment: first aid, oxygen cylinder, stretcher",
]
COMMON_EXCLUSIONS = ["Travel to and from the base", "Personal porter (offloading)", "Insurance", "Anything not listed"]
PACKING = [
    "Trekking shoes with ankle support",
    "3 warm layers and a padded jacket",
    "Rain jacket and pants",
    "Trekking pole",
    "Headlamp",
    "Sunglasses (UV protection)",
    "2 water bottles",
    "Personal medicine kit",
]


def _day(title: str, camp: str, altitude: int, km: float, text: str, meals: str = "B, L, D") -> dict[str, Any]:
    return {
        "title": title,
        "camp_name": camp,
        "altitude": altitude,
        "distance_km": Decimal(str(km)),
        "description": text,
        "meal_plan": meals,
    }


TREKS: list[dict[str, Any]] = [
    {
        "name": "Kedarkantha",
        "region": "uttarakhand",
        "max_altitude": 3810,
        "total_distance": "20.0",
        "duration_days": 6,
        "difficulty": Trek.Difficulty.MODERATE,
        "themes": ["snow", "summit", "forest", "winter"],
        "best_months": [12, 1, 2, 3, 4],
        "price": "12500.00",
        "description": (
            "The classic winter summit of Uttarakhand, in Govind Pashu Vihar above Sankri. Pine and oak forest, "
            "the frozen Juda ka Talab and a 3,810 m summit with Swargarohini, Bandarpoonch and Black Peak in view."
        ),
        "itinerary": [
            _day("Dehradun to Sankri", "Sankri guest house", 1950, 0, "A 200 km drive along the Tons valley.", "D"),
            _day("Sankri to Juda ka Talab", "Juda ka Talab", 2775, 4, "Through pine and oak to the frozen lake."),
            _day("Juda ka Talab to Kedarkantha base", "Kedarkantha base", 3430, 4, "Open clearings with summit views."),
            _day("Summit day, descent to Hargaon", "Hargaon", 3100, 6, "Pre-dawn climb to the 3,810 m summit."),
            _day("Hargaon to Sankri", "Sankri guest house", 1950, 6, "Down through the forest to the village."),
            _day("Sankri to Dehradun", "-", 640, 0, "Drive back, reaching Dehradun by evening.", "B"),
        ],
    },
    {
        "name": "Hampta Pass",
        "region": "himachal-pradesh",
        "max_altitude": 4270,
        "total_distance": "26.0",
        "duration_days": 5,
        "difficulty": Trek.Difficulty.MODERATE,
        "themes": ["crossover", "pass", "meadows", "river"],
        "best_months": [6, 7, 8, 9],
        "price": "14500.00",
        "description": (
            "A crossover from the green Kullu valley to the barren Lahaul side over a 4,270 m pass, with a drive to "
            "Chandratal lake at the end."
        ),
        "itinerary": [
            _day("Manali to Jobra, walk to Chika", "Chika", 3100, 2.5, "Short walk along the Rani Nallah.", "L, D"),
            _day("Chika to Balu ka Ghera", "Balu ka Ghera", 3600, 9, "River crossings and wide meadows."),
            _day("Over Hampta Pass to Shea Goru", "Shea Goru", 3850, 10, "Steep climb to 4,270 m, then into Lahaul."),
            _day(
                "Shea Goru to Chatru", "Chatru", 3300, 6, "Down to the Chandra river; Chandratal if the road is open."
            ),
            _day("Chatru to Manali", "-", 2050, 0, "Drive over the Rohtang pass or through the Atal tunnel.", "B"),
        ],
    },
    {
        "name": "Kashmir Great Lakes",
        "region": "kashmir",
        "max_altitude": 4200,
        "total_distance": "72.0",
        "duration_days": 7,
        "difficulty": Trek.Difficulty.DIFFICULT,
        "themes": ["lakes", "meadows", "pass"],
        "best_months": [7, 8, 9],
        "price": "24500.00",
        "description": (
            "Seven alpine lakes (Vishansar, Kishansar, Gadsar, Satsar and the Gangabal twins) linked by three passes "
            "above 4,000 m, from Sonamarg to Naranag."
        ),
        "itinerary": [
            _day("Arrive at Sonamarg", "Shitkadi camp", 2730, 0, "Meet at Sonamarg, 80 km from Srinagar.", "D"),
            _day("Sonamarg to Nichnai", "Nichnai", 3505, 11, "Maple and birch, then the Nichnai valley."),
            _day("Nichnai to Vishansar lake", "Vishansar", 3650, 12, "Over the 4,080 m Nichnai pass."),
            _day("Over Gadsar pass to Gadsar", "Gadsar", 3600, 14, "Kishansar and Vishansar from the 4,200 m pass."),
            _day("Gadsar to Satsar", "Satsar", 3650, 12, "Army check post at Meengandob on the way."),
            _day("Satsar to Gangabal", "Gangabal", 3570, 11, "Over Zach pass to the twin lakes under Harmukh."),
            _day("Gangabal to Naranag", "-", 2270, 11, "Steep descent through pine; drive to Srinagar.", "B, L"),
        ],
    },
    {
        "name": "Roopkund",
        "region": "uttarakhand",
        "max_altitude": 4800,
        "total_distance": "53.0",
        "duration_days": 8,
        "difficulty": Trek.Difficulty.DIFFICULT,
        "themes": ["lakes", "meadows", "summit", "mystery"],
        "best_months": [5, 6, 9, 10],
        "price": "19500.00",
        "description": (
            "The mystery lake at 4,785 m with its skeletons, reached through Ali and Bedni Bugyal, among India's "
            "finest high meadows, with Trishul and Nanda Ghunti close by. Camping in the bugyals follows the "
            "Uttarakhand High Court's rules, which change the route some seasons."
        ),
        "itinerary": [
            _day("Kathgodam to Lohajung", "Lohajung", 2350, 0, "A 210 km drive through Kumaon.", "D"),
            _day("Lohajung to Didna", "Didna", 2450, 7, "Down to the Neel Ganga and up to Didna village."),
            _day("Didna to Bedni Bugyal", "Bedni Bugyal", 3354, 11, "Through Ali Bugyal's rolling meadows."),
            _day("Bedni Bugyal to Patar Nachauni", "Patar Nachauni", 3800, 5, "Along the ridge facing Trishul."),
            _day("Patar Nachauni to Bhagwabasa", "Bhagwabasa", 4300, 4, "Past Kalu Vinayak temple at 4,650 m."),
            _day("Roopkund and Junargali, back down", "Patar Nachauni", 3800, 11, "Lake at 4,785 m, ridge 4,800 m."),
            _day("Patar Nachauni to Lohajung", "Lohajung", 2350, 17, "Long descent via Wan."),
            _day("Lohajung to Kathgodam", "-", 550, 0, "Drive back.", "B"),
        ],
    },
    {
        "name": "Goechala",
        "region": "sikkim",
        "max_altitude": 4600,
        "total_distance": "90.0",
        "duration_days": 11,
        "difficulty": Trek.Difficulty.DIFFICULT,
        "themes": ["summit-views", "forest", "lakes"],
        "best_months": [4, 5, 10, 11],
        "price": "23500.00",
        "description": (
            "From Yuksom through Khangchendzonga National Park to Goechala Viewpoint 1 (4,600 m), face to face with "
            "Khangchendzonga (8,586 m), past Dzongri and Samiti lake."
        ),
        "itinerary": [
            _day("NJP to Yuksom", "Yuksom", 1780, 0, "Drive 150 km to the first capital of Sikkim.", "D"),
            _day("Yuksom to Sachen", "Sachen", 2200, 8, "Into the park, across the Prekchu."),
            _day("Sachen to Tshoka", "Tshoka", 3050, 7, "Steep climb past Bakhim to the Tibetan settlement."),
            _day("Tshoka to Dzongri", "Dzongri", 4020, 9, "Rhododendron forest and the Phedang meadow."),
            _day("Rest and acclimatisation at Dzongri", "Dzongri", 4020, 4, "Sunrise from Dzongri top (4,170 m)."),
            _day("Dzongri to Thansing", "Thansing", 3930, 10, "Down to Kokchurang and up the Prekchu valley."),
            _day("Thansing to Lamuney", "Lamuney", 4180, 4, "Short day below the moraine."),
            _day(
                "Lamuney to Goechala Viewpoint 1, back to Thansing", "Thansing", 3930, 16, "Start at 2 am; Samiti lake."
            ),
            _day("Thansing to Tshoka", "Tshoka", 3050, 16, "Back through Phedang."),
            _day("Tshoka to Yuksom", "Yuksom", 1780, 15, "The last descent."),
            _day("Yuksom to NJP", "-", 120, 0, "Drive back.", "B"),
        ],
    },
    {
        "name": "Sandakphu",
        "region": "darjeeling",
        "max_altitude": 3636,
        "total_distance": "47.0",
        "duration_days": 6,
        "difficulty": Trek.Difficulty.MODERATE,
        "themes": ["summit-views", "ridge", "forest"],
        "best_months": [3, 4, 5, 10, 11, 12],
        "price": "15500.00",
        "description": (
            "Along the Singalila ridge on the India-Nepal border to West Bengal's highest point, from where Everest, "
            "Lhotse, Makalu and Khangchendzonga are all in view."
        ),
        "itinerary": [
            _day("NJP to Manebhanjan, walk to Chitrey", "Chitrey", 2550, 3, "Drive 90 km, short climb.", "D"),
            _day("Chitrey to Tumling", "Tumling", 2970, 10, "Past Lamaydhura and Meghma."),
            _day("Tumling to Kalipokhri", "Kalipokhri", 3186, 14, "Through Singalila National Park."),
            _day("Kalipokhri to Sandakphu", "Sandakphu", 3636, 6, "The last steep climb via Bikheybhanjang."),
            _day("Sandakphu to Srikhola", "Srikhola", 1900, 16, "Sunrise over the Sleeping Buddha; down via Gurdum."),
            _day("Srikhola to Rimbik, drive to NJP", "-", 2290, 5, "Walk to the road head.", "B"),
        ],
    },
    {
        "name": "Valley of Flowers",
        "region": "uttarakhand",
        "max_altitude": 4329,
        "total_distance": "38.0",
        "duration_days": 6,
        "difficulty": Trek.Difficulty.MODERATE,
        "themes": ["flowers", "meadows", "lakes", "unesco"],
        "best_months": [7, 8, 9],
        "price": "15500.00",
        "description": (
            "The UNESCO World Heritage valley of alpine flowers in Nanda Devi Biosphere Reserve, with the climb to "
            "Hemkund Sahib's glacial lake at 4,329 m."
        ),
        "itinerary": [
            _day("Rishikesh to Govindghat", "Govindghat", 1828, 0, "A 270 km drive along the Alaknanda.", "D"),
            _day("Govindghat to Ghangaria", "Ghangaria", 3049, 10, "From Pulna along the Lakshman Ganga."),
            _day("Valley of Flowers and back", "Ghangaria", 3049, 9, "Into the valley up to about 3,658 m."),
            _day("Hemkund Sahib and back", "Ghangaria", 3049, 12, "1,300 m climb to the lake at 4,329 m."),
            _day("Ghangaria to Govindghat, drive to Joshimath", "Joshimath", 1875, 10, "Down to the road."),
            _day("Joshimath to Rishikesh", "-", 340, 0, "Drive back.", "B"),
        ],
    },
    {
        "name": "Brahmatal",
        "region": "uttarakhand",
        "max_altitude": 3734,
        "total_distance": "24.0",
        "duration_days": 6,
        "difficulty": Trek.Difficulty.MODERATE,
        "themes": ["snow", "lakes", "summit-views", "winter"],
        "best_months": [12, 1, 2, 3],
        "price": "12950.00",
        "description": (
            "A winter trek above Lohajung to the frozen Bekaltal and Brahmatal lakes, with Trishul and Nanda Ghunti "
            "across the valley for most of the way."
        ),
        "itinerary": [
            _day("Kathgodam to Lohajung", "Lohajung", 2350, 0, "A 210 km drive through Kumaon.", "D"),
            _day("Lohajung to Bekaltal", "Bekaltal", 2750, 6, "Through oak and rhododendron to the lake."),
            _day("Bekaltal to Tilandi", "Tilandi", 3292, 6, "Onto the ridge with Trishul ahead."),
            _day(
                "Brahmatal top, down to the lake", "Brahmatal lake", 3250, 6, "The 3,734 m top, then the frozen lake."
            ),
            _day("Brahmatal lake to Lohajung", "Lohajung", 2350, 10, "Down through Jhandi top."),
            _day("Lohajung to Kathgodam", "-", 550, 0, "Drive back.", "B"),
        ],
    },
    {
        "name": "Har Ki Dun",
        "region": "uttarakhand",
        "max_altitude": 3566,
        "total_distance": "47.0",
        "duration_days": 7,
        "difficulty": Trek.Difficulty.MODERATE,
        "themes": ["valley", "villages", "forest", "river"],
        "best_months": [4, 5, 6, 9, 10, 11, 12],
        "price": "13950.00",
        "description": (
            "The Valley of Gods below Swargarohini, through the 5,000-year-old villages of Osla and Seema along the "
            "Supin river in Govind National Park."
        ),
        "itinerary": [
            _day("Dehradun to Sankri", "Sankri guest house", 1950, 0, "A 200 km drive.", "D"),
            _day("Sankri to Taluka, walk to Pauni Garaat", "Pauni Garaat", 2500, 11, "Along the Supin river."),
            _day("Pauni Garaat to Kalkattiyadhar", "Kalkattiyadhar", 3000, 7, "Past Osla village."),
            _day("Kalkattiyadhar to Har Ki Dun", "Har Ki Dun", 3566, 7, "Into the valley below Swargarohini."),
            _day("Marinda Tal, back to Kalkattiyadhar", "Kalkattiyadhar", 3000, 10, "Morning at Marinda Tal."),
            _day("Kalkattiyadhar to Sankri", "Sankri guest house", 1950, 18, "Long walk out and drive."),
            _day("Sankri to Dehradun", "-", 640, 0, "Drive back.", "B"),
        ],
    },
    {
        "name": "Markha Valley",
        "region": "ladakh",
        "max_altitude": 5260,
        "total_distance": "65.0",
        "duration_days": 8,
        "difficulty": Trek.Difficulty.DIFFICULT,
        "themes": ["high-altitude", "villages", "pass", "desert"],
        "best_months": [6, 7, 8, 9],
        "price": "26500.00",
        "description": (
            "Through Hemis National Park from Chilling to Shang Sumdo: Ladakhi villages, the Nimaling plateau under "
            "Kang Yatse and the 5,260 m Kongmaru La. Two days of acclimatisation in Leh are part of the trek."
        ),
        "itinerary": [
            _day("Arrive in Leh", "Leh guest house", 3500, 0, "Rest: the first day at altitude matters most.", "D"),
            _day("Acclimatisation in Leh", "Leh guest house", 3500, 4, "Short walk to Shanti Stupa."),
            _day("Drive to Chilling, walk to Skiu", "Skiu", 3400, 6, "Cross the Zanskar at Chilling."),
            _day("Skiu to Markha", "Markha", 3700, 22, "The longest day, along the Markha river."),
            _day("Markha to Hankar", "Hankar", 3950, 11, "Past Techa gompa."),
            _day("Hankar to Nimaling", "Nimaling", 4720, 11, "Up to the plateau under Kang Yatse."),
            _day("Over Kongmaru La to Shang Sumdo", "Leh guest house", 3500, 16, "The 5,260 m pass; drive to Leh."),
            _day("Depart Leh", "-", 3500, 0, "Fly out.", "B"),
        ],
    },
]
