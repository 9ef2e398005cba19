from django.urls import path

from . import views

app_name = "transfers"

urlpatterns = [
    path("", views.transfer_list, name="list"),
    path("suggestions/", views.suggestions, name="suggestions"),
    path("inbound/new/", views.inbound_start, name="inbound-start"),
    path("members/<int:member_id>/start/", views.transfer_start, name="start"),
    path("<int:pk>/", views.transfer_detail, name="detail"),
    path("<int:pk>/act/", views.transfer_act, name="act"),
    path("<int:pk>/letter.<str:fmt>", views.letter_download, name="letter"),
]
