"""Staff pages, mounted at ``/suggestions/``."""

from django.urls import path

from .views import detail, listing, publication, themes

app_name = "suggestions"

urlpatterns = [
    path("", listing.suggestion_list, name="list"),
    path("export/", listing.export, name="export"),
    path("themes/", themes.theme_list, name="themes"),
    path("themes/new/", themes.theme_create, name="theme-create"),
    path("themes/<int:pk>/", themes.theme_detail, name="theme"),
    path("themes/<int:pk>/edit/", themes.theme_edit, name="theme-edit"),
    path("themes/<int:pk>/act/<str:action>/", themes.theme_act, name="theme-act"),
    path("publication/", publication.publication_list, name="publication"),
    path("publication/<int:pk>/", publication.publication_detail, name="publication-detail"),
    path(
        "publication/<int:pk>/act/<str:action>/",
        publication.publication_act,
        name="publication-act",
    ),
    path("<int:pk>/", detail.suggestion_detail, name="detail"),
    path("<int:pk>/act/<str:action>/", detail.suggestion_act, name="act"),
]
