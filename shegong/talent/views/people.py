"""People pages: the list, a person's page (ladder, credentials, hours, postings, grades,
decisions), new/edit, and the actions on a person's page."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from shegong.accounts.http import AuthedHttpRequest
from shegong.accounts.models import User
from shegong.core.exceptions import DomainError
from shegong.core.pagination import paginate_capped
from shegong.core.permissions import capability_required
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404
from shegong.lib.text import parse_id
from shegong.regions.models import Region
from shegong.units.models import Unit

from ..choices import Category, CredentialLevel, Degree, PostingKind
from ..models import Credential, Person, Posting, PostLadder
from ..services import credentials, decisions, evaluation, people, training
from ..services.common import TEXT_LIMITS
from .common import CRUMB, caps, parse_date, parse_int


def _filtered(request: AuthedHttpRequest) -> QuerySet[Person]:
    qs = Person.objects.visible_to(request.user).active().select_related("unit", "region")
    if (category := request.GET.get("category", "")) in Category.values:
        qs = qs.filter(category=category)
    if region_id := parse_id(request.GET.get("region")):
        region = Region.objects.visible_to(request.user).filter(pk=region_id).first()
        qs = qs.filter(region__path__startswith=region.path) if region else qs.none()
    if unit_id := parse_id(request.GET.get("unit")):
        qs = qs.filter(unit_id=unit_id)
    if request.GET.get("certified") == "1":
        today = timezone.localdate()
        qs = qs.filter(
            credentials__valid_until__gte=today, credentials__period_start__lte=today
        ).distinct()
    return qs.order_by("unit__name", "pk")


@capability_required(Cap.TALENT_VIEW)
def person_list(request: AuthedHttpRequest) -> HttpResponse:
    page = paginate_capped(request, _filtered(request), 50)
    context = {
        "page": page,
        "categories": Category.choices,
        "category": request.GET.get("category", ""),
        "regions": Region.objects.visible_to(request.user).filter(level__lte=3).order_by("path"),
        "region": parse_id(request.GET.get("region")),
        "certified": request.GET.get("certified") == "1",
        "breadcrumbs": [("人才队伍", None)],
        **caps(request),
    }
    return render(request, "talent/person_list.html", context)


def _form_context(request: AuthedHttpRequest, person: Person | None) -> dict[str, object]:
    ladder = PostLadder.current()
    return {
        "person": person,
        "data": request.POST if request.method == "POST" else None,
        "categories": Category.choices,
        "degrees": Degree.choices,
        "posts": list(ladder.posts),
        "ladder": ladder,
        "units": Unit.objects.visible_to(request.user).filter(is_active=True).order_by("path"),
        "regions": Region.objects.visible_to(request.user).filter(is_active=True).order_by("path"),
        "breadcrumbs": [CRUMB, ("修改档案" if person else "新建档案", None)],
    }


def _input(request: AuthedHttpRequest, *, editing: bool = False) -> people.PersonInput:
    """The form's fields. Editing, the form shows the post read-only and sends none (the
    service keeps it; a post sent anyway must be the stored one)."""
    post = request.POST
    return people.PersonInput(
        category=post.get("category", ""),
        name=post.get("name", ""),
        id_number=post.get("id_number", ""),
        unit_id=parse_int(post.get("unit"), "所在单位"),
        region_id=parse_int(post.get("region"), "服务区域"),
        phone=post.get("phone", ""),
        post=post.get("post") if editing else post.get("post", ""),
        started_on=parse_date(post.get("started_on"), "从事社区工作起始日期", required=False),
        degree=post.get("degree", "") if post.get("degree", "") in Degree.values else "",
        note=post.get("note", ""),
    )


def _account(request: AuthedHttpRequest) -> User | None:
    username = request.POST.get("account", "").strip()
    if not username:
        return None
    return people.account_by_username(request.user, username)


@capability_required(Cap.TALENT_MANAGE)
@require_http_methods(["GET", "POST"])
def person_new(request: AuthedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            # the account is resolved first and both writes share one transaction: a bad
            # account leaves no person behind
            data, account = _input(request), _account(request)
            with transaction.atomic():
                person = people.create_person(actor=request.user, data=data)
                if account is not None:
                    people.link_account(actor=request.user, person_id=person.pk, account=account)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已建立人才档案")
            return redirect("talent:person", person.pk)
    return render(request, "talent/person_form.html", _form_context(request, None))


@capability_required(Cap.TALENT_MANAGE)
@require_http_methods(["GET", "POST"])
def person_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    person = get_visible_or_404(Person, request.user, pk=pk)
    if request.method == "POST":
        try:
            data, account = _input(request, editing=True), _account(request)
            with transaction.atomic():
                people.update_person(actor=request.user, person_id=pk, data=data)
                people.link_account(actor=request.user, person_id=pk, account=account)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已保存")
            return redirect("talent:person", pk)
    return render(request, "talent/person_form.html", _form_context(request, person))


def _detail_context(request: AuthedHttpRequest, person: Person) -> dict[str, object]:
    today = timezone.localdate()
    return {
        "person": person,
        "ladder": people.ladder_of(person, today=today),
        "statuses": [credentials.status_of(c, today) for c in person.credentials.all()],
        "hours": person.hours.all()[:100],
        "postings": person.postings.select_related("host_unit"),
        "history": evaluation.history(person),
        "decisions": person.decisions.all(),
        "suggestions": decisions.suggestions(person),
        "levels": CredentialLevel.choices,
        "posting_kinds": PostingKind.choices,
        "decision_kinds": decisions.DecisionKind.choices,
        "posts": list(PostLadder.current().posts),
        "units": Unit.objects.visible_to(request.user).filter(is_active=True).order_by("path"),
        "today": today,
        "limits": TEXT_LIMITS,
        "breadcrumbs": [CRUMB, (str(person), None)],
        **caps(request),
    }


@capability_required(Cap.TALENT_VIEW)
def person_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    person = get_visible_or_404(Person, request.user, pk=pk)
    return render(request, "talent/person_detail.html", _detail_context(request, person))


def _act(
    request: AuthedHttpRequest,
    pk: int,
    done: str,
    action: Callable[[], object],
    *,
    form: str,
    row: int = 0,
) -> HttpResponse:
    """Run ``action``; on success back to the person's page, on a refusal the page again
    with the reason and what was typed in the form ``form`` (of the credential or posting
    ``row``), its section open."""
    try:
        action()
    except DomainError as exc:
        messages.error(request, exc.message)
        person = get_visible_or_404(Person, request.user, pk=pk)
        context = _detail_context(request, person)
        context.update(data=request.POST, failed=form, failed_row=row)
        return render(request, "talent/person_detail.html", context)
    messages.success(request, done)
    return redirect("talent:person", pk)


@capability_required(Cap.TALENT_MANAGE)
@require_POST
def credential_add(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    get_visible_or_404(Person, request.user, pk=pk)
    post = request.POST

    def run() -> None:
        credentials.add_credential(
            actor=request.user,
            person_id=pk,
            level=post.get("level", ""),
            number=post.get("number", ""),
            passed_on=parse_date(post.get("passed_on"), "取得日期") or timezone.localdate(),
            registered_on=parse_date(post.get("registered_on"), "首次登记日期", required=False),
            title=post.get("title", ""),
        )

    return _act(request, pk, "已登记证书", run, form="credential")


@capability_required(Cap.TALENT_MANAGE)
@require_POST
def credential_renew(request: AuthedHttpRequest, pk: int, cid: int) -> HttpResponse:
    get_visible_or_404(Person, request.user, pk=pk)
    get_visible_or_404(Credential, request.user, pk=cid, person_id=pk)  # of this person
    on = request.POST.get("on", "")
    first = request.POST.get("first") == "1"

    def run() -> None:
        day = parse_date(on, "登记日期") or timezone.localdate()
        if first:
            credentials.register(actor=request.user, credential_id=cid, on=day)
        else:
            credentials.renew(actor=request.user, credential_id=cid, on=day)

    return _act(request, pk, "已办理登记", run, form="register", row=cid)


@capability_required(Cap.TALENT_MANAGE)
@require_POST
def hours_add(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    get_visible_or_404(Person, request.user, pk=pk)
    post = request.POST

    def run() -> None:
        day = parse_date(post.get("studied_on"), "学习日期") or timezone.localdate()
        if post.get("degree") == "1":
            credentials.credit_degree(
                actor=request.user,
                person_id=pk,
                completed_on=day,
                evidence=post.get("evidence", ""),
            )
        else:
            credentials.add_hours(
                actor=request.user,
                person_id=pk,
                hours=post.get("hours", ""),
                studied_on=day,
                title=post.get("title", ""),
                evidence=post.get("evidence", ""),
            )

    return _act(request, pk, "已录入学时", run, form="hours")


@capability_required(Cap.TALENT_MANAGE)
@require_POST
def posting_add(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    get_visible_or_404(Person, request.user, pk=pk)
    post = request.POST

    def run() -> None:
        training.start_posting(
            actor=request.user,
            person_id=pk,
            kind=post.get("kind", ""),
            host_unit_id=parse_int(post.get("host_unit"), "接收单位"),
            starts_on=parse_date(post.get("starts_on"), "开始日期") or timezone.localdate(),
            ends_on=parse_date(post.get("ends_on"), "结束日期") or timezone.localdate(),
        )

    return _act(request, pk, "已安排实践锻炼", run, form="posting")


@capability_required(Cap.TALENT_MANAGE)
@require_POST
def posting_close(request: AuthedHttpRequest, pk: int, posting_id: int) -> HttpResponse:
    get_visible_or_404(Person, request.user, pk=pk)
    get_visible_or_404(Posting, request.user, pk=posting_id, person_id=pk)  # of this person
    post = request.POST

    def run() -> None:
        training.close_posting(
            actor=request.user,
            posting_id=posting_id,
            assessment=post.get("assessment", ""),
            on=parse_date(post.get("on"), "鉴定日期") or timezone.localdate(),
            hours=post.get("hours", "0") or "0",
        )

    return _act(request, pk, "已完成期满鉴定", run, form="close", row=posting_id)


@capability_required(Cap.TALENT_MANAGE)
@require_POST
def decision_propose(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    get_visible_or_404(Person, request.user, pk=pk)
    post = request.POST

    def run() -> None:
        decisions.propose(
            actor=request.user,
            person_id=pk,
            kind=post.get("kind", ""),
            title=post.get("title", ""),
            basis=post.get("basis", ""),
            post=post.get("post", ""),
        )

    return _act(request, pk, "已提出，待审批", run, form="decision")
