"""Training class pages (staff): the list, a new class, a class's page with its enrolments,
the QR code (HTMX partial, polled) and the organiser's actions."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.exceptions import DomainError
from shegong.core.exporting import export_response
from shegong.core.pagination import paginate_capped
from shegong.core.permissions import capability_required, need_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404
from shegong.regions.models import Region
from shegong.units.models import Unit

from ..choices import ClassKind
from ..models import Enrolment, Person, TrainingClass
from ..services import training
from .common import caps, parse_datetime, parse_int

CLASSES = ("培训班", "/talent/classes/")


@capability_required(Cap.TALENT_VIEW)
def class_list(request: AuthedHttpRequest) -> HttpResponse:
    classes = TrainingClass.objects.visible_to(request.user).select_related("unit")
    page = paginate_capped(request, classes.order_by("-starts_at", "pk"), 30)
    return render(
        request,
        "talent/class_list.html",
        {"page": page, "breadcrumbs": [("培训班", None)], **caps(request)},
    )


@capability_required(Cap.TALENT_TRAINING)
@require_http_methods(["GET", "POST"])
def class_new(request: AuthedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        post = request.POST
        try:
            created = training.create_class(
                actor=request.user,
                title=post.get("title", ""),
                kind=post.get("kind", ""),
                unit_id=parse_int(post.get("unit"), "举办单位"),
                region_id=parse_int(post.get("region"), "面向区域"),
                starts_at=parse_datetime(post.get("starts_at"), "开始时间"),
                ends_at=parse_datetime(post.get("ends_at"), "结束时间"),
                capacity=parse_int(post.get("capacity"), "名额"),
                hours=post.get("hours", ""),
                place=post.get("place", ""),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已发布培训班")
            return redirect("talent:class", created.pk)
    return render(
        request,
        "talent/class_form.html",
        {
            "data": request.POST if request.method == "POST" else None,
            "kinds": ClassKind.choices,
            "units": Unit.objects.visible_to(request.user).filter(is_active=True).order_by("path"),
            "regions": Region.objects.visible_to(request.user)
            .filter(is_active=True, level__lte=4)
            .order_by("path"),
            "breadcrumbs": [CLASSES, ("发布培训班", None)],
        },
    )


def visible_enrolments(request: AuthedHttpRequest, item: TrainingClass) -> QuerySet[Enrolment]:
    """The class's enrolments of people in the viewer's scope (the page, its export and the
    API list the same rows): a class may be open to a district or the city, its other
    enrolments are not the viewer's to see, nor to count."""
    return (
        Enrolment.objects.visible_to(request.user)
        .filter(training=item)
        .select_related("person", "person__unit")
        .order_by("enrolled_at", "pk")
    )


ENROLMENT_HEADERS = ["姓名", "单位", "报名时间", "签到时间", "签到方式"]


def _export(request: AuthedHttpRequest, item: TrainingClass) -> HttpResponse:
    need_capability(request, Cap.EXPORT)
    rows = [
        [
            str(e.person),  # masked name
            e.person.unit.name,
            timezone.localtime(e.enrolled_at).strftime("%Y-%m-%d %H:%M"),
            timezone.localtime(e.attended_at).strftime("%Y-%m-%d %H:%M") if e.attended_at else "",
            e.method,
        ]
        for e in visible_enrolments(request, item)
    ]
    return export_response(
        request,
        what="talent.enrolment",
        count=len(rows),
        basename=f"{item.title}-报名与签到",
        headers=ENROLMENT_HEADERS,
        rows=rows,
    )


@capability_required(Cap.TALENT_VIEW)
def class_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    item = get_visible_or_404(TrainingClass, request.user, pk=pk)
    if request.GET.get("format") in {"xlsx", "csv"}:
        return _export(request, item)
    enrolments = list(visible_enrolments(request, item))
    candidates = (
        Person.objects.visible_to(request.user)
        .active()
        .filter(region__path__startswith=item.region.path)
        .exclude(enrolments__training=item)
        .select_related("unit")
        .order_by("unit_id", "pk")[:200]
    )
    return render(
        request,
        "talent/class_detail.html",
        {
            "item": item,
            "enrolments": enrolments,
            "candidates": candidates,
            "breadcrumbs": [CLASSES, (item.title, None)],
            **caps(request),
        },
    )


@capability_required(Cap.TALENT_TRAINING)
@require_POST
def class_enrol(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    get_visible_or_404(TrainingClass, request.user, pk=pk)
    try:
        training.enrol(
            actor=request.user, class_id=pk, person_id=parse_int(request.POST.get("person"), "人员")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已报名")
    return redirect("talent:class", pk)


@capability_required(Cap.TALENT_TRAINING)
@require_POST
def class_attend(request: AuthedHttpRequest, pk: int, enrolment_id: int) -> HttpResponse:
    get_visible_or_404(TrainingClass, request.user, pk=pk)
    in_scope = Enrolment.objects.visible_to(request.user)
    if not in_scope.filter(pk=enrolment_id, training_id=pk).exists():
        raise Http404  # an enrolment of another class, or of a person out of scope
    try:
        training.mark_attended(actor=request.user, enrolment_id=enrolment_id)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已登记签到并计入学时")
    return redirect("talent:class", pk)


def qr_svg(text: str) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2)
    return str(image.to_string(encoding="unicode"))


@capability_required(Cap.TALENT_TRAINING)
@require_GET
def class_qr(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """HTMX partial (polled): a fresh signed check-in code as a QR code and a link."""
    try:
        item, token = training.qr_token(actor=request.user, class_id=pk)
    except DomainError as exc:
        if exc.code == "not_found":
            raise Http404 from None
        return render(request, "talent/partials/_qr.html", {"error": exc.message, "pk": pk})
    url = request.build_absolute_uri(reverse("talent:checkin", args=[token]))
    return render(
        request,
        "talent/partials/_qr.html",
        {
            "item": item,
            "pk": item.pk,
            "url": url,
            "svg": mark_safe(qr_svg(url)),  # noqa: S308 — generated from our own URL
            "refresh": max(10, training.token_ttl() // 2),
        },
    )
