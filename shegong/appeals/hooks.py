"""Extension points the appeals app declares for the apps built on it.

appeals sits below triage, suggestions and volunteers in the layers contract
(pyproject.toml ``[tool.importlinter]``), so it never imports them. Where appeals must let
them act — triage on a new appeal, triage's advice on the dispatch pages, suggestions on a
portal submission — it declares the point here and the upper app registers in its
``AppConfig.ready()``. With the upper app not installed the point is empty and appeals
does and shows nothing extra.

| point                  | kind      | registered by                 | payload / protocol    |
|------------------------|-----------|-------------------------------|-----------------------|
| ``appeals_registered`` | Listeners | triage (queue smart triage)   | ``AppealsRegistered`` |
| ``dispatch_advisor``   | Provider  | triage (panel, queue cell)    | ``DispatchAdvisor``   |
| ``appeal_page_links``  | Listeners | suggestions (采纳评估 link)    | ``AppealPageLinks``   |
| ``portal_publication`` | Provider  | suggestions (公开同意, 征集主题) | ``PortalPublication`` |
| ``appeal_anonymised``  | Listeners | suggestions, triage, serving  | ``AppealAnonymised``  |
| ``work_order_created`` | Listeners | serving (follow the new lead) | ``WorkOrderCreated``  |
| ``lead_closing``       | Listeners | serving (open service orders) | ``LeadClosing``       |
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from shegong.lib.registry import Listeners, Provider

if TYPE_CHECKING:
    from .models import Appeal, WorkOrder


@dataclass(frozen=True)
class AppealsRegistered:
    """New appeals were registered (one intake, or one group-commit batch)."""

    appeal_ids: tuple[int, ...]


appeals_registered: Listeners[AppealsRegistered] = Listeners("appeals.appeals_registered")
"""Called after the registering transaction commits. Listeners are advisory: one that
raises is logged (``shegong.appeals.services.intake``) and the others still run; the
registration stands either way."""


class DispatchAdvisor(Protocol):
    """Advice shown to a dispatcher (the triage app's suggestions).

    The appeal page includes ``panel_template`` with the ``for_appeal`` dict as ``triage``;
    the queue cell's keys are ``category``, ``top`` (``unit_id``, ``unit_name``,
    ``reasons``), ``duplicates``, ``repeats``, ``group`` and ``accept_url``."""

    panel_template: str
    # relations of Appeal the queue cell reads (select_related on the queue's query)
    queue_related: tuple[str, ...]

    def for_appeal(self, user: Any, appeal: Appeal) -> dict[str, Any] | None:
        """The appeal page's panel for ``user`` (scoped by the provider), or None."""
        ...

    def queue_cells(self, appeals: list[Appeal]) -> list[dict[str, Any] | None]:
        """The to-dispatch queue's cells for a page of appeals (counts only; None where
        there is none yet), in their order: one call per page, so the provider can do its
        work for the page at once (the triage app queues one task for all untriaged)."""
        ...


dispatch_advisor: Provider[DispatchAdvisor] = Provider("appeals.dispatch_advisor")


@dataclass(frozen=True)
class AppealLink:
    label: str
    url: str


@dataclass(frozen=True)
class AppealPageLinks:
    """The staff appeal page asks for links to other apps' pages about this appeal;
    listeners append to ``links`` (a link is only shown, the target page checks access)."""

    appeal: Appeal
    user: Any
    links: list[AppealLink]


appeal_page_links: Listeners[AppealPageLinks] = Listeners("appeals.appeal_page_links")


@dataclass(frozen=True)
class PortalSubmission:
    """A citizen sent the portal form.

    ``resubmitted``: the same form token came again (back, tick, send); the first appeal
    stands and only the consent counts. ``theme`` is the 征集主题 the form was opened from
    (the raw query value, may be empty or invalid)."""

    appeal: Appeal
    theme: str | None
    publication_consent: bool
    resubmitted: bool


class PortalPublication(Protocol):
    """What the citizen portal offers about publishing an appeal (the suggestions app)."""

    def submitted(self, submission: PortalSubmission) -> None:
        """Record the theme link and the consent. Never raises for the citizen's input."""
        ...

    def withdraw(self, appeal: Appeal) -> bool:
        """The citizen withdraws consent; True when there was one to withdraw."""
        ...

    def active_consent(self, appeal: Appeal) -> Any | None:
        """The consent in force (shown on the tracking page), or None."""
        ...


portal_publication: Provider[PortalPublication] = Provider("appeals.portal_publication")


@dataclass(frozen=True)
class AppealAnonymised:
    """An appeal's identity is being erased (services.anonymise, inside its transaction and
    savepoint): listeners scrub their own rows about it with ``scrub(text, names)`` and
    cut each text to its column's length. A listener that raises fails this appeal only
    (it is left for a later run)."""

    appeal: Appeal
    names: tuple[str, ...]


appeal_anonymised: Listeners[AppealAnonymised] = Listeners("appeals.appeal_anonymised")


@dataclass(frozen=True)
class WorkOrderCreated:
    """A work order was dispatched (first dispatch, re-dispatch after 退单/改派, the
    territorial fallback): ``services.workflow.dispatch._new_order``."""

    work_order: WorkOrder


work_order_created: Listeners[WorkOrderCreated] = Listeners("appeals.work_order_created")
"""Called inside the dispatching transaction, right after the work order is written, so a
listener's writes commit or roll back with the dispatch (a listener that raises aborts it).
Bulk history imports (``services.history_steps``) write work orders without calling it."""


@dataclass(frozen=True)
class LeadClosing:
    """An appeal's work order is about to be replied (``action`` "reply",
    ``services.workflow.handling.reply_order``, lead work orders only) or cancelled by a
    merge (``action`` "merge", ``services.merge``)."""

    work_order: WorkOrder
    action: str


lead_closing: Listeners[LeadClosing] = Listeners("appeals.lead_closing")
"""Called inside the transaction before anything is written. A listener refuses by raising
``DomainError`` (its Chinese message reaches the user); the reply or merge is then rolled
back. serving refuses while the appeal has an open service order."""
