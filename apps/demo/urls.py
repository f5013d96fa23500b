"""Development-only addresses (``config.settings.dev`` turns them on with ``DEV_APPLE_SIGNER``)."""

from django.urls import path

from apps.demo.apple_signer import keys_view

urlpatterns = [path("apple/auth/keys", keys_view, name="dev-apple-keys")]
