from django.urls import path

from . import views

app_name = "study"

urlpatterns = [
    path("", views.home, name="home"),
    path("mine/", views.mine, name="mine"),
    path("branches/<int:pk>/", views.branch, name="branch"),
    path("branches/<int:pk>/plans/", views.branch_plan, name="branch-plan"),
    path("branches/<int:pk>/sessions/", views.branch_session, name="branch-session"),
    path("members/<int:pk>/", views.member_records, name="member"),
    path("records/<int:pk>/delete/", views.record_delete, name="record-delete"),
    path("sessions/<int:pk>/", views.session_detail, name="session"),
    path("sessions/<int:pk>/attendance/", views.session_attendance, name="session-attendance"),
    path("department/", views.department, name="department"),
    path("department/plans/", views.department_plan, name="department-plan"),
    path("department/sessions/", views.department_session, name="department-session"),
    path("department/cadres/<int:pk>/", views.cadre, name="cadre"),
    path("secretaries/", views.secretary_list, name="secretaries"),
    path("secretaries/<int:pk>/", views.secretary_detail, name="secretary"),
    path("secretaries/<int:pk>/link/", views.secretary_link, name="secretary-link"),
    path("secretaries/<int:pk>/reviews/", views.secretary_review, name="secretary-review"),
    path("gaps/", views.gaps, name="gaps"),
]
