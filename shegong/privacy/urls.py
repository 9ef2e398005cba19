from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("person-request/", views.person_request, name="person-request"),
]
