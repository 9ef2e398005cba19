from django.urls import URLPattern, URLResolver, path

from .views import admin, evaluation, me, people, training

app_name = "talent"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", people.person_list, name="people"),
    path("new/", people.person_new, name="person-new"),
    path("import/", admin.import_view, name="import"),
    path("import/template/", admin.import_template, name="import-template"),
    path("people/<int:pk>/", people.person_detail, name="person"),
    path("people/<int:pk>/edit/", people.person_edit, name="person-edit"),
    path("people/<int:pk>/credentials/", people.credential_add, name="credential-add"),
    path(
        "people/<int:pk>/credentials/<int:cid>/register/",
        people.credential_renew,
        name="credential-register",
    ),
    path("people/<int:pk>/hours/", people.hours_add, name="hours-add"),
    path("people/<int:pk>/postings/", people.posting_add, name="posting-add"),
    path(
        "people/<int:pk>/postings/<int:posting_id>/close/",
        people.posting_close,
        name="posting-close",
    ),
    path("people/<int:pk>/decisions/", people.decision_propose, name="decision-propose"),
    path("classes/", training.class_list, name="classes"),
    path("classes/new/", training.class_new, name="class-new"),
    path("classes/<int:pk>/", training.class_detail, name="class"),
    path("classes/<int:pk>/enrol/", training.class_enrol, name="class-enrol"),
    path("classes/<int:pk>/attend/<int:enrolment_id>/", training.class_attend, name="class-attend"),
    path("classes/<int:pk>/qr/", training.class_qr, name="class-qr"),
    path("cycles/", evaluation.cycle_list, name="cycles"),
    path("cycles/<int:pk>/", evaluation.cycle_detail, name="cycle"),
    path("evaluations/<int:pk>/", evaluation.evaluation_detail, name="evaluation"),
    path("decisions/", evaluation.decision_list, name="decisions"),
    path("decisions/<int:pk>/decide/", evaluation.decision_decide, name="decision-decide"),
    path("figures/", admin.figures_page, name="figures"),
    path("policy/", admin.policy_page, name="policy"),
    path("me/", me.me, name="me"),
    path("me/classes/<int:pk>/enrol/", me.me_enrol, name="me-enrol"),
    path("me/evaluations/<int:pk>/", me.me_report, name="me-report"),
    path("checkin/<str:token>/", me.checkin, name="checkin"),
]
