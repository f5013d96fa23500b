from django.urls import path

from apps.notifications import views

urlpatterns = [
    path("", views.NotificationListView.as_view(), name="notifications-list"),
    path("unread-count/", views.UnreadCountView.as_view(), name="notifications-unread-count"),
    path("read-all/", views.ReadAllView.as_view(), name="notifications-read-all"),
    path("<uuid:pk>/read/", views.NotificationReadView.as_view(), name="notifications-read"),
    path("preferences/", views.PreferencesView.as_view(), name="notifications-preferences"),
    path("devices/", views.DeviceListView.as_view(), name="notifications-devices"),
    path("devices/<uuid:pk>/", views.DeviceDetailView.as_view(), name="notifications-device-detail"),
    path("unsubscribe/", views.UnsubscribeView.as_view(), name="notifications-unsubscribe"),
]
