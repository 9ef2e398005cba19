"""The appeal page's buttons: one row per action — who may, its form, the service it calls.

``views.act`` posts every button here through :data:`ACTIONS`: it looks the action up,
checks :attr:`Action.needs` (the same capability and message the service checks, so a
refusal reads the same), binds :attr:`Action.form` (``forms.py``; all of a form's problems
are shown at once) and calls :attr:`Action.run`, the adapter from the form's cleaned values
to the service. An adapter returns :class:`Done` when the page says more than "操作成功"
or goes elsewhere than back to the appeal.

A new button: a form in ``forms.py``, an adapter here, a row in :data:`ACTIONS`, and a case
in ``tests/test_actions.py``'s ``CASES`` (the body it posts, the service it reaches, the
arguments that service must get, a user refused); a row without a case fails the tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django import forms as django_forms
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from shegong.accounts.models import User
from shegong.core.exceptions import DomainError
from shegong.core.permissions import DENIED, has_capability
from shegong.core.roles import Cap

from . import attachments as attachment_service
from . import forms
from .models import Appeal
from .services import merge as merge_service
from .services import review as review_service
from .services import revisit as revisit_service
from .services import supervision as supervision_service
from .services import workflow as wf


@dataclass(frozen=True)
class Need:
    """The actor must hold one of ``any_of``; else ``PermissionDenied(message)``."""

    any_of: tuple[str, ...]
    message: str = DENIED

    def check(self, user: User) -> None:
        if not any(has_capability(user, cap) for cap in self.any_of):
            raise PermissionDenied(self.message)


@dataclass(frozen=True)
class Ctx:
    """What an adapter acts on: the signed-in user and the appeal (visible to them)."""

    user: User
    appeal: Appeal


@dataclass(frozen=True)
class Done:
    """The page's answer when it is not "操作成功" back on the appeal."""

    message: str
    url: str


F = TypeVar("F", bound=django_forms.Form)


@dataclass(frozen=True)
class Action:
    """One button: who may press it, the form it posts, what it does (see :func:`action`)."""

    form: type[django_forms.Form]
    run: Callable[[Ctx, django_forms.Form], Done | None]
    needs: tuple[Need, ...] = ()

    def check(self, user: User) -> None:
        for need in self.needs:
            need.check(user)


def action(form: type[F], adapter: Callable[[Ctx, F], Done | None], *needs: Need) -> Action:
    """A row of :data:`ACTIONS`: ``adapter`` gets the bound, valid ``form``."""

    def run(ctx: Ctx, bound: django_forms.Form) -> Done | None:
        if not isinstance(bound, form):
            raise TypeError(bound)
        return adapter(ctx, bound)

    return Action(form, run, needs)


DISPATCH = Need((Cap.APPEALS_DISPATCH,))
HANDLE = Need((Cap.APPEALS_HANDLE,))


# --- the appeal -----------------------------------------------------------------------------


def _accept(ctx: Ctx, form: forms.NoteForm) -> None:
    data = form.cleaned_data
    wf.accept_appeal(
        actor=ctx.user,
        appeal_id=ctx.appeal.pk,
        note=data["note"],
        expected_version=data["version"],
    )


def _reject(ctx: Ctx, form: forms.ReasonForm) -> None:
    data = form.cleaned_data
    wf.reject_appeal(
        actor=ctx.user,
        appeal_id=ctx.appeal.pk,
        reason=data["reason"],
        expected_version=data["version"],
    )


def _redirect(ctx: Ctx, form: forms.RedirectForm) -> None:
    data = form.cleaned_data
    wf.redirect_appeal(
        actor=ctx.user,
        appeal_id=ctx.appeal.pk,
        channel=data["channel"],
        reason=data["reason"],
        expected_version=data["version"],
    )


def _forward(ctx: Ctx, form: forms.ForwardForm) -> None:
    data = form.cleaned_data
    wf.forward_appeal(
        actor=ctx.user,
        appeal_id=ctx.appeal.pk,
        organ=data["organ"],
        reason=data["reason"],
        expected_version=data["version"],
    )


def _dispatch(ctx: Ctx, form: forms.DispatchForm) -> None:
    data = form.cleaned_data
    l1, l2 = data["category"]
    wf.dispatch_appeal(
        actor=ctx.user,
        appeal_id=ctx.appeal.pk,
        lead_unit_id=data["lead_unit"],
        assist_unit_ids=data["assist_units"],
        instructions=data["instructions"],
        expected_version=data["version"],
        category_l1=l1,
        category_l2=l2,
    )


def _categorize(ctx: Ctx, form: forms.CategorizeForm) -> None:
    data = form.cleaned_data
    l1, l2 = data["category"]
    wf.set_category(
        actor=ctx.user,
        appeal_id=ctx.appeal.pk,
        category_l1=l1,
        category_l2=l2,
        expected_version=data["version"],
    )


def _reassign(ctx: Ctx, form: forms.ReassignForm) -> None:
    data = form.cleaned_data
    wf.reassign_appeal(
        actor=ctx.user,
        appeal_id=ctx.appeal.pk,
        lead_unit_id=data["lead_unit"],
        reason=data["reason"],
        assist_unit_ids=data["assist_units"],
        expected_version=data["version"],
    )


def _close(ctx: Ctx, form: forms.NoteForm) -> None:
    data = form.cleaned_data
    wf.close_appeal(
        actor=ctx.user,
        appeal_id=ctx.appeal.pk,
        note=data["note"],
        expected_version=data["version"],
    )


def _whistle(ctx: Ctx, form: forms.WhistleForm) -> None:
    data = form.cleaned_data
    wf.blow_whistle(
        actor=ctx.user, appeal_id=ctx.appeal.pk, unit_ids=data["units"], note=data["note"]
    )


def _merge(ctx: Ctx, form: forms.MergeForm) -> None:
    numbers: list[str] = form.cleaned_data["numbers"]
    dup_ids = list(
        Appeal.objects.visible_to(ctx.user).filter(number__in=numbers).values_list("pk", flat=True)
    )
    if len(dup_ids) != len(numbers):
        raise DomainError("部分编号不存在或不在您的管辖范围内")
    merge_service.merge_appeals(
        actor=ctx.user,
        lead_id=ctx.appeal.pk,
        duplicate_ids=dup_ids,
        reason=form.cleaned_data["reason"],
    )


def _split(ctx: Ctx, form: forms.SplitForm) -> Done:
    children = merge_service.split_appeal(
        actor=ctx.user, appeal_id=ctx.appeal.pk, parts=form.parts()
    )
    return Done(
        "已拆分为：" + "、".join(c.number for c in children),
        reverse("appeals:detail", args=[ctx.appeal.pk]),
    )


def _attach(ctx: Ctx, form: forms.AttachForm) -> None:
    for upload in form.cleaned_data["files"]:
        attachment_service.add_attachment(
            actor=ctx.user,
            appeal=ctx.appeal,
            upload=upload,
            name=upload.name or "附件",
            confidential=form.cleaned_data["confidential"],
        )


# --- work orders ----------------------------------------------------------------------------


def _extension_decide(ctx: Ctx, form: forms.ExtensionDecideForm) -> None:
    data = form.cleaned_data
    wf.decide_extension(
        actor=ctx.user, request_id=data["request"], approve=data["approve"], note=data["note"]
    )


def _sign(ctx: Ctx, form: forms.OrderForm) -> None:
    data = form.cleaned_data
    wf.sign_order(actor=ctx.user, order_id=data["order"], expected_version=data["version"])


def _return(ctx: Ctx, form: forms.ReturnForm) -> None:
    data = form.cleaned_data
    wf.return_order(
        actor=ctx.user,
        order_id=data["order"],
        reason=data["reason"],
        expected_version=data["version"],
    )


def _note(ctx: Ctx, form: forms.HandlingNoteForm) -> None:
    data = form.cleaned_data
    wf.add_handling_note(
        actor=ctx.user, order_id=data["order"], note=data["note"], contacted=data["contacted"]
    )


def _extend(ctx: Ctx, form: forms.ExtendForm) -> None:
    data = form.cleaned_data
    wf.request_extension(
        actor=ctx.user, order_id=data["order"], days=data["days"], reason=data["reason"]
    )


def _reply(ctx: Ctx, form: forms.ReplyForm) -> None:
    data = form.cleaned_data
    wf.reply_order(
        actor=ctx.user,
        order_id=data["order"],
        text=data["text"],
        expected_version=data["version"],
    )


# --- after the reply: revisit, review, supervision ----------------------------------------------


def _revisit(ctx: Ctx, form: forms.RevisitForm) -> None:
    data = form.cleaned_data
    revisit_service.record_revisit(
        actor=ctx.user,
        appeal_id=ctx.appeal.pk,
        method=data["method"],
        contacted=data["contacted"],
        resolved=data["resolved"],
        satisfaction=data["satisfaction"],
        comment=data["comment"],
    )


def _review_request(ctx: Ctx, form: forms.ReviewRequestForm) -> None:
    data = form.cleaned_data
    review_service.request_review(
        actor=ctx.user, appeal_id=ctx.appeal.pk, level=data["level"], text=data["text"]
    )


def _review_decide(ctx: Ctx, form: forms.ReviewDecideForm) -> None:
    data = form.cleaned_data
    review_service.decide_review(
        actor=ctx.user, review_id=data["review"], outcome=data["outcome"], opinion=data["opinion"]
    )


def _hearing_start(ctx: Ctx, form: forms.ReviewForm) -> None:
    review_service.start_hearing(actor=ctx.user, review_id=form.cleaned_data["review"])


def _hearing_end(ctx: Ctx, form: forms.ReviewForm) -> None:
    review_service.end_hearing(actor=ctx.user, review_id=form.cleaned_data["review"])


def _supervise(ctx: Ctx, form: forms.SuperviseForm) -> Done:
    data = form.cleaned_data
    item = supervision_service.create_supervision(
        actor=ctx.user,
        appeal_ids=[ctx.appeal.pk],
        title=data["title"],
        instruction=data["instruction"],
        deadline=data["deadline"],
        report_every_days=data["report_every_days"],
    )
    return Done("已挂牌督办", reverse("appeals:supervision", args=[item.pk]))


# The needs repeat the services' own checks, with their messages, so that a refused button
# is refused before its form is read; ``tests/test_actions.py`` calls each service as a user
# lacking a need and fails unless it refuses in the same words. 复查/复核 decisions and
# hearings have none: the reviewing body's unit decides (``review_service._load_review``).
ACTIONS: dict[str, Action] = {
    # the appeal: 受理 … 办结
    "accept": action(forms.NoteForm, _accept, DISPATCH),
    "reject": action(forms.ReasonForm, _reject, DISPATCH),
    "redirect": action(forms.RedirectForm, _redirect, DISPATCH),
    "forward": action(forms.ForwardForm, _forward, DISPATCH),
    "dispatch": action(forms.DispatchForm, _dispatch, DISPATCH),
    "categorize": action(forms.CategorizeForm, _categorize, DISPATCH),
    "reassign": action(forms.ReassignForm, _reassign, DISPATCH),
    "close": action(forms.NoteForm, _close, DISPATCH),
    "whistle": action(
        forms.WhistleForm, _whistle, Need((Cap.APPEALS_WHISTLE,), "只有街道（乡镇）可以吹哨")
    ),
    "merge": action(forms.MergeForm, _merge, DISPATCH),
    "split": action(forms.SplitForm, _split, DISPATCH),
    "attach": action(
        forms.AttachForm,
        _attach,
        Need((Cap.APPEALS_VIEW,)),
        Need((Cap.APPEALS_REGISTER, Cap.APPEALS_HANDLE), "您的角色不能上传附件"),
    ),
    # work orders: 签收 … 答复, and the department's 延期审批
    "extension_decide": action(
        forms.ExtensionDecideForm,
        _extension_decide,
        Need((Cap.APPEALS_APPROVE_EXTENSION,), "您的角色不能审批延期"),
    ),
    "sign": action(forms.OrderForm, _sign, HANDLE),
    "return": action(forms.ReturnForm, _return, HANDLE),
    "note": action(forms.HandlingNoteForm, _note, HANDLE),
    "extend": action(forms.ExtendForm, _extend, HANDLE),
    "reply": action(forms.ReplyForm, _reply, HANDLE),
    # after the reply
    "revisit": action(
        forms.RevisitForm, _revisit, Need((Cap.APPEALS_REVISIT,), "您的角色不能登记回访")
    ),
    "review_request": action(
        forms.ReviewRequestForm,
        _review_request,
        Need((Cap.APPEALS_DISPATCH,), "只有信访部门可以登记复查/复核申请"),
    ),
    "review_decide": action(forms.ReviewDecideForm, _review_decide),
    "hearing_start": action(forms.ReviewForm, _hearing_start),
    "hearing_end": action(forms.ReviewForm, _hearing_end),
    "supervise": action(
        forms.SuperviseForm,
        _supervise,
        Need((Cap.APPEALS_SUPERVISE,), "只有领导或部门管理员可以督办"),
    ),
}
