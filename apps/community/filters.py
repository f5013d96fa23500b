from __future__ import annotations

import django_filters

from apps.community.models import JournalEntry, Post


class PostFilter(django_filters.FilterSet):
    trek = django_filters.CharFilter(field_name="trek__slug", help_text="Posts tagged with this trek (slug).")
    author = django_filters.UUIDFilter(field_name="author_id", help_text="Posts by this user (id).")

    class Meta:
        model = Post
        fields = ("trek", "author")


class JournalFilter(django_filters.FilterSet):
    trek = django_filters.CharFilter(field_name="trek__slug", help_text="Entries about this trek (slug).")
    author = django_filters.UUIDFilter(field_name="author_id", help_text="Entries by this user (id).")

    class Meta:
        model = JournalEntry
        fields = ("trek", "author")
