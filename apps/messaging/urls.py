"""``conversations/`` and the nested ``conversations/{id}/messages/``, registered on a DefaultRouter."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter

from apps.messaging.views import UUID_PATTERN, ConversationViewSet, MessageViewSet

router = DefaultRouter()
# Several apps mount their routers at the API root; the browsable root listing belongs to none of them.
router.include_root_view = False
router.register("conversations", ConversationViewSet, basename="conversation")
router.register(
    rf"conversations/(?P<conversation_pk>{UUID_PATTERN})/messages", MessageViewSet, basename="conversation-message"
)

urlpatterns = router.urls
