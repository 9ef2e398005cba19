"""Roles and what each may do (capabilities).

This module lives in ``core`` so that every app — core itself included — names a
capability as ``Cap.X``, never as a string literal (``core/tests/test_capability_names.py``
fails on a literal). ``accounts.roles`` re-exports it.

A capability is a dotted string checked by ``User.has_capability``; models name the
capability needed to see them at all in their ``Scope`` (see core.scoping), views and API
endpoints name the one needed to act. Which *rows* a user sees is the jurisdiction part of
the scope (region subtree and/or unit subtree), not the role.

Admin roles follow 等保 2.0's separation of duties (三权分立, GB/T 22239-2019 8.1.4.2):
the department administrator manages accounts and reference data but cannot read the
audit trail; the auditor reads the audit trail but changes nothing.
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
    AUDITOR = "auditor", "审计员"


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
}


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


# Reading the 办理规则 (policy versions, clocks and their legal basis): the dispatcher applies
# them every day; changing them stays with ``appeals.policy`` (the department administrator).
for _role in (Role.DEPT_ADMIN, Role.DISPATCHER):
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | frozenset({Cap.APPEALS_POLICY_VIEW})


def capabilities_of(role: str) -> frozenset[str]:
    return ROLE_CAPABILITIES.get(role, frozenset())
