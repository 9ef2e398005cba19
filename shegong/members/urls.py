from django.urls import path

from .views import development, roster

app_name = "members"

urlpatterns = [
    path("", roster.member_list, name="list"),
    path("export/", roster.member_export, name="export"),
    path("new/", roster.member_new, name="new"),
    path("import/", roster.import_view, name="import"),
    path("import/template/", roster.import_template, name="import-template"),
    path("import/errors/", roster.import_errors, name="import-errors"),
    path("development/", development.pipeline, name="pipeline"),
    path("<int:pk>/", roster.member_detail, name="detail"),
    path("<int:pk>/edit/", roster.member_edit, name="edit"),
    path("<int:pk>/steps/", development.record_step, name="record-step"),
]
