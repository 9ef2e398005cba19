from django.urls import path

from .views import activities, hours, records, roster, teams

app_name = "volunteers"

urlpatterns = [
    path("", roster.volunteer_list, name="list"),
    path("export/", roster.volunteer_export, name="export"),
    path("new/", roster.volunteer_new, name="new"),
    path("<int:pk>/", roster.volunteer_detail, name="detail"),
    path("<int:pk>/status/", roster.volunteer_status, name="status"),
    path("<int:pk>/contact/", roster.volunteer_contact, name="contact"),
    path("<int:pk>/hours/", hours.volunteer_record_hours, name="record-hours"),
    path("<int:pk>/certify/", hours.volunteer_certify, name="certify"),
    path("<int:pk>/records/<str:kind>/", records.volunteer_records, name="records"),
    path(
        "records/<str:kind>/<int:record_id>/correct/", records.record_correct, name="record-correct"
    ),
    path("records/<str:kind>/<int:record_id>/void/", records.record_void, name="record-void"),
    path("import/<str:kind>/", roster.import_view, name="import"),
    path("import/<str:kind>/template/", roster.import_template, name="import-template"),
    path("teams/", teams.team_list, name="teams"),
    path("teams/<int:pk>/", teams.team_detail, name="team"),
    path("teams/<int:pk>/members/", teams.team_add_member, name="team-add-member"),
    path("members/<int:pk>/remove/", teams.member_remove, name="member-remove"),
    path("activities/", activities.activity_list, name="activities"),
    path("activities/new/", activities.activity_new, name="activity-new"),
    path("activities/<int:pk>/", activities.activity_detail, name="activity"),
    path("activities/<int:pk>/status/", activities.activity_status, name="activity-status"),
    path("activities/<int:pk>/slots/", activities.slot_add, name="slot-add"),
    path("pending/", activities.pending_records, name="pending"),
    path("slots/<int:pk>/", activities.slot_detail, name="slot"),
    path("slots/<int:pk>/qr/", activities.slot_qr, name="slot-qr"),
    path("slots/<int:pk>/signup/", activities.slot_signup, name="slot-signup"),
    path("slots/<int:pk>/confirm-all/", activities.slot_confirm_all, name="slot-confirm-all"),
    path("signups/<int:pk>/<str:action>/", activities.signup_action, name="signup-action"),
    path("hours/", hours.hours_list, name="hours"),
    path("hours/export/", hours.hours_export, name="hours-export"),
    path("entries/<int:pk>/reverse/", hours.entry_reverse, name="entry-reverse"),
    path("certificates/", hours.certificate_list, name="certificates"),
    path("certificates/<int:pk>/", hours.certificate_detail, name="certificate"),
    path("certificates/<int:pk>/pdf/", hours.certificate_pdf, name="certificate-pdf"),
    path("certificates/<int:pk>/revoke/", hours.certificate_revoke, name="certificate-revoke"),
    path("honours/", hours.honours, name="honours"),
    path("policy/", hours.policy, name="policy"),
]
