"""Community routes, mounted at the API root (they live under ``community/``, plus the trek's public journals
at ``treks/{slug}/journals/`` and the caller's badges at ``users/me/badges/``)."""

from django.urls import path

from apps.community import views

urlpatterns = [
    path("community/posts/", views.PostListView.as_view(), name="community-posts"),
    path("community/posts/<uuid:post_id>/", views.PostDetailView.as_view(), name="community-post"),
    path("community/posts/<uuid:post_id>/like/", views.PostLikeView.as_view(), name="community-post-like"),
    path("community/posts/<uuid:post_id>/comments/", views.PostCommentsView.as_view(), name="community-comments"),
    path("community/posts/<uuid:post_id>/report/", views.PostReportView.as_view(), name="community-post-report"),
    path("community/posts/<uuid:post_id>/hide/", views.PostHideView.as_view(), name="community-post-hide"),
    path("community/posts/<uuid:post_id>/unhide/", views.PostUnhideView.as_view(), name="community-post-unhide"),
    path("community/comments/<uuid:comment_id>/", views.CommentDetailView.as_view(), name="community-comment"),
    path("community/comments/<uuid:comment_id>/hide/", views.CommentHideView.as_view(), name="community-comment-hide"),
    path(
        "community/comments/<uuid:comment_id>/unhide/",
        views.CommentUnhideView.as_view(),
        name="community-comment-unhide",
    ),
    path("community/reports/", views.ReportListView.as_view(), name="community-reports"),
    path("community/journals/", views.JournalListView.as_view(), name="community-journals"),
    path("community/journals/<uuid:entry_id>/", views.JournalDetailView.as_view(), name="community-journal"),
    path("community/challenges/", views.ChallengeListView.as_view(), name="community-challenges"),
    path("community/leaderboard/", views.LeaderboardView.as_view(), name="community-leaderboard"),
    path("treks/<slug:slug>/journals/", views.TrekJournalsView.as_view(), name="trek-journals"),
    path("users/me/badges/", views.MyBadgesView.as_view(), name="users-me-badges"),
]
