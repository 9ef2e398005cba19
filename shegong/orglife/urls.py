from django.urls import path

from .views import actions, meetings, members, signin

app_name = "orglife"

urlpatterns = [
    path("", meetings.meeting_list, name="meetings"),
    path("new/", meetings.meeting_new, name="meeting-new"),
    path("<int:pk>/", meetings.meeting_detail, name="meeting"),
    path("<int:pk>/edit/", meetings.meeting_edit, name="meeting-edit"),
    path("<int:pk>/hold/", actions.meeting_hold, name="meeting-hold"),
    path("<int:pk>/cancel/", actions.meeting_cancel, name="meeting-cancel"),
    path("<int:pk>/minutes/", actions.meeting_minutes, name="meeting-minutes"),
    path("<int:pk>/attendance/", actions.meeting_attendance, name="meeting-attendance"),
    path("<int:pk>/resolutions/", actions.meeting_resolution, name="meeting-resolution"),
    path("<int:pk>/grades/", actions.meeting_grades, name="meeting-grades"),
    path("<int:pk>/qr/", actions.meeting_qr, name="meeting-qr"),
    path("<int:pk>/photos/", actions.meeting_photo_add, name="photo-add"),
    path("<int:pk>/photos/<str:token>/", actions.meeting_photo, name="photo"),
    path("<int:pk>/photos/<str:token>/delete/", actions.meeting_photo_delete, name="photo-delete"),
    path("members/<int:pk>/", members.member_history, name="member"),
    path("assignments/<int:pk>/edit/", members.assignment_edit, name="assignment-edit"),
    path("assignments/<int:pk>/delete/", members.assignment_delete, name="assignment-delete"),
    path("signin/<str:token>/", signin.signin, name="signin"),
    path("signin/<str:token>/sms/", signin.signin_sms, name="signin-sms"),
]
