"""The admin's live incident page: active incidents, kept current over the WebSocket (docs/realtime.md).

For staff holding ``incidents.manage``, signed in to the admin. The page gets a fresh access token of the signed-in
user (the same rights as their session) and opens ``/ws/v1/live/`` with it in the first message; a reload gets a
new one when it expires.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from rest_framework_simplejwt.tokens import AccessToken

from apps.emergency.models import ACTIVE_STATUSES
from apps.emergency.selectors import can_manage_all, incidents_by_priority, incidents_visible_to
from apps.emergency.serializers import IncidentSerializer
from apps.users.models import User


def live_incidents(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not isinstance(user, User) or not can_manage_all(user):
        raise PermissionDenied("Only staff who handle incidents see the live page.")
    active = incidents_by_priority(incidents_visible_to(request.user).filter(status__in=ACTIVE_STATUSES))[:100]
    context = {
        **admin.site.each_context(request),
        "title": "Live incidents",
        "incidents": IncidentSerializer(active, many=True).data,
        "access_token": str(AccessToken.for_user(user)),
    }
    # The admin's view wrapper (config/urls.py) marks it never cached: the page carries a token.
    return TemplateResponse(request, "admin/realtime/live_incidents.html", context)
