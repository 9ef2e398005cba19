from django.urls import path

from . import views

app_name = "volunteers"

urlpatterns = [
    path("", views.volunteer_list, name="list"),
    path("export/", views.volunteer_export, name="export"),
    path("new/", views.volunteer_new, name="new"),
    path("<int:pk>/", views.volunteer_detail, name="detail"),
    path("<int:pk>/status/", views.volunteer_status, name="status"),
    path("<int:pk>/contact/", views.volunteer_contact, name="contact"),
    path("<int:pk>/hours/", views.volunteer_record_hours, name="record-hours"),
    path("<int:pk>/certify/", views.volunteer_certify, name="certify"),
    path("<int:pk>/records/<str:kind>/", views.volunteer_records, name="records"),
    path(
        "records/<str:kind>/<int:record_id>/correct/", views.record_correct, name="record-correct"
    ),
    path("records/<str:kind>/<int:record_id>/void/", views.record_void, name="record-void"),
    path("import/<str:kind>/", views.import_view, name="import"),
    path("import/<str:kind>/template/", views.import_template, name="import-template"),
    path("teams/", views.team_list, name="teams"),
    path("teams/<int:pk>/", views.team_detail, name="team"),
    path("teams/<int:pk>/members/", views.team_add_member, name="team-add-member"),
    path("members/<int:pk>/remove/", views.member_remove, name="member-remove"),
    path("activities/", views.activity_list, name="activities"),
    path("activities/new/", views.activity_new, name="activity-new"),
    path("activities/<int:pk>/", views.activity_detail, name="activity"),
    path("activities/<int:pk>/status/", views.activity_status, name="activity-status"),
    path("activities/<int:pk>/slots/", views.slot_add, name="slot-add"),
    path("pending/", views.pending_records, name="pending"),
    path("slots/<int:pk>/", views.slot_detail, name="slot"),
    path("slots/<int:pk>/qr/", views.slot_qr, name="slot-qr"),
    path("slots/<int:pk>/signup/", views.slot_signup, name="slot-signup"),
    path("slots/<int:pk>/confirm-all/", views.slot_confirm_all, name="slot-confirm-all"),
    path("signups/<int:pk>/<str:action>/", views.signup_action, name="signup-action"),
    path("hours/", views.hours_list, name="hours"),
    path("hours/export/", views.hours_export, name="hours-export"),
    path("entries/<int:pk>/reverse/", views.entry_reverse, name="entry-reverse"),
    path("certificates/", views.certificate_list, name="certificates"),
    path("certificates/<int:pk>/", views.certificate_detail, name="certificate"),
    path("certificates/<int:pk>/pdf/", views.certificate_pdf, name="certificate-pdf"),
    path("certificates/<int:pk>/revoke/", views.certificate_revoke, name="certificate-revoke"),
    path("honours/", views.honours, name="honours"),
    path("policy/", views.policy, name="policy"),
]
