"""Public pages, mounted at ``/portal/`` after the appeals portal (whose URLs win):
themed solicitations and the transparency page. No login."""

from django.urls import path

from . import portal_views as views

app_name = "suggestions_portal"

urlpatterns = [
    path("themes/", views.theme_list, name="themes"),
    path("themes/<int:pk>/", views.theme_detail, name="theme"),
    path("open/", views.open_list, name="open"),
    path("open/units/", views.open_units, name="open-units"),
    path("open/<int:pk>/", views.open_detail, name="open-detail"),
]
