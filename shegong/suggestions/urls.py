"""Staff pages, mounted at ``/suggestions/``."""

from django.urls import path

from . import views

app_name = "suggestions"

urlpatterns = [
    path("", views.suggestion_list, name="list"),
    path("export/", views.export, name="export"),
    path("themes/", views.theme_list, name="themes"),
    path("themes/new/", views.theme_create, name="theme-create"),
    path("themes/<int:pk>/", views.theme_detail, name="theme"),
    path("themes/<int:pk>/edit/", views.theme_edit, name="theme-edit"),
    path("themes/<int:pk>/act/<str:action>/", views.theme_act, name="theme-act"),
    path("publication/", views.publication_list, name="publication"),
    path("publication/<int:pk>/", views.publication_detail, name="publication-detail"),
    path("publication/<int:pk>/act/<str:action>/", views.publication_act, name="publication-act"),
    path("<int:pk>/", views.suggestion_detail, name="detail"),
    path("<int:pk>/act/<str:action>/", views.suggestion_act, name="act"),
]
