"""The catalog admin refuses what the API refuses, and saves through the same services (audit, catalog version)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.common.models import AuditLog
from apps.treks.models import Batch, CatalogVersion, Guide, Region, Trek
from apps.treks.tests.factories import BatchFactory, GuideFactory, RegionFactory, TrekFactory
from apps.users.models import User

pytestmark = pytest.mark.django_db


def _browser(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form_data(client: Client, url: str, **changes: Any) -> dict[str, Any]:
    """What the admin's change form would post as it stands, with ``changes``."""
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    for name, value in list(data.items()):
        if isinstance(value, list) and name not in ("regions",):
            data[name] = str(value).replace("'", '"')
    data.update(changes)
    for upload in ("cover_image", "gpx_file", "photo"):  # files are not posted back
        data.pop(upload, None)
    return data


def _version() -> int:
    row = CatalogVersion.objects.first()
    return row.value if row else 0


def _refused(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.status_code  # the form again, with its errors
    form = response.context["adminform"].form
    assert form.errors
    return dict(form.errors)


def test_region_admin_refuses_a_name_taken_in_another_case(
    make_user: Callable[..., User], client_for: Callable[..., Any]
) -> None:
    RegionFactory(name="Sikkim", slug="sikkim")
    api = client_for(make_user(staff_role="content")).post("/api/v1/regions/", {"name": "SIKKIM"}, format="json")
    assert api.status_code == 409
    browser = _browser(make_user(staff_role="content"))
    errors = _refused(browser.post("/admin/treks/region/add/", {"name": "SIKKIM", "slug": "sikkim-2"}))
    assert "region_exists" in str(errors)
    assert Region.objects.count() == 1


def test_region_admin_saves_through_the_service(
    make_user: Callable[..., User], django_capture_on_commit_callbacks: Any
) -> None:
    region = RegionFactory(name="Sikkim", slug="sikkim")
    before = _version()
    browser = _browser(make_user(staff_role="content"))
    url = f"/admin/treks/region/{region.pk}/change/"
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(url, {"name": "Sikkim Himalaya", "description": "East."})
    assert response.status_code == 302
    region.refresh_from_db()
    assert (region.name, region.slug) == ("Sikkim Himalaya", "sikkim")
    log = AuditLog.objects.get(action="region.updated", target_id=str(region.pk))
    assert log.changes["name"] == ["Sikkim", "Sikkim Himalaya"]
    assert _version() > before


def test_trek_admin_refuses_what_the_api_refuses(
    make_user: Callable[..., User], client_for: Callable[..., Any]
) -> None:
    trek = TrekFactory(duration_days=6)
    content = make_user(staff_role="content")
    api = client_for(content).patch(f"/api/v1/treks/{trek.slug}/", {"themes": ["snow peaks"]}, format="json")
    assert api.status_code == 400
    browser = _browser(content)
    url = f"/admin/treks/trek/{trek.pk}/change/"
    inlines = {f"{p}-{k}": "0" for p in ("itinerary", "photos", "batches") for k in ("TOTAL_FORMS", "INITIAL_FORMS")}
    data = _form_data(browser, url, themes='["snow peaks"]', **inlines)
    assert "themes" in _refused(browser.post(url, data))
    # an itinerary that does not have one day per trek day, as PUT treks/{slug}/itinerary/ refuses
    data = _form_data(browser, url, **inlines)
    data.update(
        {
            "itinerary-TOTAL_FORMS": "1",
            "itinerary-0-day_number": "1",
            "itinerary-0-title": "Walk in",
            "itinerary-0-altitude": "2000",
            "itinerary-0-distance_km": "5",
        }
    )
    response = browser.post(url, data)
    assert response.status_code == 200
    assert "exactly 6 days" in response.content.decode()
    assert not trek.itinerary.exists()
    assert not AuditLog.objects.filter(action="trek.updated").exists()
    data["itinerary-TOTAL_FORMS"] = "6"
    for day in range(1, 6):
        for key in ("title", "altitude", "distance_km"):
            data[f"itinerary-{day}-{key}"] = data[f"itinerary-0-{key}"]
        data[f"itinerary-{day}-day_number"] = str(day + 1)
    response = browser.post(url, data)
    assert response.status_code == 302
    assert list(trek.itinerary.values_list("day_number", flat=True)) == [1, 2, 3, 4, 5, 6]
    assert AuditLog.objects.filter(action="trek.itinerary_set", target_id=str(trek.pk)).exists()


def test_guide_admin_refuses_what_the_api_refuses(
    make_user: Callable[..., User], client_for: Callable[..., Any]
) -> None:
    content = make_user(staff_role="content")
    trekker = make_user()
    api = client_for(content).post("/api/v1/guides/", {"user": str(trekker.pk)}, format="json")
    assert api.status_code == 400  # not a guide by role
    browser = _browser(content)
    add = {"user": str(trekker.pk), "bio": "", "years_exp": "3", "certifications": "[]", "satellite_phone": ""}
    assert "user" in _refused(browser.post("/admin/treks/guide/add/", add))
    assert not Guide.objects.filter(user=trekker).exists()
    guide = GuideFactory()
    api = client_for(content).patch(f"/api/v1/guides/{guide.pk}/", {"satellite_phone": "12345"}, format="json")
    assert api.status_code == 400
    url = f"/admin/treks/guide/{guide.pk}/change/"
    assert "satellite_phone" in _refused(browser.post(url, _form_data(browser, url, satellite_phone="12345")))
    response = browser.post(url, _form_data(browser, url, years_exp="7"))
    assert response.status_code == 302
    assert Guide.objects.get(pk=guide.pk).years_exp == 7
    assert AuditLog.objects.filter(action="guide.updated", target_id=str(guide.pk)).exists()


def _batch_post(batch: Batch, **changes: Any) -> dict[str, Any]:
    data = {
        "guide": str(batch.guide_id or ""),
        "start_date": str(batch.start_date),
        "end_date": str(batch.end_date),
        "total_seats": str(batch.total_seats),
        "price": str(batch.price),
    }
    return data | changes


def test_batch_admin_refuses_an_end_date_the_trek_does_not_last(
    make_user: Callable[..., User], client_for: Callable[..., Any]
) -> None:
    batch = BatchFactory(trek__duration_days=6)
    ops = make_user(staff_role="ops_manager")
    wrong_end = str(batch.start_date + timedelta(days=45))
    api = client_for(ops).patch(f"/api/v1/batches/{batch.pk}/", {"end_date": wrong_end}, format="json")
    assert api.status_code == 400
    browser = _browser(ops)
    errors = _refused(browser.post(f"/admin/treks/batch/{batch.pk}/change/", _batch_post(batch, end_date=wrong_end)))
    assert "end_date" in errors
    too_many = str(batch.trek.max_group_size + 1)
    assert "total_seats" in _refused(
        browser.post(f"/admin/treks/batch/{batch.pk}/change/", _batch_post(batch, total_seats=too_many))
    )
    new = {"trek": str(batch.trek_id), **_batch_post(batch, end_date=wrong_end)}
    new["start_date"] = str(timezone.localdate() + timedelta(days=90))
    assert "end_date" in _refused(browser.post("/admin/treks/batch/add/", new))
    assert Batch.objects.count() == 1
    assert Batch.objects.get(pk=batch.pk).end_date == batch.end_date


def test_batch_admin_refuses_a_guide_on_overlapping_dates(make_user: Callable[..., User]) -> None:
    guide = GuideFactory()
    taken = BatchFactory(guide=guide)
    other = BatchFactory(start_date=taken.start_date + timedelta(days=2))
    browser = _browser(make_user(staff_role="ops_manager"))
    url = f"/admin/treks/batch/{other.pk}/change/"
    errors = _refused(browser.post(url, _batch_post(other, guide=str(guide.pk))))
    assert "guide_unavailable" in str(errors)
    assert Batch.objects.get(pk=other.pk).guide_id is None
    duplicate = {"trek": str(taken.trek_id), **_batch_post(taken)}
    assert "guide_unavailable" in str(_refused(browser.post("/admin/treks/batch/add/", duplicate)))


def test_batch_admin_reschedule_goes_through_the_service(
    make_user: Callable[..., User], django_capture_on_commit_callbacks: Any
) -> None:
    batch = BatchFactory(trek__duration_days=6)
    before = _version()
    browser = _browser(make_user(staff_role="ops_manager"))
    start = batch.start_date + timedelta(days=10)
    changes = {"start_date": str(start), "end_date": str(start + timedelta(days=5))}
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(f"/admin/treks/batch/{batch.pk}/change/", _batch_post(batch, **changes))
    assert response.status_code == 302
    assert Batch.objects.get(pk=batch.pk).start_date == start
    assert AuditLog.objects.filter(action="batch.rescheduled", target_id=str(batch.pk)).count() == 1
    assert AuditLog.objects.get(action="batch.updated").changes["via"] == "admin"
    assert _version() > before
    response = browser.post(
        "/admin/treks/batch/add/",
        {"trek": str(batch.trek_id), **_batch_post(batch, start_date=str(start + timedelta(days=30)), end_date="")},
    )
    assert response.status_code == 302
    created = Batch.objects.exclude(pk=batch.pk).get()
    assert created.end_date == start + timedelta(days=35)  # the trek's duration, as the API fills it
    assert AuditLog.objects.filter(action="batch.created", target_id=str(created.pk)).exists()
    assert Trek.objects.count() == 1
