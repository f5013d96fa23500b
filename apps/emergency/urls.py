from django.urls import path

from apps.emergency import views
from apps.emergency.views import checkins

urlpatterns = [
    path("sos/", views.SOSView.as_view(), name="emergency-sos"),
    path("check-ins/", checkins.CheckInsView.as_view(), name="check-in-list"),
    path("check-ins/check-in/", checkins.CheckInCompleteView.as_view(), name="check-in-complete"),
    path("incidents/", views.IncidentListView.as_view(), name="incident-list"),
    path("incidents/active.geojson", views.ActiveIncidentsGeoJSONView.as_view(), name="incident-active-geojson"),
    path("incidents/<uuid:pk>/", views.IncidentDetailView.as_view(), name="incident-detail"),
    path("incidents/<uuid:pk>/acknowledge/", views.AcknowledgeView.as_view(), name="incident-acknowledge"),
    path("incidents/<uuid:pk>/updates/", views.UpdatesView.as_view(), name="incident-updates"),
    path("incidents/<uuid:pk>/resolve/", views.ResolveView.as_view(), name="incident-resolve"),
    path("incidents/<uuid:pk>/false-alarm/", views.FalseAlarmView.as_view(), name="incident-false-alarm"),
    path("incidents/<uuid:pk>/locations/", views.LocationsView.as_view(), name="incident-locations"),
]
