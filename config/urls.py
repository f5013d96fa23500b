from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularSwaggerView

from apps.bookings.urls import booking_urlpatterns
from apps.common.exceptions import api_not_found
from apps.common.metrics import metrics_view
from apps.common.views import ApiIndexView, HealthView, ReadyView, RedocView, SchemaView
from apps.realtime.views import live_incidents
from apps.users.urls import auth_urlpatterns, users_urlpatterns

# Django tries these in order, and an app mounted at the root ("") is tried route by route. The apps under a
# prefix of their own that no root app uses come first, so a booking or an SOS is resolved without trying the
# catalog's and messaging's routes (about 0.3 ms a request).
api_v1: list[URLPattern | URLResolver] = [
    path("auth/", include(auth_urlpatterns)),
    path("users/", include(users_urlpatterns)),
    path("notifications/", include("apps.notifications.urls")),
    path("emergency/", include("apps.emergency.urls")),
    path("bookings/", include(booking_urlpatterns)),
    path("", include("apps.treks.urls")),
    path("", include("apps.messaging.urls")),
    path("", include("apps.bookings.urls")),
    path("", include("apps.community.urls")),
    path("", include("apps.backoffice.urls")),
    path("", ApiIndexView.as_view(), name="api-index"),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", RedocView.as_view(url_name="schema"), name="redoc"),
    # Any other address under /api/ (any character, "/api" itself): the 404 envelope, DEBUG or not.
    re_path(r"^api(?P<rest>/[\s\S]*|)$", api_not_found, name="api-not-found"),
    path("admin/live/incidents/", admin.site.admin_view(live_incidents), name="live-incidents"),
    path("admin/", admin.site.urls),
    path("health/", HealthView.as_view(), name="health"),
    path("ready/", ReadyView.as_view(), name="ready"),
    path("metrics", metrics_view, name="metrics"),
]


if getattr(settings, "SERVE_MEDIA", False):  # config.settings.dev (`make run`): media on local disk
    from django.views.static import serve

    urlpatterns.append(
        re_path(rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})
    )

if getattr(settings, "DEV_APPLE_SIGNER", False):  # config.settings.dev: Apple's keys stand-in (apps.demo)
    urlpatterns.append(path("dev/", include("apps.demo.urls")))

handler400 = "apps.common.exceptions.bad_request"
handler403 = "apps.common.exceptions.permission_denied"
handler404 = "apps.common.exceptions.page_not_found"
handler500 = "apps.common.exceptions.server_error"
