from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from apps.treks.models import Batch, Trek

pytestmark = pytest.mark.django_db


def test_admin_pages_render(make_user):
    call_command("seed_demo", stdout=io.StringIO())
    admin_user = make_user(staff_role="super_admin")
    client = Client()
    client.force_login(admin_user)
    trek = Trek.objects.first()
    batch = Batch.objects.first()
    for url in [
        "/admin/treks/trek/",
        "/admin/treks/trek/?status__exact=active&difficulty__exact=moderate",
        f"/admin/treks/trek/{trek.pk}/change/",
        "/admin/treks/batch/",
        "/admin/treks/batch/?status__exact=open",
        f"/admin/treks/batch/{batch.pk}/change/",
        "/admin/treks/guide/",
        "/admin/treks/region/",
    ]:
        assert client.get(url).status_code == 200, url


def test_admin_batch_form_refuses_seats_below_taken(make_user):
    call_command("seed_demo", stdout=io.StringIO())
    batch = Batch.objects.first()
    Batch.objects.filter(pk=batch.pk).update(seats_taken=5)
    client = Client()
    client.force_login(make_user(staff_role="ops_manager"))
    response = client.post(
        f"/admin/treks/batch/{batch.pk}/change/",
        {
            "trek": str(batch.trek_id),
            "guide": "",
            "start_date": str(batch.start_date),
            "end_date": str(batch.end_date),
            "total_seats": "4",
            "price": "100.00",
        },
    )
    assert response.status_code == 200  # form redisplayed with the error
    batch.refresh_from_db()
    assert batch.total_seats == 16


def test_admin_batch_edit_keeps_status_in_step_and_is_audited(make_user):
    from apps.common.models import AuditLog
    from apps.treks.tests.factories import BatchFactory

    batch = BatchFactory(total_seats=4, seats_taken=4)
    assert batch.status == "full"
    client = Client()
    client.force_login(make_user(staff_role="ops_manager"))
    response = client.post(
        f"/admin/treks/batch/{batch.pk}/change/",
        {
            "trek": str(batch.trek_id),
            "guide": "",
            "start_date": str(batch.start_date),
            "end_date": str(batch.end_date),
            "total_seats": "6",
            "price": "15000.00",
        },
    )
    assert response.status_code == 302
    batch.refresh_from_db()
    assert (batch.total_seats, batch.status) == (6, "open")
    log = AuditLog.objects.get(action="batch.updated")
    assert set(log.changes["fields"]) == {"total_seats", "price"}


def test_admin_trek_edit_is_audited_and_searchable(make_user, api_client, settings):
    from apps.common.models import AuditLog
    from apps.treks.tests.factories import TrekFactory

    settings.CATALOG_CACHE_ENABLED = False
    trek = TrekFactory(name="Old Name", slug="old-name")
    client = Client()
    client.force_login(make_user(staff_role="content"))
    page = client.get(f"/admin/treks/trek/{trek.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update({"name": "Chandrashila Summit", "themes": '["snow"]', "best_months": "[12]"})
    for key in ("inclusions", "exclusions", "packing_list", "faqs"):
        data[key] = "[]"
    for prefix in ("itinerary", "photos", "batches"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.pop("cover_image", None)
    data.pop("gpx_file", None)
    response = client.post(f"/admin/treks/trek/{trek.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert AuditLog.objects.filter(action="trek.updated", target_id=str(trek.pk)).exists()
    assert [t["slug"] for t in api_client.get("/api/v1/treks/?search=chandrashila").json()["results"]] == ["old-name"]
