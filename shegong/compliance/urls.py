from django.urls import path

from . import views

app_name = "compliance"

urlpatterns = [
    path("", views.home, name="home"),
    path("table/", views.table, name="table"),
    path("branch/<int:pk>/", views.branch, name="branch"),
    path("branch/<int:pk>/recheck/", views.recheck, name="recheck"),
    path("findings/", views.findings, name="findings"),
    path("findings/<int:pk>/handle/", views.finding_handle, name="finding-handle"),
    path("policy/", views.policy, name="policy"),
]
