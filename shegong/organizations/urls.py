from django.urls import path

from . import views

app_name = "organizations"

urlpatterns = [
    path("", views.coverage, name="coverage"),
    path("coverage/export/", views.coverage_export, name="coverage-export"),
    path("coverage/snapshot/", views.snapshot_take, name="snapshot"),
    path("entities/", views.entity_list, name="entities"),
    path("entities/export/", views.entity_export, name="entity-export"),
    path("entities/import/", views.entity_import, name="entity-import"),
    path("entities/import/template/", views.entity_import_template, name="entity-template"),
    path("entities/import/errors/", views.entity_import_errors, name="entity-import-errors"),
    path("entities/<int:pk>/", views.entity_detail, name="entity"),
    path("entities/<int:pk>/edit/", views.entity_edit, name="entity-edit"),
    path("entities/<int:pk>/coverage/", views.entity_coverage, name="entity-coverage"),
    path("entities/<int:pk>/instructors/", views.instructor_add, name="instructor-add"),
    path("instructors/<int:pk>/end/", views.instructor_end, name="instructor-end"),
    path("orgs/", views.org_list, name="orgs"),
    path("orgs/new/", views.org_create, name="org-create"),
    path("orgs/export/", views.org_export, name="org-export"),
    path("orgs/<int:pk>/", views.org_detail, name="org"),
    path("orgs/<int:pk>/edit/", views.org_edit, name="org-edit"),
    path("orgs/<int:pk>/move/", views.org_move, name="org-move"),
    path("orgs/<int:pk>/merge/", views.org_merge, name="org-merge"),
    path("orgs/<int:pk>/dissolve/", views.org_dissolve, name="org-dissolve"),
    path("orgs/<int:pk>/re-election/", views.org_re_election, name="org-re-election"),
    path("orgs/<int:pk>/committee/", views.committee_add, name="committee-add"),
    path(
        "orgs/<int:pk>/committee/<int:member_id>/end/",
        views.committee_end,
        name="committee-end",
    ),
    path("orgs/<int:pk>/administrators/", views.org_admin_add, name="org-admin-add"),
    path(
        "orgs/<int:pk>/administrators/<int:link_id>/remove/",
        views.org_admin_remove,
        name="org-admin-remove",
    ),
    path("entities/<int:pk>/workforce/", views.workforce_set, name="workforce-set"),
    path("findings/", views.finding_list, name="findings"),
    path("findings/export/", views.finding_export, name="finding-export"),
    path("findings/run/", views.finding_run, name="findings-run"),
    path("findings/<int:pk>/", views.finding_detail, name="finding"),
    path("findings/<int:pk>/assign/", views.finding_assign, name="finding-assign"),
    path("findings/<int:pk>/close/", views.finding_close, name="finding-close"),
    path("policy/", views.policy, name="policy"),
]
