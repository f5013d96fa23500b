"""HTTP for the Trekking Tribe: feed, comments, likes, reports, moderation, journals, challenges, badges and
the leaderboard. Views parse, authorize, call one selector or service, and serialize."""

from apps.community.views.challenges import ChallengeListView, LeaderboardView, MyBadgesView
from apps.community.views.journals import JournalDetailView, JournalListView, TrekJournalsView
from apps.community.views.posts import (
    CommentDetailView,
    CommentHideView,
    CommentUnhideView,
    PostCommentsView,
    PostDetailView,
    PostHideView,
    PostLikeView,
    PostListView,
    PostReportView,
    PostUnhideView,
    ReportListView,
)

__all__ = [
    "ChallengeListView",
    "CommentDetailView",
    "CommentHideView",
    "CommentUnhideView",
    "JournalDetailView",
    "JournalListView",
    "LeaderboardView",
    "MyBadgesView",
    "PostCommentsView",
    "PostDetailView",
    "PostHideView",
    "PostLikeView",
    "PostListView",
    "PostReportView",
    "PostUnhideView",
    "ReportListView",
    "TrekJournalsView",
]
