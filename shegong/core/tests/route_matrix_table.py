"""Expected outcome of every route for every persona (read by test_route_matrix.py).

A row names the outcome for every persona, then the exceptions, one outcome each:
``row(403, "dept_admin auditor=ok", "street_south=404")``. ``staff(...)`` is a row of the staff
side, where the two personas without a staff account (``volunteer``, ``anon``) are sent to
the login page. ``post=`` gives the outcome of a POST by the personas the GET refuses, where
it is not the GET's (a POST-only route: GET is 405 for everybody signed in, the POST is 403
or 404 for those without the right). Outcomes are described in test_route_matrix.py.
"""

from __future__ import annotations

from shegong.core.tests.route_matrix_rows import PERSONAS, Row, row, staff

__all__ = ["API", "PAGES", "PERSONAS", "Row", "row", "staff"]


PAGES: dict[str, Row] = {
    "core:home": staff("ok"),
    "core:reveal": staff(
        405, post=staff(404, "dept_admin dispatcher handler_unit_a=ok", "leader=403")
    ),
    "core:audit-list": staff(403, "auditor=ok", post=staff(405, "auditor=ok")),
    "core:calendar": staff("ok", "auditor=403"),
    "core:deadline": staff("ok", "auditor=403", post=staff("ok", "auditor=405")),
    "core:notifications": staff("ok"),
    # 文书模板 (core.document_views): Cap.DOCUMENTS_MANAGE, the department administrator only.
    "documents:list": staff(403, "dept_admin=ok"),
    "documents:detail": staff(403, "dept_admin=ok"),
    "documents:file": staff(403, "dept_admin=ok"),
    "documents:preview": staff(403, "dept_admin=ok"),
    "documents:activate": staff(403, "dept_admin=405", post=staff(403, "dept_admin=404")),
    # the sample kind uses its default: revert answers with a message and changes nothing
    "documents:revert": staff(403, "dept_admin=405", post=staff(403, "dept_admin=ok")),
    "core:healthz": row("ok"),
    "accounts:login": row("ok"),
    "accounts:logout": row(405),
    "accounts:password-change": staff("ok"),
    "accounts:user-list": staff(
        403, "dept_admin street_north street_south community_north auditor=ok"
    ),
    "accounts:user-create": staff(403, "dept_admin=ok"),
    "accounts:user-detail": staff(
        403, "dept_admin street_north auditor=ok", "street_south community_north=404"
    ),
    "accounts:user-edit": staff(405, post=staff(403, "dept_admin=ok")),
    "accounts:user-unlock": staff(405, post=staff(403, "dept_admin=ok")),
    "accounts:user-password-reset": staff(403, "dept_admin=ok"),
    "accounts:user-second-factor-reset": staff(405, post=staff(403, "dept_admin=ok")),
    # The second factor: every signed-in person may enrol (verify without a device goes to
    # enrolment); new recovery codes only from a session that passed the second factor.
    "accounts:otp-enrol": staff("ok"),
    "accounts:otp-verify": staff("ok"),
    "accounts:otp-recovery-codes": staff(405, post=staff(403)),
    "accounts:token-list": staff("ok"),
    "accounts:token-revoke": staff(405, post=staff(404, "street_north=ok")),
    "regions:list": staff("ok"),
    "regions:export": staff("ok", "handler_unit_a handler_unit_b secretary=403"),
    "regions:import": staff(403, "dept_admin=ok"),
    "regions:import-template": staff(403, "dept_admin=ok"),
    "regions:detail": staff(
        "ok", "handler_unit_a handler_unit_b street_south community_north secretary vm_south=404"
    ),
    "regions:edit": staff(405, post=staff(403, "dept_admin=ok")),
    "regions:create-child": staff(405, post=staff(403, "dept_admin=ok")),
    "regions:move": staff(405, post=staff(403, "dept_admin=ok")),
    "units:list": staff("ok", "auditor secretary=403"),
    "units:create": staff(403, "dept_admin=ok"),
    "units:export": staff("ok", "handler_unit_a handler_unit_b auditor secretary=403"),
    "units:import": staff(403, "dept_admin=ok"),
    "units:import-template": staff(403, "dept_admin=ok"),
    "units:detail": staff(
        404, "dept_admin dispatcher handler_unit_a leader=ok", "auditor secretary=403"
    ),
    "units:edit": staff(403, "dept_admin=ok"),
    "portal:home": row("ok"),
    "portal:submit": row("ok"),
    "portal:regions": row("ok"),
    "portal:sms-code": row(405, post=row("ok")),
    "portal:receipt": row("ok"),
    "portal:track": row("ok"),
    "suggestions_portal:themes": row("ok"),
    "suggestions_portal:theme": row(404, post=row(405)),
    "suggestions_portal:open": row("ok"),
    "suggestions_portal:open-units": row("ok"),
    "suggestions_portal:open-detail": row(404, post=row(405)),
    "appeal_notices:notice": staff(
        403,
        "dispatcher street_north community_north=ok",
        "handler_unit_a handler_unit_b street_south=404",
        post=staff(405, "dispatcher street_north community_north=ok"),
    ),
    "appeal_notices:timeline": staff(
        "ok",
        "handler_unit_a handler_unit_b street_south=404",
        "auditor secretary vm_north vm_south=403",
        post=staff(
            405, "dept_admin dispatcher street_north community_north district_leader leader=ok"
        ),
    ),
    "appeals:workbench": staff("ok", "auditor secretary vm_north vm_south=403"),
    "appeals:bulk-dispatch": staff(405, post=staff(403, "dispatcher=ok")),
    "appeals:search": staff("ok", "auditor secretary vm_north vm_south=403"),
    "appeals:export": staff(
        "ok", "handler_unit_a handler_unit_b auditor secretary vm_north vm_south=403"
    ),
    "appeals:register": staff(403, "dispatcher street_north street_south community_north=ok"),
    "appeals:region-cascade": staff(
        403,
        "dispatcher street_north street_south community_north=ok",
        post=staff(405, "dispatcher street_north street_south community_north=ok"),
    ),
    "appeals:region-search": staff(
        403,
        "dispatcher street_north street_south community_north=ok",
        post=staff(405, "dispatcher street_north street_south community_north=ok"),
    ),
    "appeals:policies": staff(403, "dept_admin dispatcher=ok"),
    "appeals:supervisions": staff("ok", "auditor secretary vm_north vm_south=403"),
    "appeals:supervision": staff(
        "ok",
        "handler_unit_a handler_unit_b street_south=404",
        "auditor secretary vm_north vm_south=403",
    ),
    "appeals:ranking": staff("ok", "auditor secretary vm_north vm_south=403"),
    "appeals:drill": staff(404, "auditor secretary vm_north vm_south=403"),
    "appeals:contest": staff(
        405,
        post=staff(
            403, "handler_unit_a handler_unit_b street_north street_south community_north=ok"
        ),
    ),
    "appeals:score-appeals": staff("ok", "auditor secretary vm_north vm_south=403"),
    "appeals:detail": staff(
        "ok",
        "handler_unit_a handler_unit_b street_south=404",
        "auditor secretary vm_north vm_south=403",
    ),
    # act/ and suggestions' act/: the service decides per action; a refused action goes back
    # to the page with the reason (302), so "ok" here is the answer, not a permission.
    "appeals:act": staff(
        405,
        post=staff(
            404, "dept_admin dispatcher street_north community_north district_leader leader=ok"
        ),
    ),
    "appeals:history": staff(
        404, "dept_admin street_north community_north district_leader leader=403", "dispatcher=ok"
    ),
    "appeals:reveal": staff(
        405,
        post=staff(
            404,
            "dept_admin district_leader leader=403",
            "dispatcher street_north community_north=ok",
        ),
    ),
    "appeals:reveal-text": staff(
        405,
        post=staff(
            404,
            "dept_admin district_leader leader=403",
            "dispatcher street_north community_north=ok",
        ),
    ),
    "appeals:attachment": staff(404, post=staff(405)),
    "suggestions:list": staff("ok", "auditor secretary vm_north vm_south=403"),
    "suggestions:export": staff(
        "ok", "handler_unit_a handler_unit_b auditor secretary vm_north vm_south=403"
    ),
    "suggestions:themes": staff("ok", "auditor secretary vm_north vm_south=403"),
    "suggestions:theme-create": staff(403, "dept_admin dispatcher=ok"),
    "suggestions:theme": staff("ok", "auditor secretary vm_north vm_south=403"),
    "suggestions:theme-edit": staff(403, "dept_admin dispatcher=ok"),
    "suggestions:theme-act": staff(405, post=staff(403, "dept_admin dispatcher=ok")),
    "suggestions:publication": staff(403, "dept_admin dispatcher=ok"),
    "suggestions:publication-detail": staff(403, "dept_admin dispatcher=ok"),
    "suggestions:publication-act": staff(405, post=staff(403, "dept_admin dispatcher=404")),
    "suggestions:detail": staff(
        "ok", "handler_unit_b street_south=404", "auditor secretary vm_north vm_south=403"
    ),
    "suggestions:act": staff(
        405,
        post=staff(
            "ok", "handler_unit_b street_south=404", "auditor secretary vm_north vm_south=403"
        ),
    ),
    "triage:hotspots": staff(403, "dispatcher=ok"),
    # The appeals a hotspot counts: whoever sees appeals, in the hotspot's region (北街道).
    "triage:hotspot-appeals": staff(
        "ok",
        "handler_unit_a handler_unit_b street_south community_north=404",
        "auditor secretary vm_north vm_south=403",
    ),
    # the 分拣中 panel's poll: the appeal's scope first (404), then the dispatch capability
    "triage:panel": staff(
        404, "dept_admin street_north community_north district_leader leader=403", "dispatcher=ok"
    ),
    "triage:accept": staff(
        405,
        post=staff(
            404,
            "dept_admin street_north community_north district_leader leader=403",
            "dispatcher=ok",
        ),
    ),
    "organizations:coverage": staff(
        "ok", "dispatcher handler_unit_a handler_unit_b auditor vm_north vm_south=403"
    ),
    "organizations:coverage-export": staff(
        403, "dept_admin street_north street_south community_north district_leader leader=ok"
    ),
    "organizations:snapshot": staff(
        405, post=staff(403, "dept_admin street_north street_south community_north secretary=ok")
    ),
    "organizations:entities": staff(
        "ok", "dispatcher handler_unit_a handler_unit_b auditor vm_north vm_south=403"
    ),
    "organizations:entity-export": staff(
        403, "dept_admin street_north street_south community_north district_leader leader=ok"
    ),
    "organizations:entity-import": staff(
        403, "dept_admin street_north street_south community_north=ok"
    ),
    "organizations:entity-template": staff(
        403, "dept_admin street_north street_south community_north=ok"
    ),
    "organizations:entity-import-errors": staff(
        403, "dept_admin street_north street_south community_north=404"
    ),
    "organizations:entity": staff(
        "ok",
        "dispatcher handler_unit_a handler_unit_b auditor vm_north vm_south=403",
        "street_south=404",
    ),
    "organizations:entity-edit": staff(
        405,
        post=staff(403, "dept_admin street_north community_north secretary=ok", "street_south=404"),
    ),
    "organizations:entity-coverage": staff(
        405,
        post=staff(403, "dept_admin street_north community_north secretary=ok", "street_south=404"),
    ),
    "organizations:instructor-add": staff(
        405,
        post=staff(403, "dept_admin street_north community_north secretary=ok", "street_south=404"),
    ),
    "organizations:instructor-end": staff(
        405,
        post=staff(403, "dept_admin street_north community_north secretary=ok", "street_south=404"),
    ),
    "organizations:orgs": staff(
        "ok", "dispatcher handler_unit_a handler_unit_b auditor vm_north vm_south=403"
    ),
    "organizations:org-create": staff(
        405, post=staff(403, "dept_admin street_north street_south community_north secretary=ok")
    ),
    "organizations:org-export": staff(
        403, "dept_admin street_north street_south community_north district_leader leader=ok"
    ),
    "organizations:org": staff(
        "ok",
        "dispatcher handler_unit_a handler_unit_b auditor vm_north vm_south=403",
        "street_south=404",
    ),
    "organizations:org-edit": staff(
        405,
        post=staff(403, "dept_admin street_north community_north secretary=ok", "street_south=404"),
    ),
    "organizations:org-move": staff(
        405,
        post=staff(403, "dept_admin street_north community_north secretary=ok", "street_south=404"),
    ),
    "organizations:org-merge": staff(
        405,
        post=staff(403, "dept_admin street_north community_north secretary=ok", "street_south=404"),
    ),
    "organizations:org-dissolve": staff(
        405,
        post=staff(403, "dept_admin street_north community_north secretary=ok", "street_south=404"),
    ),
    "organizations:org-re-election": staff(
        405,
        post=staff(403, "dept_admin street_north community_north secretary=ok", "street_south=404"),
    ),
    "organizations:committee-add": staff(
        405,
        post=staff(403, "dept_admin street_north community_north secretary=ok", "street_south=404"),
    ),
    "organizations:committee-end": staff(
        405,
        post=staff(403, "dept_admin street_north community_north secretary=ok", "street_south=404"),
    ),
    "organizations:org-admin-add": staff(
        405,
        post=staff(403, "dept_admin street_north community_north secretary=ok", "street_south=404"),
    ),
    "organizations:org-admin-remove": staff(
        405,
        post=staff(403, "dept_admin street_north community_north secretary=ok", "street_south=404"),
    ),
    "organizations:workforce-set": staff(
        405,
        post=staff(403, "dept_admin street_north community_north secretary=ok", "street_south=404"),
    ),
    "organizations:findings": staff(
        "ok", "dispatcher handler_unit_a handler_unit_b auditor vm_north vm_south=403"
    ),
    "organizations:finding-export": staff(
        403, "dept_admin street_north street_south community_north district_leader leader=ok"
    ),
    "organizations:findings-run": staff(
        405, post=staff(403, "dept_admin street_north street_south community_north secretary=ok")
    ),
    "organizations:finding": staff(
        "ok",
        "dispatcher handler_unit_a handler_unit_b auditor vm_north vm_south=403",
        "street_south=404",
    ),
    "organizations:finding-assign": staff(
        405,
        post=staff(403, "dept_admin street_north community_north secretary=ok", "street_south=404"),
    ),
    "organizations:finding-close": staff(
        405,
        post=staff(403, "dept_admin street_north community_north secretary=ok", "street_south=404"),
    ),
    "organizations:policy": staff(403, "dept_admin=ok"),
    "volunteers:list": staff("ok", "dispatcher handler_unit_a handler_unit_b secretary=403"),
    "volunteers:export": staff("ok", "dispatcher handler_unit_a handler_unit_b secretary=403"),
    "volunteers:new": staff(
        403, "dept_admin street_north street_south community_north vm_north vm_south=ok"
    ),
    "volunteers:detail": staff(
        "ok", "dispatcher handler_unit_a handler_unit_b secretary=403", "street_south vm_south=404"
    ),
    "volunteers:status": staff(
        405,
        post=staff(
            403, "dept_admin street_north community_north vm_north=ok", "street_south vm_south=404"
        ),
    ),
    "volunteers:contact": staff(
        405,
        post=staff(
            403, "dept_admin street_north community_north vm_north=ok", "street_south vm_south=404"
        ),
    ),
    "volunteers:record-hours": staff(
        405,
        post=staff(
            403, "dept_admin street_north community_north vm_north=ok", "street_south vm_south=404"
        ),
    ),
    "volunteers:certify": staff(
        405,
        post=staff(
            403, "dept_admin street_north community_north vm_north=ok", "street_south vm_south=404"
        ),
    ),
    "volunteers:records": staff(
        "ok", "dispatcher handler_unit_a handler_unit_b secretary=403", "street_south vm_south=404"
    ),
    "volunteers:record-correct": staff(
        405,
        post=staff(
            403, "dept_admin street_north street_south community_north vm_north vm_south=404"
        ),
    ),
    "volunteers:record-void": staff(
        405,
        post=staff(
            403, "dept_admin street_north street_south community_north vm_north vm_south=404"
        ),
    ),
    "volunteers:import": staff(
        403, "dept_admin street_north street_south community_north vm_north vm_south=ok"
    ),
    "volunteers:import-template": staff(
        403, "dept_admin street_north street_south community_north vm_north vm_south=ok"
    ),
    "volunteers:teams": staff("ok", "dispatcher handler_unit_a handler_unit_b secretary=403"),
    "volunteers:team": staff(
        "ok", "dispatcher handler_unit_a handler_unit_b secretary=403", "street_south vm_south=404"
    ),
    "volunteers:team-add-member": staff(
        405,
        post=staff(
            403, "dept_admin street_north community_north vm_north=ok", "street_south vm_south=404"
        ),
    ),
    "volunteers:member-remove": staff(
        405,
        post=staff(
            403, "dept_admin street_north community_north vm_north=ok", "street_south vm_south=404"
        ),
    ),
    "volunteers:activities": staff("ok", "dispatcher handler_unit_a handler_unit_b secretary=403"),
    "volunteers:activity-new": staff(
        403, "street_north street_south community_north vm_north vm_south=ok"
    ),
    "volunteers:activity": staff(
        "ok", "dispatcher handler_unit_a handler_unit_b secretary=403", "street_south vm_south=404"
    ),
    "volunteers:activity-status": staff(
        405,
        post=staff(403, "street_north community_north vm_north=ok", "street_south vm_south=404"),
    ),
    "volunteers:slot-add": staff(
        405,
        post=staff(403, "street_north community_north vm_north=ok", "street_south vm_south=404"),
    ),
    "volunteers:pending": staff("ok", "dispatcher handler_unit_a handler_unit_b secretary=403"),
    "volunteers:slot": staff(
        "ok", "dispatcher handler_unit_a handler_unit_b secretary=403", "street_south vm_south=404"
    ),
    "volunteers:slot-qr": staff(
        403, "street_north community_north vm_north=ok", "street_south vm_south=404"
    ),
    "volunteers:slot-signup": staff(
        405,
        post=staff(403, "street_north community_north vm_north=ok", "street_south vm_south=404"),
    ),
    "volunteers:slot-confirm-all": staff(
        405,
        post=staff(403, "street_north community_north vm_north=ok", "street_south vm_south=404"),
    ),
    "volunteers:signup-action": staff(
        405,
        post=staff(403, "street_north community_north vm_north=ok", "street_south vm_south=404"),
    ),
    "volunteers:hours": staff("ok", "dispatcher handler_unit_a handler_unit_b secretary=403"),
    "volunteers:hours-export": staff(
        "ok", "dispatcher handler_unit_a handler_unit_b secretary=403"
    ),
    "volunteers:entry-reverse": staff(405, post=staff(403, "dept_admin=ok")),
    "volunteers:certificates": staff(
        "ok", "dispatcher handler_unit_a handler_unit_b secretary=403"
    ),
    "volunteers:certificate": staff(
        "ok", "dispatcher handler_unit_a handler_unit_b secretary=403", "street_south vm_south=404"
    ),
    "volunteers:certificate-pdf": staff(
        403, "dept_admin street_north community_north vm_north=ok", "street_south vm_south=404"
    ),
    "volunteers:certificate-revoke": staff(
        405,
        post=staff(
            403, "dept_admin street_north community_north vm_north=ok", "street_south vm_south=404"
        ),
    ),
    "volunteers:honours": staff("ok", "dispatcher handler_unit_a handler_unit_b secretary=403"),
    "volunteers:policy": staff(403, "dept_admin=ok"),
    "volunteer_portal:home": row("ok"),
    "volunteer_portal:login": row("ok"),
    "volunteer_portal:logout": row(405),
    "volunteer_portal:register": row("ok"),
    "volunteer_portal:sms-code": row(405, post=row("ok")),
    "volunteer_portal:guardian-sms-code": row(405, post=row("ok")),
    "volunteer_portal:communities": row("ok"),
    "volunteer_portal:activities": row("ok"),
    "volunteer_portal:activity": row("ok"),
    "volunteer_portal:signup": row(405, post=row("login", "volunteer=ok")),
    "volunteer_portal:cancel": row(405, post=row("login", "volunteer=ok")),
    "volunteer_portal:checkin": row("login", "volunteer=410"),
    "volunteer_portal:me": row("login", "volunteer=ok", post=row(405, "volunteer=ok")),
    "volunteer_portal:me-phone": row(405, post=row("login", "volunteer=422")),
    "volunteer_portal:me-region": row(405, post=row("login", "volunteer=ok")),
    "volunteer_portal:hours": row("login", "volunteer=ok", post=row(405, "volunteer=ok")),
    "volunteer_portal:records": row("login", "volunteer=ok", post=row(405, "volunteer=ok")),
    "volunteer_portal:certificates": row("login", "volunteer=ok"),
    "volunteer_portal:certificate-pdf": row("login", "volunteer=ok", post=row(405, "volunteer=ok")),
    "volunteer_portal:verify-lookup": row("ok"),
    "volunteer_portal:verify": row("ok"),
    "volunteer_portal:honours": row("ok"),
    "api:openapi-json": row("ok"),
    "api:openapi-view": row("ok"),
    "api:api-root": row(404),
    "open311:services": row("ok"),
    "open311:service": row(404, post=row(405)),
    "open311:requests": row("ok"),
    "open311:request": row(404, post=row(405)),
    "open311:not-found": row(404),
    "admin:index": staff("login", "dept_admin=ok"),
    # Not an entrance (accounts/middleware.py): signed in → on to admin, else the login page.
    "admin:login": staff("ok"),
    "admin:logout": row("ok", "dept_admin=405"),
    "admin:password_change": staff("login", "dept_admin=ok"),
    "admin:password_change_done": staff("login", "dept_admin=ok"),
    "admin:autocomplete": staff("login", "dept_admin=403", post=staff("login", "dept_admin=405")),
    "admin:jsi18n": staff("login", "dept_admin=ok"),
    "admin:view_on_site": staff("login", "dept_admin=404"),
    "admin:auth_group_changelist": staff("login", "dept_admin=403"),
    "admin:auth_group_add": staff("login", "dept_admin=403"),
    "admin:auth_group_history": staff("login", "dept_admin=ok"),
    "admin:auth_group_delete": staff("login", "dept_admin=403"),
    "admin:auth_group_change": staff("login", "dept_admin=403"),
    "admin/auth/group/<path:object_id>/": staff("login", "dept_admin=ok"),
    "admin:django_tasks_database_dbtaskresult_changelist": staff("login", "dept_admin=403"),
    "admin:django_tasks_database_dbtaskresult_add": staff("login", "dept_admin=403"),
    "admin:django_tasks_database_dbtaskresult_history": staff("login", "dept_admin=ok"),
    "admin:django_tasks_database_dbtaskresult_delete": staff("login", "dept_admin=403"),
    "admin:django_tasks_database_dbtaskresult_change": staff("login", "dept_admin=403"),
    "admin/django_tasks_database/dbtaskresult/<path:object_id>/": staff("login", "dept_admin=ok"),
    "admin:core_calendarday_changelist": staff("login", "dept_admin=ok"),
    "admin:core_calendarday_add": staff("login", "dept_admin=ok"),
    "admin:core_calendarday_history": staff("login", "dept_admin=ok"),
    "admin:core_calendarday_delete": staff("login", "dept_admin=ok"),
    "admin:core_calendarday_change": staff("login", "dept_admin=ok"),
    "admin/core/calendarday/<path:object_id>/": staff("login", "dept_admin=ok"),
    "admin:core_calendaryear_changelist": staff("login", "dept_admin=ok"),
    "admin:core_calendaryear_add": staff("login", "dept_admin=ok"),
    "admin:core_calendaryear_history": staff("login", "dept_admin=ok"),
    "admin:core_calendaryear_delete": staff("login", "dept_admin=ok"),
    "admin:core_calendaryear_change": staff("login", "dept_admin=ok"),
    "admin/core/calendaryear/<path:object_id>/": staff("login", "dept_admin=ok"),
    "admin:core_auditverification_changelist": staff("login", "dept_admin=403"),
    "admin:core_auditverification_add": staff("login", "dept_admin=403"),
    "admin:core_auditverification_history": staff("login", "dept_admin=ok"),
    "admin:core_auditverification_delete": staff("login", "dept_admin=403"),
    "admin:core_auditverification_change": staff("login", "dept_admin=403"),
    "admin/core/auditverification/<path:object_id>/": staff("login", "dept_admin=ok"),
    "admin:core_auditevent_changelist": staff("login", "dept_admin=403"),
    "admin:core_auditevent_add": staff("login", "dept_admin=403"),
    "admin:core_auditevent_history": staff("login", "dept_admin=ok"),
    "admin:core_auditevent_delete": staff("login", "dept_admin=403"),
    "admin:core_auditevent_change": staff("login", "dept_admin=403"),
    "admin/core/auditevent/<path:object_id>/": staff("login", "dept_admin=ok"),
    "admin:core_smsmessage_changelist": staff("login", "dept_admin=ok"),
    "admin:core_smsmessage_add": staff("login", "dept_admin=403"),
    "admin:core_smsmessage_history": staff("login", "dept_admin=ok"),
    "admin:core_smsmessage_delete": staff("login", "dept_admin=403"),
    "admin:core_smsmessage_change": staff("login", "dept_admin=ok"),
    "admin/core/smsmessage/<path:object_id>/": staff("login", "dept_admin=ok"),
    "admin:appeals_noticetemplate_changelist": staff("login", "dept_admin=ok"),
    "admin:appeals_noticetemplate_add": staff("login", "dept_admin=403"),
    "admin:appeals_noticetemplate_history": staff("login", "dept_admin=ok"),
    "admin:appeals_noticetemplate_delete": staff("login", "dept_admin=403"),
    "admin:appeals_noticetemplate_change": staff("login", "dept_admin=ok"),
    "admin/appeals/noticetemplate/<path:object_id>/": staff("login", "dept_admin=ok"),
    "admin:triage_routingrule_changelist": staff("login", "dept_admin=ok"),
    "admin:triage_routingrule_add": staff("login", "dept_admin=ok"),
    "admin:triage_routingrule_history": staff("login", "dept_admin=ok"),
    "admin:triage_routingrule_delete": staff("login", "dept_admin=ok"),
    "admin:triage_routingrule_change": staff("login", "dept_admin=ok"),
    "admin/triage/routingrule/<path:object_id>/": staff("login", "dept_admin=ok"),
    "admin:volunteers_volunteerpolicy_changelist": staff("login", "dept_admin=403"),
    "admin:volunteers_volunteerpolicy_add": staff("login", "dept_admin=403"),
    "admin:volunteers_volunteerpolicy_history": staff("login", "dept_admin=403"),
    "admin:volunteers_volunteerpolicy_delete": staff("login", "dept_admin=403"),
    "admin:volunteers_volunteerpolicy_change": staff("login", "dept_admin=403"),
    "admin/volunteers/volunteerpolicy/<path:object_id>/": staff("login", "dept_admin=ok"),
    "admin:volunteers_skill_changelist": staff("login", "dept_admin=403"),
    "admin:volunteers_skill_add": staff("login", "dept_admin=403"),
    "admin:volunteers_skill_history": staff("login", "dept_admin=ok"),
    "admin:volunteers_skill_delete": staff("login", "dept_admin=403"),
    "admin:volunteers_skill_change": staff("login", "dept_admin=403"),
    "admin/volunteers/skill/<path:object_id>/": staff("login", "dept_admin=ok"),
    "admin:app_list": staff("login", "dept_admin=ok"),
    "admin/(?P<url>.*)$": staff("login", "dept_admin=404"),
}
API: dict[str, Row] = {
    "GET /api/audit-events": staff(403, "auditor=ok"),
    "GET /api/calendar/deadline": staff("ok", "auditor=403"),
    "GET /api/me": staff("ok"),
    "GET /api/users": staff(403, "dept_admin street_north street_south community_north auditor=ok"),
    "GET /api/users/{user_id}": staff(404, "dept_admin street_north auditor=ok"),
    "GET /api/regions": staff("ok"),
    "GET /api/regions/{region_id}": staff(
        "ok", "handler_unit_a handler_unit_b street_south community_north secretary vm_south=404"
    ),
    "GET /api/units": staff("ok", "auditor secretary=403"),
    "GET /api/units/{unit_id}": staff(404, "dept_admin dispatcher handler_unit_a leader=ok"),
    "GET /api/appeals": staff("ok", "auditor secretary vm_north vm_south=403"),
    "GET /api/appeals/{appeal_id}": staff(
        "ok",
        "handler_unit_a handler_unit_b street_south=404",
        "auditor secretary vm_north vm_south=403",
    ),
    "GET /api/suggestions": staff("ok", "auditor secretary vm_north vm_south=403"),
    "GET /api/suggestions/{appeal_id}": staff(
        "ok",
        "handler_unit_a handler_unit_b street_south=404",
        "auditor secretary vm_north vm_south=403",
    ),
    "GET /api/suggestion-themes": staff("ok", "auditor secretary vm_north vm_south=403"),
    "GET /api/suggestion-themes/{theme_id}": staff("ok", "auditor secretary vm_north vm_south=403"),
    "GET /api/appeals/{appeal_id}/triage": staff(403, "dispatcher=ok"),
    "GET /api/triage/routing-accuracy": staff(403, "dispatcher=ok"),
    "GET /api/organizations/entities": staff(
        "ok", "dispatcher handler_unit_a handler_unit_b auditor vm_north vm_south=403"
    ),
    "GET /api/organizations/entities/{entity_id}": staff(
        404, "dept_admin street_north community_north district_leader leader secretary=ok"
    ),
    "GET /api/organizations/entities/{entity_id}/instructors": staff(
        404, "dept_admin street_north community_north district_leader leader secretary=ok"
    ),
    "GET /api/organizations/entities/{entity_id}/workforce": staff(
        404, "dept_admin street_north community_north district_leader leader secretary=ok"
    ),
    "GET /api/organizations/orgs": staff(
        "ok", "dispatcher handler_unit_a handler_unit_b auditor vm_north vm_south=403"
    ),
    "GET /api/organizations/orgs/{org_id}": staff(
        404, "dept_admin street_north community_north district_leader leader secretary=ok"
    ),
    "GET /api/organizations/findings": staff(
        "ok", "dispatcher handler_unit_a handler_unit_b auditor vm_north vm_south=403"
    ),
    "GET /api/organizations/findings/{finding_id}": staff(
        404, "dept_admin street_north community_north district_leader leader secretary=ok"
    ),
    "GET /api/organizations/coverage": staff(
        "ok", "dispatcher handler_unit_a handler_unit_b auditor vm_north vm_south=403"
    ),
    "GET /api/organizations/coverage/trend": staff(
        "ok", "dispatcher handler_unit_a handler_unit_b auditor vm_north vm_south=403"
    ),
    "GET /api/volunteers": staff("ok", "dispatcher handler_unit_a handler_unit_b secretary=403"),
    "GET /api/volunteers/{volunteer_id}": staff(
        "ok", "dispatcher handler_unit_a handler_unit_b secretary=403", "street_south vm_south=404"
    ),
    "GET /api/volunteer-activities": staff(
        "ok", "dispatcher handler_unit_a handler_unit_b secretary=403"
    ),
    "GET /api/volunteer-hours": staff(
        "ok", "dispatcher handler_unit_a handler_unit_b secretary=403"
    ),
    "GET /api/volunteer-trainings": staff(
        "ok", "dispatcher handler_unit_a handler_unit_b secretary=403"
    ),
    "GET /api/volunteer-awards": staff(
        "ok", "dispatcher handler_unit_a handler_unit_b secretary=403"
    ),
    "GET /api/volunteer-evaluations": staff(
        "ok", "dispatcher handler_unit_a handler_unit_b secretary=403"
    ),
    "GET /api/volunteer-certificates/verify/{code}": row("ok"),
    "POST /api/regions": staff(403, "dept_admin=ok"),
    "PATCH /api/regions/{region_id}": staff(
        403,
        "dept_admin=ok",
        "handler_unit_a handler_unit_b street_south community_north secretary vm_south=404",
    ),
    "POST /api/units": staff(403, "dept_admin=ok"),
    "PATCH /api/units/{unit_id}": staff(
        404, "dept_admin=ok", "dispatcher handler_unit_a leader=403"
    ),
    "POST /api/appeals": staff(403, "dispatcher street_north street_south community_north=ok"),
    "POST /api/appeals/{appeal_id}/reveal-text": staff(
        404, "dept_admin district_leader leader=403", "dispatcher street_north community_north=ok"
    ),
    "POST /api/appeals/{appeal_id}/accept": staff(
        404, "dept_admin street_north community_north district_leader leader=403", "dispatcher=ok"
    ),
    "POST /api/appeals/{appeal_id}/reject": staff(
        404, "dept_admin street_north community_north district_leader leader=403", "dispatcher=ok"
    ),
    "POST /api/appeals/{appeal_id}/dispatch": staff(
        404, "dept_admin street_north community_north district_leader leader=403", "dispatcher=ok"
    ),
    "POST /api/appeals/{appeal_id}/category": staff(
        404, "dept_admin street_north community_north district_leader leader=403", "dispatcher=ok"
    ),
    "POST /api/appeals/{appeal_id}/close": staff(
        404, "dept_admin street_north community_north district_leader leader=403", "dispatcher=ok"
    ),
    "POST /api/work-orders/{order_id}/sign": staff(
        403,
        "handler_unit_a=ok",
        "handler_unit_b street_south auditor secretary vm_north vm_south=404",
    ),
    "POST /api/work-orders/{order_id}/return": staff(
        403,
        "handler_unit_a=ok",
        "handler_unit_b street_south auditor secretary vm_north vm_south=404",
    ),
    "POST /api/work-orders/{order_id}/extension": staff(
        403,
        "handler_unit_a=ok",
        "handler_unit_b street_south auditor secretary vm_north vm_south=404",
    ),
    "POST /api/extensions/{request_id}/decide": staff(403, "dispatcher=ok"),
    "POST /api/work-orders/{order_id}/reply": staff(
        403,
        "handler_unit_a=ok",
        "handler_unit_b street_south auditor secretary vm_north vm_south=404",
    ),
    "POST /api/suggestions/{appeal_id}/evaluation/start": staff(
        403, "dept_admin dispatcher=ok", "handler_unit_a handler_unit_b street_south=404"
    ),
    "POST /api/suggestions/{appeal_id}/evaluation": staff(
        403,
        "dept_admin dispatcher street_north community_north=ok",
        "handler_unit_a handler_unit_b street_south=404",
    ),
    "POST /api/suggestions/{appeal_id}/milestones": staff(
        403,
        "dept_admin dispatcher=ok",
        "handler_unit_a handler_unit_b street_north street_south community_north=404",
    ),
    "POST /api/suggestion-milestones/{milestone_id}/complete": staff(
        404, "auditor secretary vm_north vm_south=403"
    ),
    "POST /api/suggestions/{appeal_id}/rewards": staff(
        403, "dept_admin dispatcher=ok", "handler_unit_a handler_unit_b street_south=404"
    ),
    "POST /api/appeals/{appeal_id}/triage/accept": staff(403, "dispatcher=ok"),
    "POST /api/organizations/entities": staff(
        403, "dept_admin street_north street_south community_north secretary=ok"
    ),
    "PATCH /api/organizations/entities/{entity_id}": staff(
        404, "dept_admin street_north community_north secretary=ok", "district_leader leader=403"
    ),
    "PUT /api/organizations/entities/{entity_id}/coverage": staff(
        404, "dept_admin street_north community_north secretary=ok", "district_leader leader=403"
    ),
    "POST /api/organizations/entities/{entity_id}/instructors": staff(
        404, "dept_admin street_north community_north secretary=ok", "district_leader leader=403"
    ),
    "PUT /api/organizations/entities/{entity_id}/workforce": staff(
        404, "dept_admin street_north community_north secretary=ok", "district_leader leader=403"
    ),
    "POST /api/organizations/orgs": staff(
        403, "dept_admin street_north street_south community_north secretary=ok"
    ),
    "PATCH /api/organizations/orgs/{org_id}": staff(
        404, "dept_admin street_north community_north secretary=ok", "district_leader leader=403"
    ),
    "POST /api/organizations/orgs/{org_id}/move": staff(
        404, "dept_admin street_north community_north secretary=ok", "district_leader leader=403"
    ),
    "POST /api/organizations/orgs/{org_id}/merge": staff(
        404, "dept_admin street_north community_north secretary=ok", "district_leader leader=403"
    ),
    "POST /api/organizations/orgs/{org_id}/re-election": staff(
        404, "dept_admin street_north community_north secretary=ok", "district_leader leader=403"
    ),
    "POST /api/organizations/findings/run": staff(
        403, "dept_admin street_north street_south community_north secretary=ok"
    ),
    "POST /api/organizations/findings/{finding_id}/assign": staff(
        404, "dept_admin street_north community_north secretary=ok", "district_leader leader=403"
    ),
    "POST /api/organizations/findings/{finding_id}/close": staff(
        404, "dept_admin street_north community_north secretary=ok", "district_leader leader=403"
    ),
    "POST /api/organizations/coverage/snapshots": staff(
        403, "dept_admin street_north street_south community_north secretary=ok"
    ),
    "POST /api/volunteer-signups/{signup_id}/confirm": staff(
        403, "street_north community_north vm_north=ok", "street_south vm_south=404"
    ),
}


def _party_rows() -> None:
    """Rows of the party apps (issue 15), kept in ``shegong/<app>/tests/route_rows.py``."""
    from shegong.core.tests.routes import party_route_modules

    for module in party_route_modules():
        PAGES.update(module.PAGES)
        API.update(module.API)


_party_rows()
