from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "reports"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.archive, name="archive"),
    path("generate/", views.generate, name="generate"),
    path("<int:pk>/download/<str:fmt>/", views.download, name="download"),
    path("<int:pk>/appeals.xlsx", views.appeals_export, name="appeals-export"),
]
