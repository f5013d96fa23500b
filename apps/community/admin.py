"""Community admin: moderators (``community.moderate``) review posts, comments and reports, hide and unhide
through the services (audited), and define challenges."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.common.audit_admin import AuditTrailMixin
from apps.community import services
from apps.community.models import Challenge, Comment, JournalEntry, Post, PostPhoto, PostReport, UserBadge
from apps.users.admin import CapabilityAdmin
from apps.users.roles import Capability

MODERATE = Capability.COMMUNITY_MODERATE


class ModerationAdmin(CapabilityAdmin):
    """Moderators look and act through admin actions; rows are not edited by hand."""

    view_capability = MODERATE
    change_capability = MODERATE

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)  # actions yes, form edits no


class PostPhotoInline(admin.TabularInline):
    model = PostPhoto
    extra = 0
    can_delete = False
    fields = ("position", "image")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Post)
class PostAdmin(AuditTrailMixin, ModerationAdmin):
    list_display = ("id", "author", "visibility", "trek", "created_at", "hidden_at", "deleted_at")
    list_filter = ("visibility", ("hidden_at", admin.EmptyFieldListFilter), ("deleted_at", admin.EmptyFieldListFilter))
    list_select_related = ("author", "trek")
    search_fields = ("=id", "body", "author__email", "author__tribe_handle")
    date_hierarchy = "created_at"
    readonly_fields = (
        "id",
        "author",
        "body",
        "visibility",
        "trek",
        "batch",
        "hidden_at",
        "hidden_by",
        "hidden_reason",
        "deleted_at",
        "created_at",
    )
    fields = readonly_fields
    inlines = (PostPhotoInline,)
    actions = ("hide_posts", "unhide_posts")

    @admin.action(description="Hide the selected posts")
    def hide_posts(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        for post in queryset:
            services.post_hide(post=post, actor=request.user, reason="Hidden in the admin")  # type: ignore[arg-type]
        self.message_user(request, f"{queryset.count()} post(s) hidden.", messages.SUCCESS)

    @admin.action(description="Show the selected posts again")
    def unhide_posts(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        for post in queryset:
            services.post_unhide(post=post, actor=request.user)  # type: ignore[arg-type]
        self.message_user(request, f"{queryset.count()} post(s) shown again.", messages.SUCCESS)


@admin.register(Comment)
class CommentAdmin(AuditTrailMixin, ModerationAdmin):
    list_display = ("id", "post", "author", "parent", "created_at", "hidden_at", "deleted_at")
    list_filter = (("hidden_at", admin.EmptyFieldListFilter), ("deleted_at", admin.EmptyFieldListFilter))
    list_select_related = ("author", "post")
    search_fields = ("=id", "=post__id", "body", "author__email")
    date_hierarchy = "created_at"
    readonly_fields = ("id", "post", "author", "parent", "body", "hidden_at", "hidden_by", "deleted_at", "created_at")
    fields = readonly_fields
    actions = ("hide_comments", "unhide_comments")

    @admin.action(description="Hide the selected comments")
    def hide_comments(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        for comment in queryset:
            services.comment_set_hidden(comment=comment, actor=request.user, hidden=True)  # type: ignore[arg-type]

    @admin.action(description="Show the selected comments again")
    def unhide_comments(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        for comment in queryset:
            services.comment_set_hidden(comment=comment, actor=request.user, hidden=False)  # type: ignore[arg-type]


@admin.register(PostReport)
class PostReportAdmin(ModerationAdmin):
    list_display = ("id", "post", "reporter", "reason", "created_at", "resolved_at")
    list_filter = ("reason", ("resolved_at", admin.EmptyFieldListFilter))
    list_select_related = ("post", "reporter")
    search_fields = ("=post__id", "reporter__email", "details")
    readonly_fields = ("id", "post", "reporter", "reason", "details", "resolved_at", "resolved_by", "created_at")
    fields = readonly_fields
    actions = ("hide_reported_posts",)

    @admin.action(description="Hide the reported posts")
    def hide_reported_posts(self, request: HttpRequest, queryset: QuerySet[PostReport]) -> None:
        for report in queryset.select_related("post"):
            services.post_hide(post=report.post, actor=request.user, reason=f"Reported: {report.reason}")  # type: ignore[arg-type]


@admin.register(JournalEntry)
class JournalEntryAdmin(CapabilityAdmin):
    view_capability = MODERATE
    list_display = ("title", "author", "trek", "day_number", "privacy", "created_at")
    list_filter = ("privacy",)
    list_select_related = ("author", "trek")
    search_fields = ("=id", "title", "author__email", "trek__slug")
    readonly_fields = ("id", "author", "trek", "booking", "day_number", "title", "body", "privacy", "created_at")
    fields = readonly_fields


@admin.register(Challenge)
class ChallengeAdmin(CapabilityAdmin):
    view_capability = MODERATE
    change_capability = MODERATE
    list_display = ("name", "slug", "kind", "target", "points_reward", "badge_name", "is_active", "position")
    list_filter = ("kind", "is_active")
    list_editable = ("is_active", "position")
    search_fields = ("name", "slug", "badge_name")
    prepopulated_fields = {"slug": ("name",)}
    fields = (
        "name",
        "slug",
        "description",
        "kind",
        "target",
        "difficulty",
        "month_from",
        "month_to",
        "points_reward",
        "badge_name",
        "badge_icon",
        "is_active",
        "position",
    )
    actions = ("award_everyone",)

    @admin.action(description="Award the badges to everyone who has reached them")
    def award_everyone(self, request: HttpRequest, queryset: QuerySet[Challenge]) -> None:
        queued = services.challenges_evaluate_everyone()
        self.message_user(request, f"Challenges are being evaluated for {queued} member(s).", messages.SUCCESS)


@admin.register(UserBadge)
class UserBadgeAdmin(CapabilityAdmin):
    view_capability = MODERATE
    list_display = ("challenge", "user", "earned_at", "points_awarded")
    list_filter = ("challenge",)
    list_select_related = ("challenge", "user")
    search_fields = ("user__email", "challenge__slug")
    readonly_fields = ("id", "user", "challenge", "earned_at", "points_awarded")
    fields = readonly_fields
