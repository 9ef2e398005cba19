"""URLs of the public citizen portal, mounted at ``/portal/`` (no login)."""

from django.urls import path

from . import portal_submit, portal_track, portal_views

app_name = "portal"

urlpatterns = [
    path("", portal_views.home, name="home"),
    path("submit/", portal_submit.submit, name="submit"),
    path("regions/", portal_views.region_options, name="regions"),
    path("sms-code/", portal_submit.sms_code, name="sms-code"),
    path("receipt/", portal_submit.receipt, name="receipt"),
    path("track/", portal_track.track, name="track"),
]
