"""Guide authority ends on the next request: role removed, profile deactivated, batch handed to another guide.

Every scenario keeps the guide's API client, so the access token in use was issued *before* the change and
is still valid (``/users/me/`` answers 200): what is refused is the guide's power, not the token.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.emergency.models import Incident
from apps.messaging.models import Conversation
from apps.messaging.services import batch_conversation_join
from apps.notifications.models import Delivery
from apps.treks.models import Batch, Guide
from apps.treks.tests.factories import BatchFactory, GuideFactory
from apps.users.models import User

pytestmark = pytest.mark.django_db

API = "/api/v1"


@dataclass
class Field:
    guide: Guide
    batch: Batch
    trekker: User
    incident: Incident
    conversation: Conversation
    admin: APIClient
    guide_client: APIClient


@pytest.fixture
def field(client_for: Callable[[User | None], APIClient], make_user: Callable[..., User]) -> Field:
    """A guide's batch with a booked trekker who sent an SOS through the API, and the batch's group chat."""
    from apps.community.tests.factories import make_booking

    guide = GuideFactory(user__phone="+919899999999")
    batch = BatchFactory(guide=guide, start_date=timezone.localdate())
    trekker = make_user(first_name="Priya", phone="+919811111111")
    make_booking(trekker, batch=batch)
    sos = client_for(trekker).post(
        f"{API}/emergency/sos/",
        {"latitude": 32.3182, "longitude": 77.1874, "message": "Twisted ankle"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert sos.status_code == 201, sos.content
    incident = Incident.objects.get(pk=sos.json()["id"])
    assert incident.batch_id == batch.pk
    conversation = batch_conversation_join(batch_id=batch.pk, user=trekker)
    return Field(
        guide=guide,
        batch=batch,
        trekker=trekker,
        incident=incident,
        conversation=conversation,
        admin=client_for(make_user(staff_role="super_admin")),
        guide_client=client_for(guide.user),  # the token issued before any change below
    )


def guide_reads(client: APIClient, f: Field) -> dict[str, int]:
    """Status of every read a guide makes about their batch (nothing changes)."""
    incident = f"{API}/emergency/incidents/{f.incident.pk}"
    listed = client.get(f"{API}/emergency/incidents/")
    return {
        "manifest": client.get(f"{API}/batches/{f.batch.pk}/manifest/").status_code,
        "manifest.csv": client.get(f"{API}/batches/{f.batch.pk}/manifest/?format=csv").status_code,
        "incident list": 200 if str(f.incident.pk) in {row["id"] for row in listed.json()["results"]} else 404,
        "incident": client.get(f"{incident}/").status_code,
        "updates": client.get(f"{incident}/updates/").status_code,
        "locations": client.get(f"{incident}/locations/").status_code,
        "conversation": client.get(f"{API}/conversations/{f.conversation.pk}/").status_code,
        "messages": client.get(f"{API}/conversations/{f.conversation.pk}/messages/").status_code,
    }


def guide_actions(client: APIClient, f: Field) -> dict[str, int]:
    """Status of every write a guide makes about their batch's incident, group chat and trekkers."""
    incident = f"{API}/emergency/incidents/{f.incident.pk}"
    ping = {"latitude": "32.3190", "longitude": "77.1880", "recorded_at": timezone.now().isoformat()}
    return {
        "acknowledge": client.post(f"{incident}/acknowledge/").status_code,
        "update": client.post(f"{incident}/updates/", {"note": "Descending"}, format="json").status_code,
        "locations post": client.post(f"{incident}/locations/", {"pings": [ping]}, format="json").status_code,
        "message": client.post(
            f"{API}/conversations/{f.conversation.pk}/messages/", {"message_body": "Camp at 5"}, format="json"
        ).status_code,
        "report for trekker": client.post(
            f"{API}/emergency/incidents/", {"trekker": str(f.trekker.pk), "kind": "injury"}, format="json"
        ).status_code,
        "resolve": client.post(f"{incident}/resolve/", {"resolution_notes": "Safe"}, format="json").status_code,
        "false alarm": client.post(f"{incident}/false-alarm/", {}, format="json").status_code,
    }


ALLOWED_READS = dict.fromkeys(
    ("manifest", "manifest.csv", "incident list", "incident", "updates", "locations", "conversation", "messages"), 200
)
DENIED_READS = {**dict.fromkeys(ALLOWED_READS, 404), "manifest": 403, "manifest.csv": 403}
DENIED_ACTIONS = {
    **dict.fromkeys(("acknowledge", "update", "locations post", "message", "resolve", "false alarm"), 404),
    "report for trekker": 403,  # no guide authority at all (role or profile gone)
}


def assert_locked_out(client: APIClient, f: Field, *, actions: dict[str, int] = DENIED_ACTIONS) -> None:
    status_before = Incident.objects.get(pk=f.incident.pk).status
    assert client.get(f"{API}/users/me/").status_code == 200  # the token itself is still good
    assert guide_reads(client, f) == DENIED_READS
    assert guide_actions(client, f) == actions
    # nothing the refused calls asked for happened: the SOS is still open for ops, nobody filed a report
    incident = Incident.objects.get(pk=f.incident.pk)
    assert (incident.status, incident.resolved_by_id) == (status_before, None)
    assert not incident.updates.filter(author=f.guide.user).exists()
    assert not Incident.objects.filter(reported_by=f.guide.user).exists()
    assert not f.conversation.messages.filter(sender=f.guide.user).exists()


def test_the_batch_guide_reads_everything_before_any_change(field: Field) -> None:
    assert guide_reads(field.guide_client, field) == ALLOWED_READS


def test_role_removed_through_the_api_ends_guide_power_for_the_token_already_issued(field: Field) -> None:
    removed = field.admin.put(f"{API}/users/{field.guide.user.pk}/role/", {"role": None}, format="json")
    assert removed.status_code == 200, removed.content
    assert_locked_out(field.guide_client, field)


def test_profile_deactivated_ends_guide_power_and_reactivation_restores_it(field: Field) -> None:
    detail = f"{API}/guides/{field.guide.pk}/"
    assert field.admin.patch(detail, {"is_active": False}, format="json").status_code == 200
    assert_locked_out(field.guide_client, field)
    assert field.admin.patch(detail, {"is_active": True}, format="json").status_code == 200
    assert guide_reads(field.guide_client, field) == ALLOWED_READS


def test_batch_handed_to_another_guide_moves_the_power_with_it(
    field: Field, client_for: Callable[[User | None], APIClient]
) -> None:
    successor = GuideFactory()
    moved = field.admin.patch(f"{API}/batches/{field.batch.pk}/", {"guide": str(successor.pk)}, format="json")
    assert moved.status_code == 200, moved.content
    # still a guide (of no batch of this trekker): may file reports in general, but not about this trekker
    assert_locked_out(field.guide_client, field, actions={**DENIED_ACTIONS, "report for trekker": 404})
    successor_reads = guide_reads(client_for(successor.user), field)
    # everything follows the batch at once, the group chat too (the old guide left it, the new one joined)
    assert successor_reads == ALLOWED_READS


def test_alerts_of_a_later_sos_skip_a_guide_whose_role_was_removed(
    field: Field, client_for: Callable[[User | None], APIClient]
) -> None:
    guide_user = field.guide.user
    assert Delivery.objects.filter(user=guide_user, template="emergency_alert").exists()  # the first SOS
    assert field.admin.put(f"{API}/users/{guide_user.pk}/role/", {"role": None}, format="json").status_code == 200
    resolve = f"{API}/emergency/incidents/{field.incident.pk}/resolve/"
    assert field.admin.post(resolve, {"resolution_notes": "Safe"}, format="json").status_code == 200
    again = client_for(field.trekker).post(
        f"{API}/emergency/sos/", {"message": "Again"}, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
    )
    assert again.status_code == 201, again.content
    later = Delivery.objects.filter(dedupe_key=f"emergency:{again.json()['id']}:alert")
    assert later.exists()  # the contacts, ops and the ops list are still told
    assert not later.filter(user=guide_user).exists()
    assert not later.filter(recipient=field.guide.satellite_phone).exists()


def test_a_former_guide_who_booked_the_batch_keeps_its_group_chat(
    field: Field, client_for: Callable[[User | None], APIClient]
) -> None:
    from apps.community.tests.factories import make_booking

    assert field.admin.put(f"{API}/users/{field.guide.user.pk}/role/", {"role": None}, format="json").status_code == 200
    url = f"{API}/conversations/{field.conversation.pk}/"
    assert field.guide_client.get(url).status_code == 404
    make_booking(field.guide.user, batch=field.batch)  # now on the trek as a trekker
    batch_conversation_join(batch_id=field.batch.pk, user=field.guide.user)  # as confirming the booking does
    assert field.guide_client.get(url).status_code == 200
    assert field.guide_client.get(f"{API}/batches/{field.batch.pk}/manifest/").status_code == 403


@pytest.mark.parametrize("role", ["guide", None, "ops_manager"])
@pytest.mark.parametrize("profile_active", [True, False])
@pytest.mark.parametrize("account_active", [True, False])
def test_the_query_and_the_object_forms_of_the_rule_agree(
    role: str | None, profile_active: bool, account_active: bool
) -> None:
    from apps.treks.selectors import acting_guide, acting_guide_q, guided_by_q, guides_batch, is_acting_guide

    guide = GuideFactory(is_active=profile_active)
    User.objects.filter(pk=guide.user_id).update(staff_role=role, is_active=account_active)
    mine, theirs, nobodys = BatchFactory(guide=guide), BatchFactory(guide=GuideFactory()), BatchFactory(guide=None)
    user = User.objects.get(pk=guide.user_id)
    expected = role == "guide" and profile_active and account_active
    batches = Batch.objects.select_related("guide__user")
    for batch in (batches.get(pk=mine.pk), batches.get(pk=theirs.pk), batches.get(pk=nobodys.pk)):
        by_object = guides_batch(user, batch)
        by_query = batches.filter(guided_by_q(user), pk=batch.pk).exists()
        assert by_object == by_query == (expected and batch.pk == mine.pk), batch
        assert (acting_guide(batch) is not None) == batches.filter(acting_guide_q(), pk=batch.pk).exists()
    assert is_acting_guide(user) == expected
