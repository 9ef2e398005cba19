from django.urls import path

from . import views

app_name = "regions"

urlpatterns = [
    path("", views.region_list, name="list"),
    path("export/", views.region_export, name="export"),
    path("import/", views.region_import, name="import"),
    path("import/template/", views.region_import_template, name="import-template"),
    path("<int:pk>/", views.region_detail, name="detail"),
    path("<int:pk>/edit/", views.region_edit, name="edit"),
    path("<int:pk>/children/", views.region_create, name="create-child"),
    path("<int:pk>/move/", views.region_move, name="move"),
]
