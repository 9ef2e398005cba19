"""Party organizations, the 两新 entity registry, coverage, findings and snapshots.

Scope (``core.scoping``): every row has a region (the entity's or organization's place) and
is visible in that region's subtree. A user linked to organizations through
:class:`OrgAdministrator` (a 党组织书记) additionally sees those organizations' subtrees and
the entities, findings and committee rows that hang off them.

Party members are counted here (formal / probationary) on the organization and on the
entity. A later member-records app replaces the counts by ``COUNT`` over member rows; every
reader goes through :func:`services.coverage` / ``member_counts`` so only that function
changes.

The models live in one module per area (``orgs``, ``entities``, ``findings``, ``coverage``); this
package imports every one of them, so ``organizations.models.X`` keeps working.
"""

from .coverage import (
    CoverageCell,
    CoverageCellQuerySet,
    CoverageSnapshot,
    CoverageSnapshotRow,
)
from .entities import (
    Entity,
    EntityQuerySet,
    Instructor,
    InstructorQuerySet,
    PlatformWorkforce,
    PlatformWorkforceQuerySet,
)
from .findings import (
    Finding,
    FindingQuerySet,
)
from .orgs import (
    CommitteeMember,
    CoveragePolicy,
    OrgAdministrator,
    OrgHistory,
    OrgQuerySet,
    PartyOrganization,
    administered_paths,
    default_term_years,
)

__all__ = [
    "CommitteeMember",
    "CoverageCell",
    "CoverageCellQuerySet",
    "CoveragePolicy",
    "CoverageSnapshot",
    "CoverageSnapshotRow",
    "Entity",
    "EntityQuerySet",
    "Finding",
    "FindingQuerySet",
    "Instructor",
    "InstructorQuerySet",
    "OrgAdministrator",
    "OrgHistory",
    "OrgQuerySet",
    "PartyOrganization",
    "PlatformWorkforce",
    "PlatformWorkforceQuerySet",
    "administered_paths",
    "default_term_years",
]
