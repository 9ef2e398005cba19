from django.urls import path

from . import views

app_name = "triage"

urlpatterns = [
    path("hotspots/", views.hotspots, name="hotspots"),
    path("hotspots/<int:pk>/appeals/", views.hotspot_appeals, name="hotspot-appeals"),
    path("<int:appeal_id>/accept/", views.accept, name="accept"),
    path("<int:appeal_id>/panel/", views.panel, name="panel"),
]
