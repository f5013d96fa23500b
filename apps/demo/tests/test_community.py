"""Demo community: challenges, posts with comments and a reply, journal entries and badges, loaded once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from apps.community.models import Challenge, Comment, JournalEntry, Post, UserBadge
from apps.users.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_community_idempotently() -> None:
    call_command("seed_demo", stdout=StringIO())
    counts = (
        Challenge.objects.count(),
        Post.objects.count(),
        Comment.objects.count(),
        JournalEntry.objects.count(),
        UserBadge.objects.count(),
    )
    assert counts[0] >= 5
    assert counts[1] >= 3
    assert counts[3] >= 1
    trekker = User.objects.get(email="trekker@demo.obsexperiences.in")
    assert UserBadge.objects.filter(user=trekker, challenge__slug="first-footsteps").exists()
    assert Comment.objects.filter(parent__isnull=False).exists()
    call_command("seed_demo", stdout=StringIO())
    assert (
        Challenge.objects.count(),
        Post.objects.count(),
        Comment.objects.count(),
        JournalEntry.objects.count(),
        UserBadge.objects.count(),
    ) == counts
