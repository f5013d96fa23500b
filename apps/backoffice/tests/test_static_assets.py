"""The admin's assets are the app's own: production's collectstatic gathers django-unfold's and the vendored
Leaflet's files, and the back-office pages load scripts, styles and images from the same origin only (no CDN)."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from apps.bookings.tests.factories import CouponFactory
from apps.common.tests.production_env import clean_env, production_env
from apps.community.tests.factories import make_booking
from apps.emergency.tests.factories import IncidentFactory
from apps.treks.domain import local_today
from apps.treks.tests.factories import BatchFactory, GuideFactory

ROOT = Path(settings.BASE_DIR)
ASSET = re.compile(r"<(?:script|img|source|iframe)\b[^>]*\bsrc=\"([^\"]+)\"|<link\b[^>]*\bhref=\"([^\"]+)\"", re.I)


@pytest.mark.slow
def test_production_collectstatic_gathers_unfold_and_leaflet(tmp_path: Path) -> None:
    env = clean_env({**production_env(), "STATIC_ROOT": str(tmp_path)})
    done = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    for name in ("leaflet/leaflet.js", "leaflet/leaflet.css", "unfold/css/styles.css", "admin/js/core.js"):
        assert (tmp_path / name).is_file(), name
        assert (tmp_path / f"{name}.gz").is_file(), f"{name}: not compressed for WhiteNoise"


@pytest.mark.django_db
def test_admin_pages_load_assets_from_the_same_origin_only(make_user) -> None:
    owner = make_user()
    batch = BatchFactory(guide=GuideFactory(), start_date=local_today() + timedelta(days=3))
    booking = make_booking(owner, batch=batch)
    incident = IncidentFactory(trekker=owner, batch=batch, latitude="32.318300", longitude="77.187500")
    coupon = CouponFactory()
    client = Client()
    client.force_login(make_user(staff_role="super_admin"))
    pages = [
        "/admin/",
        "/admin/bookings/booking/",
        f"/admin/bookings/booking/{booking.pk}/change/",
        f"/admin/treks/batch/{batch.pk}/change/",
        f"/admin/treks/batch/{batch.pk}/reschedule/",
        "/admin/emergency/incident/",
        f"/admin/emergency/incident/{incident.pk}/change/",
        f"/admin/bookings/coupon/{coupon.pk}/change/",
    ]
    foreign: list[str] = []
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        urls = [src or href for src, href in ASSET.findall(html)]
        assert urls, page
        foreign += [f"{page}: {url}" for url in urls if re.match(r"^(?:[a-z][a-z0-9+.-]*:)?//", url, re.I)]
    assert not foreign, "assets from another origin:\n" + "\n".join(foreign)
