"""URLs of the public citizen portal, mounted at ``/portal/`` (no login)."""

from django.urls import path

from . import portal_views as views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("submit/", views.submit, name="submit"),
    path("regions/", views.region_options, name="regions"),
    path("sms-code/", views.sms_code, name="sms-code"),
    path("receipt/", views.receipt, name="receipt"),
    path("track/", views.track, name="track"),
]
