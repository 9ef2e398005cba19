from django.urls import path

from . import views

app_name = "appeals"

urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("bulk-dispatch/", views.bulk_dispatch, name="bulk-dispatch"),
    path("search/", views.search, name="search"),
    path("export/", views.export, name="export"),
    path("new/", views.register, name="register"),
    path("policies/", views.policies, name="policies"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/act/<str:action>/", views.act, name="act"),
    path("<int:pk>/history/", views.history, name="history"),
    path("<int:pk>/identity/<int:petitioner_id>/<str:field>/", views.reveal, name="reveal"),
    path("<int:pk>/attachments/<str:token>/", views.attachment, name="attachment"),
]
