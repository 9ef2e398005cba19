"""The talent API (django-ninja), scoped through ``visible_to`` like the pages: people with
their level and credential status, training classes, the figures; and for a person signed in
with a linked account, their own record, enrolment and QR check-in."""

from datetime import date, datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.api import require_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404
from shegong.regions.choices import RegionLevel

from .choices import Category
from .models import Credential, Enrolment, Person, TrainingClass
from .services import credentials, figures, training
from .services.common import own_person
from .services.people import ladder_of

router = Router(tags=["社会工作人才"])


class PersonOut(Schema):
    id: int
    category: str
    name_masked: str
    unit_id: int
    region_id: int
    post: str
    started_on: date | None

    @staticmethod
    def resolve_name_masked(obj: Person) -> str:
        return str(obj.name)


class CredentialOut(Schema):
    id: int
    level: str
    name: str
    number: str
    passed_on: date
    period_start: date | None
    valid_until: date | None
    state: str
    renewal_opens: date | None
    hours_earned: float
    hours_required: int
    ready: bool


class LadderOut(Schema):
    ladder: str
    post: str
    level: int
    next_level_on: date | None


class PersonDetailOut(PersonOut):
    ladder: LadderOut | None
    credentials: list[CredentialOut]

    @staticmethod
    def resolve_ladder(obj: Person) -> LadderOut | None:
        view = ladder_of(obj)
        if view is None:
            return None
        return LadderOut(
            ladder=view.ladder,
            post=view.post,
            level=view.step.level,
            next_level_on=view.step.next_level_on,
        )

    @staticmethod
    def resolve_credentials(obj: Person) -> list[CredentialOut]:
        return [_credential(c) for c in obj.credentials.all()]


def _credential(c: Credential) -> CredentialOut:
    s = credentials.status_of(c)
    return CredentialOut(
        id=c.pk,
        level=c.level,
        name=c.display_name,
        number=c.number,
        passed_on=c.passed_on,
        period_start=c.period_start,
        valid_until=c.valid_until,
        state=s.state,
        renewal_opens=s.renewal_opens,
        hours_earned=s.progress.earned,
        hours_required=s.progress.required,
        ready=s.ready,
    )


class PersonFilter(Schema):
    category: Category | None = None
    unit: int | None = None


class ClassOut(Schema):
    id: int
    title: str
    kind: str
    unit_id: int
    region_id: int
    starts_at: datetime
    ends_at: datetime
    place: str
    capacity: int
    hours: float


class EnrolmentOut(Schema):
    id: int
    training_id: int
    person_id: int
    enrolled_at: datetime
    attended_at: datetime | None


class ClassEnrolmentOut(Schema):
    """An enrolment on a class's list: the person's masked name and unit."""

    id: int
    person_id: int
    name_masked: str
    unit_id: int
    enrolled_at: datetime
    attended_at: datetime | None
    method: str

    @staticmethod
    def resolve_name_masked(obj: Enrolment) -> str:
        return str(obj.person.name)

    @staticmethod
    def resolve_unit_id(obj: Enrolment) -> int:
        return obj.person.unit_id


class HoursOut(Schema):
    id: int
    hours: float
    studied_on: date
    title: str
    source: str


class CheckInIn(Schema):
    token: str


class TalentRateOut(Schema):
    label: str
    numerator: int
    denominator: int
    rate: float


class TalentFiguresOut(Schema):
    on: date
    certified: TalentRateOut
    hours_completion: TalentRateOut
    certified_by_street: list[TalentRateOut]
    expiring: int


def _rate(row: figures.Row) -> TalentRateOut:
    return TalentRateOut(
        label=row.label, numerator=row.numerator, denominator=row.denominator, rate=row.rate
    )


@router.get("/talent/people", response=list[PersonOut])
@paginate
def list_people(request: HttpRequest, filters: Query[PersonFilter]) -> object:
    require_capability(request, Cap.TALENT_VIEW)
    qs = Person.objects.visible_to(request.user).active().order_by("unit_id", "pk")
    if filters.category is not None:
        qs = qs.filter(category=filters.category.value)
    if filters.unit is not None:
        qs = qs.filter(unit_id=filters.unit)
    return qs


@router.get("/talent/people/{person_id}", response=PersonDetailOut)
def get_person(request: HttpRequest, person_id: int) -> object:
    require_capability(request, Cap.TALENT_VIEW)
    return get_visible_or_404(Person, request.user, pk=person_id)


@router.get("/talent/classes", response=list[ClassOut])
@paginate
def list_classes(request: HttpRequest) -> object:
    require_capability(request, Cap.TALENT_VIEW)
    return TrainingClass.objects.visible_to(request.user).order_by("-starts_at", "pk")


@router.get("/talent/classes/{class_id}/enrolments", response=list[ClassEnrolmentOut])
@paginate
def list_class_enrolments(request: HttpRequest, class_id: int) -> object:
    """The class's enrolments of people in the caller's scope (as on the class page)."""
    require_capability(request, Cap.TALENT_VIEW)
    item = get_visible_or_404(TrainingClass, request.user, pk=class_id)
    return (
        Enrolment.objects.visible_to(request.user)
        .filter(training=item)
        .select_related("person")
        .order_by("enrolled_at", "pk")
    )


@router.get("/talent/figures", response=TalentFiguresOut)
def get_figures(request: AuthedHttpRequest) -> object:
    require_capability(request, Cap.TALENT_VIEW)
    today = timezone.localdate()
    return TalentFiguresOut(
        on=today,
        certified=_rate(figures.certified_overall(request.user, today)),
        hours_completion=_rate(figures.hours_completion(request.user, today)),
        certified_by_street=[
            _rate(r) for r in figures.certified_by_region(request.user, today, RegionLevel.STREET)
        ],
        expiring=len(figures.expiring(request.user, today)),
    )


@router.get("/talent/me", response=PersonDetailOut)
def get_me(request: AuthedHttpRequest) -> object:
    """The person linked to the signed-in account (422 when none is)."""
    return own_person(request.user)


@router.post("/talent/me/classes/{class_id}/enrol", response={201: EnrolmentOut})
def enrol_me(request: AuthedHttpRequest, class_id: int) -> object:
    return Status(201, training.enrol_self(actor=request.user, class_id=class_id))


@router.post("/talent/me/checkin", response=HoursOut)
def check_in_me(request: AuthedHttpRequest, payload: CheckInIn) -> object:
    """Check in with the token of a class's current QR code (the token in the code's link)."""
    return training.check_in(actor=request.user, token=payload.token)
