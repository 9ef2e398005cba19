"""The suggestions app's side of the appeals portal: registered into
``shegong.appeals.hooks.portal_publication`` in ``SuggestionsConfig.ready()``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse

from shegong.appeals.choices import AppealKind
from shegong.appeals.hooks import AppealAnonymised, AppealLink, AppealPageLinks, PortalSubmission
from shegong.lib.anonymise import scrub

from .services import (
    active_publication_consent,
    citizen_withdraw_publication,
    grant_publication,
    link_submission,
)

if TYPE_CHECKING:
    from shegong.appeals.models import Appeal

    from .models import PublicationConsent


def scrub_evaluation(event: AppealAnonymised) -> None:
    """The evaluation's reasons, its milestones' evidence and its rewards' notes lose the
    identifiers and names of the anonymised appeal (each cut to its column's length)."""
    from .models import ImplementationMilestone, Reward, SuggestionEvaluation

    names = event.names
    for evaluation in SuggestionEvaluation.objects.filter(appeal=event.appeal):
        evaluation.reasons = scrub(evaluation.reasons, names)
        evaluation.save(update_fields=["reasons"])
        for milestone in ImplementationMilestone.objects.filter(evaluation=evaluation):
            milestone.evidence = scrub(milestone.evidence, names)
            milestone.save(update_fields=["evidence"])
        for reward in Reward.objects.filter(evaluation=evaluation):
            reward.note = scrub(reward.note, names)[: Reward._meta.get_field("note").max_length]
            reward.save(update_fields=["note"])


def link_evaluation(page: AppealPageLinks) -> None:
    """A 人民建议's staff page links to its 采纳评估 page (suggestions:detail)."""
    if page.appeal.kind == AppealKind.PEOPLE_SUGGESTION:
        page.links.append(
            AppealLink("人民建议采纳评估 ›", reverse("suggestions:detail", args=[page.appeal.pk]))
        )


class SuggestionsPortal:
    """``appeals.hooks.PortalPublication`` for the citizen portal."""

    def submitted(self, submission: PortalSubmission) -> None:
        if not submission.resubmitted:
            # A suggestion sent from a 征集主题 page is linked to that theme (ignored otherwise).
            link_submission(submission.appeal, submission.theme)
        if submission.publication_consent:
            # Never raises; refuses quietly where publication is impossible (confidential
            # identity, 检举控告) — the form's text says so.
            grant_publication(submission.appeal)

    def withdraw(self, appeal: Appeal) -> bool:
        return citizen_withdraw_publication(appeal) is not None

    def active_consent(self, appeal: Appeal) -> PublicationConsent | None:
        return active_publication_consent(appeal)

    def __repr__(self) -> str:
        return "SuggestionsPortal()"


portal = SuggestionsPortal()
