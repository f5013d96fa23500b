from django.urls import path
from rest_framework.routers import SimpleRouter

from apps.users import views

auth_urlpatterns = [
    path("register/", views.RegisterView.as_view(), name="auth-register"),
    path("login/", views.LoginView.as_view(), name="auth-login"),
    path("token/refresh/", views.TokenRefreshView.as_view(), name="auth-token-refresh"),
    path("logout/", views.LogoutView.as_view(), name="auth-logout"),
    path("google/", views.GoogleSignInView.as_view(), name="auth-google"),
    path("apple/", views.AppleSignInView.as_view(), name="auth-apple"),
    path("otp/send/", views.OTPSendView.as_view(), name="auth-otp-send"),
    path("otp/verify/", views.OTPVerifyView.as_view(), name="auth-otp-verify"),
    path("email/verify/", views.EmailVerifyView.as_view(), name="auth-email-verify"),
    path("email/verify/resend/", views.EmailVerifyResendView.as_view(), name="auth-email-verify-resend"),
    path("password/reset/", views.PasswordResetView.as_view(), name="auth-password-reset"),
    path("password/reset/confirm/", views.PasswordResetConfirmView.as_view(), name="auth-password-reset-confirm"),
    path("password/change/", views.PasswordChangeView.as_view(), name="auth-password-change"),
]

contacts_router = SimpleRouter()
contacts_router.register("me/emergency-contacts", views.EmergencyContactViewSet, basename="emergency-contact")

users_urlpatterns = [
    path("me/", views.MeView.as_view(), name="users-me"),
    path("me/delete/", views.MeDeleteView.as_view(), name="users-me-delete"),
    path("me/photo/", views.MePhotoView.as_view(), name="users-me-photo"),
    path("me/email/", views.MeEmailView.as_view(), name="users-me-email"),
    path("me/phone/", views.MePhoneView.as_view(), name="users-me-phone"),
    path("me/phone/verify/", views.MePhoneVerifyView.as_view(), name="users-me-phone-verify"),
    path("me/points/", views.MePointsView.as_view(), name="users-me-points"),
    path("staff/", views.StaffListView.as_view(), name="users-staff"),
    path("<uuid:user_id>/role/", views.UserRoleView.as_view(), name="users-role"),
    *contacts_router.urls,
]
