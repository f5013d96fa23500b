from django.urls import path

from apps.treks import views

urlpatterns = [
    path("regions/", views.RegionListView.as_view(), name="region-list"),
    path("regions/<slug:slug>/", views.RegionDetailView.as_view(), name="region-detail"),
    path("treks/", views.TrekListView.as_view(), name="trek-list"),
    path("treks/<slug:slug>/", views.TrekDetailView.as_view(), name="trek-detail"),
    path("treks/<slug:slug>/archive/", views.TrekArchiveView.as_view(), name="trek-archive"),
    path("treks/<slug:slug>/itinerary/", views.TrekItineraryView.as_view(), name="trek-itinerary"),
    path("treks/<slug:slug>/gpx/", views.TrekGPXView.as_view(), name="trek-gpx"),
    path("treks/<slug:slug>/route.geojson", views.TrekRouteGeoJSONView.as_view(), name="trek-route"),
    path("treks/<slug:slug>/cover/", views.TrekCoverView.as_view(), name="trek-cover"),
    path("treks/<slug:slug>/photos/", views.TrekPhotosView.as_view(), name="trek-photos"),
    path("treks/<slug:slug>/photos/order/", views.TrekPhotoOrderView.as_view(), name="trek-photo-order"),
    path("treks/<slug:slug>/photos/<uuid:photo_id>/", views.TrekPhotoDetailView.as_view(), name="trek-photo-detail"),
    path("treks/<slug:slug>/batches/", views.TrekBatchesView.as_view(), name="trek-batches"),
    path("batches/<uuid:batch_id>/", views.BatchDetailView.as_view(), name="batch-detail"),
    # batches/<id>/cancel/ is served by apps.bookings: it cancels the batch and then all its bookings.
    path("guides/", views.GuideListView.as_view(), name="guide-list"),
    path("guides/<uuid:guide_id>/", views.GuideDetailView.as_view(), name="guide-detail"),
    path("guides/<uuid:guide_id>/photo/", views.GuidePhotoView.as_view(), name="guide-photo"),
]
