"""The volunteer portal, mounted at ``/volunteer/`` (no staff login)."""

from django.urls import path

from . import portal_auth as auth
from . import portal_views as views

app_name = "volunteer_portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth.login, name="login"),
    path("logout/", auth.logout, name="logout"),
    path("register/", views.register, name="register"),
    path("sms-code/", auth.sms_code, name="sms-code"),
    path("guardian-sms-code/", auth.guardian_sms_code, name="guardian-sms-code"),
    path("communities/", views.communities, name="communities"),
    path("activities/", views.activity_list, name="activities"),
    path("activities/<int:pk>/", views.activity_detail, name="activity"),
    path("slots/<int:slot_id>/signup/", views.signup, name="signup"),
    path("signups/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("checkin/<str:token>/", views.checkin, name="checkin"),
    path("me/", views.me, name="me"),
    path("me/phone/", views.me_phone, name="me-phone"),
    path("me/region/", views.me_region, name="me-region"),
    path("hours/", views.my_hours, name="hours"),
    path("records/", views.my_records, name="records"),
    path("certificates/", views.my_certificates, name="certificates"),
    path("certificates/<str:number>.pdf", views.certificate_pdf, name="certificate-pdf"),
    path("verify/", views.verify_lookup, name="verify-lookup"),
    path("verify/<str:code>/", views.verify, name="verify"),
    path("honours/", views.honours, name="honours"),
]
