from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "cockpit"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.cockpit, name="cockpit"),
    path("summary/", views.summary, name="summary"),
    path("panel/<slug:key>/", views.panel, name="panel"),
    path("boundaries/", views.boundaries_upload, name="boundaries"),
    path("boundaries.json", views.boundaries_json, name="boundaries-json"),
]
