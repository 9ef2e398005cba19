"""Roles and what each may do (capabilities).

This module lives in ``core`` so that every app — core itself included — names a
capability as ``Cap.X``, never as a string literal (``core/tests/test_capability_names.py``
fails on a literal). ``accounts.roles`` re-exports it.

A capability is a dotted string checked by ``User.has_capability``; models name the
capability needed to see them at all in their ``Scope`` (see core.scoping), views and API
endpoints name the one needed to act. Which *rows* a user sees is the jurisdiction part of
the scope (region subtree and/or unit subtree), not the role.

Admin roles follow 等保 2.0's separation of duties (三员分立, GB/T 22239-2019 8.1.4.2):
the 系统管理员 keeps the reference data and the system's configuration, the 安全管理员
manages accounts, roles and credentials, the 审计管理员 (``auditor``) reads the audit trail
and changes nothing. None holds another's powers; only the superuser (the installation's
break-glass account) assigns these roles, and nobody changes their own role
(``accounts.services``). The department administrator is the business administrator of 社工部.
See docs/security.md "Separation of duties".
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    DEPT_ADMIN = "dept_admin", "部门管理员"
    DISPATCHER = "dispatcher", "派单员"
    HANDLER = "handler", "承办人"
    STREET_STAFF = "street_staff", "街道/社区工作人员"
    BRANCH_SECRETARY = "branch_secretary", "党组织书记"
    VOLUNTEER_MANAGER = "volunteer_manager", "志愿团队管理员"
    LEADER = "leader", "领导"
    AUDITOR = "auditor", "审计员"  # the 审计管理员 of 三员分立
    SYSTEM_ADMIN = "system_admin", "系统管理员"
    SECURITY_ADMIN = "security_admin", "安全管理员"


class Cap:
    """Capability names (one place, so a typo is an AttributeError, not a silent deny)."""

    REGIONS_VIEW = "regions.view"
    REGIONS_MANAGE = "regions.manage"
    UNITS_VIEW = "units.view"
    UNITS_MANAGE = "units.manage"
    ACCOUNTS_VIEW = "accounts.view"
    ACCOUNTS_MANAGE = "accounts.manage"
    AUDIT_VIEW = "audit.view"
    PII_REVEAL = "pii.reveal"
    # 办理个人信息查阅复制申请 (个人信息保护法 第四十五条): the privacy officer's account.
    PRIVACY_REQUEST = "privacy.request"
    CALENDAR_MANAGE = "calendar.manage"
    CALENDAR_VIEW = "calendar.view"
    DOCUMENTS_MANAGE = "documents.manage"  # replace the Office templates of printed documents
    EXPORT = "data.export"
    COCKPIT_VIEW = "cockpit.view"
    APPEALS_VIEW = "appeals.view"
    APPEALS_REGISTER = "appeals.register"
    APPEALS_DISPATCH = "appeals.dispatch"
    APPEALS_HANDLE = "appeals.handle"
    APPEALS_WHISTLE = "appeals.whistle"
    APPEALS_APPROVE_EXTENSION = "appeals.approve_extension"
    APPEALS_IDENTITY = "appeals.identity"
    APPEALS_CONFIDENTIAL_IDENTITY = "appeals.identity_confidential"
    APPEALS_PERSON_HISTORY = "appeals.person_history"
    APPEALS_POLICY = "appeals.policy"
    APPEALS_POLICY_VIEW = "appeals.policy_view"
    APPEALS_REVISIT = "appeals.revisit"
    APPEALS_SUPERVISE = "appeals.supervise"
    APPEALS_ASSESSMENT_REVIEW = "appeals.assessment_review"
    SUGGESTIONS_VIEW = "suggestions.view"
    SUGGESTIONS_MANAGE = "suggestions.manage"
    SUGGESTIONS_EVALUATE = "suggestions.evaluate"
    PUBLICATION_MANAGE = "publication.manage"
    ORGS_VIEW = "organizations.view"
    ORGS_MANAGE = "organizations.manage"
    ORGS_IMPORT = "organizations.import"
    ORGS_TASKS = "organizations.tasks"
    ORGS_POLICY = "organizations.policy"
    ORGS_ADMINS = "organizations.admins"
    VOLUNTEERS_VIEW = "volunteers.view"
    VOLUNTEERS_MANAGE = "volunteers.manage"
    VOLUNTEER_ACTIVITIES = "volunteers.activities"
    VOLUNTEER_HOURS_CORRECT = "volunteers.correct"
    VOLUNTEER_CERTIFY = "volunteers.certify"
    VOLUNTEER_POLICY = "volunteers.policy"
    # Party members and branch life (issue 15): members, transfers, dues, 组织生活, study,
    # compliance. A branch secretary's rows come from the organizations they administer.
    MEMBERS_VIEW = "members.view"
    MEMBERS_MANAGE = "members.manage"  # add, edit, record development steps
    MEMBERS_IMPORT = "members.import"  # XLSX roster import
    MEMBERS_APPROVE = "members.approve"  # 党委 decisions: 预审, 审批 of development steps
    TRANSFERS_MANAGE = "transfers.manage"  # start, approve and receive 组织关系转接
    DUES_VIEW = "dues.view"
    DUES_MANAGE = "dues.manage"  # bases, payments, reversals
    DUES_APPROVE = "dues.approve"  # the superior 党委 approves a hardship reduction
    ORGLIFE_VIEW = "orglife.view"
    ORGLIFE_MANAGE = "orglife.manage"  # meetings, attendance, minutes, grades
    STUDY_VIEW = "study.view"
    STUDY_MANAGE = "study.manage"  # study plans, sessions, records, secretaries' profiles
    COMPLIANCE_VIEW = "compliance.view"
    COMPLIANCE_POLICY = "compliance.policy"  # the rules' parameters
    # The cockpit and scheduled reports (issue 17): COCKPIT_VIEW opens the cockpit.
    REPORTS_VIEW = "reports.view"  # the report archive: download monthly/quarterly reports
    REPORTS_MANAGE = "reports.manage"  # generate on demand, schedules, map boundaries upload
    # Social-work talent and grassroots cadres (issue 18).
    TALENT_VIEW = "talent.view"
    TALENT_MANAGE = "talent.manage"  # people, credentials, hours, postings, roster import
    TALENT_TRAINING = "talent.training"  # training classes: enrolment, attendance
    TALENT_EVALUATE = "talent.evaluate"  # annual evaluation: review and grade
    TALENT_DECIDE = "talent.decide"  # incentives and consequences: approve decisions
    TALENT_POLICY = "talent.policy"  # post ladder, grades, quotas, staffing standard
    # 双报到 and service orders (issue 19).
    SERVING_VIEW = "serving.view"
    SERVING_MANAGE = "serving.manage"  # 双报到 registrations, wishes, orders, assignment
    SERVING_CONVERT = "serving.convert"  # turn an appeal (or part of it) into a service order
    SERVING_POLICY = "serving.policy"  # yearly expectations, matching weights


_ALL_VIEW = {Cap.REGIONS_VIEW, Cap.UNITS_VIEW, Cap.CALENDAR_VIEW}

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.DEPT_ADMIN: frozenset(
        _ALL_VIEW
        | {
            Cap.REGIONS_MANAGE,
            Cap.UNITS_MANAGE,
            Cap.ACCOUNTS_VIEW,
            Cap.ACCOUNTS_MANAGE,
            Cap.CALENDAR_MANAGE,
            Cap.DOCUMENTS_MANAGE,
            Cap.EXPORT,
            Cap.PII_REVEAL,
            Cap.PRIVACY_REQUEST,
            Cap.COCKPIT_VIEW,
            Cap.APPEALS_VIEW,
            Cap.APPEALS_POLICY,
            Cap.APPEALS_SUPERVISE,
            Cap.APPEALS_ASSESSMENT_REVIEW,
            Cap.SUGGESTIONS_VIEW,
            Cap.SUGGESTIONS_MANAGE,
            Cap.PUBLICATION_MANAGE,
        }
    ),
    # The dispatcher (信访/热线 staff of the department) registers, triages and dispatches,
    # approves extensions and may see identities, including confidential ones.
    Role.DISPATCHER: frozenset(
        _ALL_VIEW
        | {
            Cap.EXPORT,
            Cap.PII_REVEAL,
            Cap.APPEALS_VIEW,
            Cap.APPEALS_REGISTER,
            Cap.APPEALS_DISPATCH,
            Cap.APPEALS_APPROVE_EXTENSION,
            Cap.APPEALS_IDENTITY,
            Cap.APPEALS_CONFIDENTIAL_IDENTITY,
            Cap.APPEALS_PERSON_HISTORY,
            Cap.APPEALS_REVISIT,
            Cap.SUGGESTIONS_VIEW,
            Cap.SUGGESTIONS_MANAGE,
            Cap.PUBLICATION_MANAGE,
        }
    ),
    # A handling unit contacts the citizen (接诉即办条例 第十五条) but never sees identities
    # the citizen asked to keep confidential or of a 检举控告 (信访工作条例 第三十条).
    Role.HANDLER: frozenset(
        _ALL_VIEW
        | {Cap.PII_REVEAL, Cap.APPEALS_VIEW, Cap.APPEALS_HANDLE, Cap.APPEALS_IDENTITY}
        | {Cap.SUGGESTIONS_VIEW, Cap.SUGGESTIONS_EVALUATE}
    ),
    Role.STREET_STAFF: frozenset(
        _ALL_VIEW
        | {
            Cap.ACCOUNTS_VIEW,
            Cap.EXPORT,
            Cap.PII_REVEAL,
            Cap.APPEALS_VIEW,
            Cap.APPEALS_REGISTER,
            Cap.APPEALS_HANDLE,
            Cap.APPEALS_WHISTLE,
            Cap.APPEALS_IDENTITY,
            Cap.SUGGESTIONS_VIEW,
            Cap.SUGGESTIONS_EVALUATE,
        }
    ),
    Role.BRANCH_SECRETARY: frozenset({Cap.REGIONS_VIEW, Cap.CALENDAR_VIEW}),
    Role.VOLUNTEER_MANAGER: frozenset({Cap.REGIONS_VIEW, Cap.CALENDAR_VIEW}),
    Role.LEADER: frozenset(
        _ALL_VIEW
        | {Cap.COCKPIT_VIEW, Cap.EXPORT, Cap.APPEALS_VIEW, Cap.APPEALS_SUPERVISE}
        | {Cap.SUGGESTIONS_VIEW}
    ),
    Role.AUDITOR: frozenset({Cap.AUDIT_VIEW, Cap.ACCOUNTS_VIEW, Cap.REGIONS_VIEW, Cap.EXPORT}),
    # 三员分立: the system administrator keeps reference data and configuration (regions,
    # units, calendar, document templates, Django admin) and sees no personal data, no
    # accounts' management and no audit trail; the security administrator manages accounts,
    # roles, passwords, lockouts and second factors and nothing else.
    Role.SYSTEM_ADMIN: frozenset(
        _ALL_VIEW
        | {Cap.REGIONS_MANAGE, Cap.UNITS_MANAGE, Cap.CALENDAR_MANAGE, Cap.DOCUMENTS_MANAGE}
    ),
    Role.SECURITY_ADMIN: frozenset(
        {Cap.REGIONS_VIEW, Cap.UNITS_VIEW, Cap.ACCOUNTS_VIEW, Cap.ACCOUNTS_MANAGE}
    ),
}

# The three administrators of 三员分立 (system, security, audit): distinct roles, assigned by
# the superuser only, each needing a second factor.
ADMIN_ROLES: frozenset[str] = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR})


# Party organizations and 两新 coverage (shegong.organizations), granted additively.
_ORGS_GRANTS: dict[str, set[str]] = {
    Role.DEPT_ADMIN: {
        Cap.ORGS_VIEW,
        Cap.ORGS_MANAGE,
        Cap.ORGS_IMPORT,
        Cap.ORGS_TASKS,
        Cap.ORGS_POLICY,
        Cap.ORGS_ADMINS,
    },
    Role.STREET_STAFF: {Cap.ORGS_VIEW, Cap.ORGS_MANAGE, Cap.ORGS_IMPORT, Cap.ORGS_TASKS},
    Role.BRANCH_SECRETARY: {Cap.ORGS_VIEW, Cap.ORGS_MANAGE, Cap.ORGS_TASKS},
    Role.LEADER: {Cap.ORGS_VIEW},
}
for _role, _caps in _ORGS_GRANTS.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | frozenset(_caps)

# Volunteer service (志愿服务), granted additively.
_VOLUNTEER_GRANTS: dict[str, set[str]] = {
    Role.DEPT_ADMIN: {
        Cap.VOLUNTEERS_VIEW,
        Cap.VOLUNTEERS_MANAGE,
        Cap.VOLUNTEER_HOURS_CORRECT,
        Cap.VOLUNTEER_CERTIFY,
        Cap.VOLUNTEER_POLICY,
    },
    Role.STREET_STAFF: {
        Cap.VOLUNTEERS_VIEW,
        Cap.VOLUNTEERS_MANAGE,
        Cap.VOLUNTEER_ACTIVITIES,
        Cap.VOLUNTEER_CERTIFY,
    },
    Role.VOLUNTEER_MANAGER: {
        Cap.UNITS_VIEW,
        Cap.EXPORT,
        Cap.PII_REVEAL,
        Cap.VOLUNTEERS_VIEW,
        Cap.VOLUNTEERS_MANAGE,
        Cap.VOLUNTEER_ACTIVITIES,
        Cap.VOLUNTEER_CERTIFY,
    },
    Role.LEADER: {Cap.VOLUNTEERS_VIEW},
    Role.AUDITOR: {Cap.VOLUNTEERS_VIEW},
}
for _role, _caps in _VOLUNTEER_GRANTS.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | frozenset(_caps)


# Party members and branch life (issue 15), granted additively. The department sets the
# rules and sees every branch; the street's 党工委 staff and branch secretaries act on the
# branches in their scope (a secretary's scope = the organizations they administer).
_PARTY_VIEW = {
    Cap.MEMBERS_VIEW,
    Cap.DUES_VIEW,
    Cap.ORGLIFE_VIEW,
    Cap.STUDY_VIEW,
    Cap.COMPLIANCE_VIEW,
}
_PARTY_WORK = _PARTY_VIEW | {
    Cap.MEMBERS_MANAGE,
    Cap.MEMBERS_IMPORT,
    Cap.TRANSFERS_MANAGE,
    Cap.DUES_MANAGE,
    Cap.ORGLIFE_MANAGE,
    Cap.STUDY_MANAGE,
}
_PARTY_GRANTS: dict[str, set[str]] = {
    Role.DEPT_ADMIN: _PARTY_WORK | {Cap.MEMBERS_APPROVE, Cap.DUES_APPROVE, Cap.COMPLIANCE_POLICY},
    Role.STREET_STAFF: _PARTY_WORK | {Cap.MEMBERS_APPROVE, Cap.DUES_APPROVE},
    Role.BRANCH_SECRETARY: _PARTY_WORK | {Cap.MEMBERS_APPROVE, Cap.DUES_APPROVE},
    Role.LEADER: set(_PARTY_VIEW),
}
for _role, _caps in _PARTY_GRANTS.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | frozenset(_caps)


# The cockpit and reports (issue 17): leaders and the department look at everything in their
# jurisdiction; street staff get the smaller version on their home page and their reports.
_COCKPIT_GRANTS: dict[str, set[str]] = {
    Role.DEPT_ADMIN: {Cap.REPORTS_VIEW, Cap.REPORTS_MANAGE},
    Role.LEADER: {Cap.REPORTS_VIEW},
    Role.STREET_STAFF: {Cap.COCKPIT_VIEW, Cap.REPORTS_VIEW},
}
for _role, _caps in _COCKPIT_GRANTS.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | frozenset(_caps)

# Social-work talent (issue 18): the department keeps the corps and its rules; a street keeps
# the community workers in its scope and grades them; leaders look; decisions are approved
# by the department only.
_TALENT_GRANTS: dict[str, set[str]] = {
    Role.DEPT_ADMIN: {
        Cap.TALENT_VIEW,
        Cap.TALENT_MANAGE,
        Cap.TALENT_TRAINING,
        Cap.TALENT_EVALUATE,
        Cap.TALENT_DECIDE,
        Cap.TALENT_POLICY,
    },
    Role.STREET_STAFF: {
        Cap.TALENT_VIEW,
        Cap.TALENT_MANAGE,
        Cap.TALENT_TRAINING,
        Cap.TALENT_EVALUATE,
    },
    Role.LEADER: {Cap.TALENT_VIEW},
}
for _role, _caps in _TALENT_GRANTS.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | frozenset(_caps)

# 双报到 and service orders (issue 19): communities (street staff) run them; the dispatcher and
# handlers convert appeals; volunteer managers and branch secretaries see their people's
# service; the department sets the expectations.
_SERVING_GRANTS: dict[str, set[str]] = {
    Role.DEPT_ADMIN: {Cap.SERVING_VIEW, Cap.SERVING_MANAGE, Cap.SERVING_POLICY},
    Role.STREET_STAFF: {Cap.SERVING_VIEW, Cap.SERVING_MANAGE, Cap.SERVING_CONVERT},
    Role.DISPATCHER: {Cap.SERVING_VIEW, Cap.SERVING_CONVERT},
    Role.HANDLER: {Cap.SERVING_VIEW, Cap.SERVING_CONVERT},
    Role.VOLUNTEER_MANAGER: {Cap.SERVING_VIEW},
    Role.BRANCH_SECRETARY: {Cap.SERVING_VIEW},
    Role.LEADER: {Cap.SERVING_VIEW},
}
for _role, _caps in _SERVING_GRANTS.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | frozenset(_caps)


# Reading the 办理规则 (policy versions, clocks and their legal basis): the dispatcher applies
# them every day; changing them stays with ``appeals.policy`` (the department administrator).
for _role in (Role.DEPT_ADMIN, Role.DISPATCHER):
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | frozenset({Cap.APPEALS_POLICY_VIEW})


def capabilities_of(role: str) -> frozenset[str]:
    return ROLE_CAPABILITIES.get(role, frozenset())


def roles_needing_second_factor() -> frozenset[str]:
    """The three administrators and every role that can reveal or export personal data."""
    sensitive = {Cap.PII_REVEAL, Cap.EXPORT}
    return ADMIN_ROLES | frozenset(
        role for role, caps in ROLE_CAPABILITIES.items() if caps & sensitive
    )
