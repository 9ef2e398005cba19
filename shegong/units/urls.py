from django.urls import path

from . import views

app_name = "units"

urlpatterns = [
    path("", views.unit_list, name="list"),
    path("new/", views.unit_create, name="create"),
    path("export/", views.unit_export, name="export"),
    path("import/", views.unit_import, name="import"),
    path("import/template/", views.unit_import_template, name="import-template"),
    path("<int:pk>/", views.unit_detail, name="detail"),
    path("<int:pk>/edit/", views.unit_edit, name="edit"),
]
