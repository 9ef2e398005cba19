from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("pii/<str:model_label>/<int:pk>/<str:field>/", views.reveal, name="reveal"),
    path("audit/", views.audit_list, name="audit-list"),
    path("calendar/", views.calendar_view, name="calendar"),
    path("calendar/deadline/", views.deadline_calculator, name="deadline"),
    path("notifications/", views.notifications, name="notifications"),
    path("healthz", views.healthz, name="healthz"),
]
