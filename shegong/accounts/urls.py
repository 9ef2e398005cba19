from django.urls import path

from . import views, views_security

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change, name="password-change"),
    path("users/", views.user_list, name="user-list"),
    path("users/new/", views.user_create, name="user-create"),
    path("users/<int:pk>/", views.user_detail, name="user-detail"),
    path("users/<int:pk>/edit/", views.user_edit, name="user-edit"),
    path("users/<int:pk>/unlock/", views.user_unlock, name="user-unlock"),
    path("second-factor/", views_security.otp_enrol, name="otp-enrol"),
    path("second-factor/verify/", views_security.otp_verify, name="otp-verify"),
    path(
        "second-factor/recovery-codes/",
        views_security.otp_recovery_codes,
        name="otp-recovery-codes",
    ),
    path(
        "users/<int:pk>/password/",
        views_security.user_password_reset,
        name="user-password-reset",
    ),
    path(
        "users/<int:pk>/second-factor/reset/",
        views_security.user_second_factor_reset,
        name="user-second-factor-reset",
    ),
    path("tokens/", views.token_list, name="token-list"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
]
