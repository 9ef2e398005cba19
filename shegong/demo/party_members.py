"""Demo data of the members app (issue 15), made through its services; see ``party.py``.

Each branch gets its 正式/预备党员 from the organization's own figures (capped per size so
``small`` stays fast) as roster records — written through ``bulk_create_members``, which
checks and writes what ``create_member`` does, in batches — and some branches get people
on the 发展党员 path at every stage, each with a history the rules accept (recorded step by
step through ``services.development.record_step``). The demo ``secretary`` user's branch
comes first.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from shegong.accounts.models import User
from shegong.lib.partyrules.months import add_years
from shegong.lib.validators import id_check_digit
from shegong.members.choices import EventKind, Stage, WorkerGroup
from shegong.members.services.bulk import bulk_create_members
from shegong.members.services.development import StepInput, record_step
from shegong.members.services.people import MemberInput, create_member
from shegong.organizations.choices import BRANCH_KINDS, EntityKind, OrgStatus
from shegong.organizations.models import Entity, OrgAdministrator, PartyOrganization

from .people import random_mobile, random_name

# size → (branches with records, members per branch at most, branches with a pipeline)
CAPS: dict[str, tuple[int | None, int, int | None]] = {
    "small": (8, 10, 4),
    "city": (400, 40, 150),
    "metro": (None, 60, 1000),
}
FLUSH = 20_000  # roster rows per call of the bulk path
PIPELINE = (Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE, Stage.PROBATIONARY, Stage.FULL)


class _Ids:
    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng, self.today = rng, today
        self.used: set[str] = set()

    def make(self, region_code: str, min_age: int, max_age: int) -> str:
        while True:
            age = self.rng.randint(min_age, max_age)
            # add_years, not date.replace: on 29 February "age years ago" may have no such day
            birth = add_years(self.today, -age) - timedelta(days=self.rng.randint(1, 360))
            body = f"{region_code[:6]}{birth:%Y%m%d}{self.rng.randint(0, 999):03d}"
            number = body + id_check_digit(body)
            if number not in self.used:
                self.used.add(number)
                return number


def _branches(limit: int | None) -> list[PartyOrganization]:
    qs = PartyOrganization.objects.filter(
        kind__in=BRANCH_KINDS, status=OrgStatus.ACTIVE
    ).select_related("region")
    secretary_orgs = list(
        OrgAdministrator.objects.filter(user__username="secretary").values_list(
            "organization_id", flat=True
        )
    )
    first = list(qs.filter(pk__in=secretary_orgs).order_by("pk"))
    rest = qs.exclude(pk__in=secretary_orgs).order_by("pk")
    return first + list(rest[: None if limit is None else max(limit - len(first), 0)])


def _circumstances(
    rng: random.Random, today: date, data: MemberInput, platforms: list[int]
) -> None:
    """Some riders and couriers on a platform, some 流动党员."""
    roll = rng.random()
    if platforms and roll < 0.08:
        data.worker_group = rng.choice(
            [WorkerGroup.DELIVERY_RIDER, WorkerGroup.COURIER, WorkerGroup.RIDE_HAILING]
        )
        data.platform_id = rng.choice(platforms)
    elif roll < 0.12:
        data.is_floating = True
        data.floating_destination = rng.choice(["广东省深圳市", "上海市浦东新区", "江苏省苏州市"])
        data.floating_since = today - timedelta(days=rng.randint(20, 400))


def _roster(
    rng: random.Random,
    ids: _Ids,
    org: PartyOrganization,
    stage: str,
    platforms: list[int],
) -> MemberInput:
    today = ids.today
    if stage == Stage.FULL:
        admitted = today - timedelta(days=rng.randint(500, 365 * 30))
        confirmed: date | None = add_years(admitted, 1) + timedelta(days=rng.randint(0, 20))
    else:
        admitted = today - timedelta(days=rng.randint(30, 330))
        confirmed = None
    data = MemberInput(
        name=random_name(rng),
        id_number=ids.make(
            org.region.code,
            25 + (today - admitted).days // 365,
            60 + (today - admitted).days // 365,
        ),
        organization_id=org.pk,
        stage=stage,
        admitted_on=admitted,
        confirmed_on=confirmed,
        joined_branch_on=admitted + timedelta(days=rng.randint(0, 400))
        if rng.random() < 0.3
        else admitted,
        phone=random_mobile(rng),
        ethnicity="汉族",
        employer_name=org.name.removeprefix("中共")
        .removesuffix("支部委员会")
        .removesuffix("支部")[:100],
    )
    _circumstances(rng, today, data, platforms)
    return data


def _walk(
    rng: random.Random,
    ids: _Ids,
    root: User,
    org: PartyOrganization,
    target: str,
    formal: list[int],
) -> None:
    """One person on the path, every step recorded through the rules."""
    today = ids.today
    if target == Stage.APPLICANT:
        apply = today - timedelta(days=rng.randint(3, 80))
    elif target == Stage.ACTIVIST:
        apply = today - timedelta(days=rng.randint(90, 400))
    elif target == Stage.CANDIDATE:
        apply = today - timedelta(days=rng.randint(460, 560))
    elif target == Stage.PROBATIONARY:
        apply = today - timedelta(days=rng.randint(560, 800))
    else:
        apply = today - timedelta(days=rng.randint(980, 1200))
    person = create_member(
        actor=root,
        data=MemberInput(
            name=random_name(rng),
            id_number=ids.make(org.region.code, 22 + (today - apply).days // 365, 40),
            organization_id=org.pk,
            stage=Stage.APPLICANT,
            applied_on=apply,
            phone=random_mobile(rng),
            ethnicity="汉族",
        ),
    )
    body = org.name[:100]

    def step(kind: str, on: date, extra: StepInput | None = None) -> bool:
        if on > today:
            return False
        data = extra or StepInput(kind=kind, on=on)
        data.kind, data.on, data.decision_body = kind, on, body
        record_step(actor=root, member_id=person.pk, step=data)
        return True

    if not (rng.random() < 0.6 or target != Stage.APPLICANT) or not step(
        EventKind.TALK, apply + timedelta(days=rng.randint(5, 25))
    ):
        return
    if target == Stage.APPLICANT:
        return
    activist = apply + timedelta(days=rng.randint(50, 80))
    if not step(
        EventKind.CONFIRM_ACTIVIST,
        activist,
        StepInput(kind="", on=activist, people_ids=[formal[0]], document_ref="支委会记录"),
    ):
        return
    assessed = activist + timedelta(days=180)
    if target == Stage.ACTIVIST:
        step(EventKind.ASSESS_ACTIVIST, assessed)
        return
    step(EventKind.ASSESS_ACTIVIST, assessed)
    candidate = add_years(activist, 1) + timedelta(days=rng.randint(1, 20))
    if not step(EventKind.CONFIRM_CANDIDATE, candidate) or target == Stage.CANDIDATE:
        return
    pre = candidate + timedelta(days=rng.randint(20, 40))
    if not step(EventKind.PRE_REVIEW, pre):
        return
    admit = pre + timedelta(days=30)
    ok = step(
        EventKind.ADMIT,
        admit,
        StepInput(
            kind="",
            on=admit,
            people_ids=[formal[0], formal[1]],
            training_hours=Decimal(24),
            training_days=3,
            volunteer_form_issued_on=pre + timedelta(days=2),
            publicity_first_day=pre + timedelta(days=5),
            publicity_last_day=pre + timedelta(days=19),
            document_ref="支部大会记录",
        ),
    )
    if not ok or not step(EventKind.APPROVE, admit + timedelta(days=rng.randint(20, 60))):
        return
    if target == Stage.PROBATIONARY:
        return
    end = add_years(admit, 1)
    confirm = end + timedelta(days=10)
    step(
        EventKind.CONFIRM_FULL,
        confirm,
        StepInput(
            kind="",
            on=confirm,
            publicity_first_day=end - timedelta(days=20),
            publicity_last_day=end - timedelta(days=5),
            document_ref="支部大会记录",
        ),
    )


def generate(size_name: str, *, rng: random.Random, log: Callable[[str], object]) -> None:
    root = User.objects.filter(is_superuser=True, username="admin").first()
    if root is None:
        return
    branch_limit, per_branch, pipeline_limit = CAPS.get(size_name, CAPS["small"])
    today = timezone.localdate()
    ids = _Ids(rng, today)
    platforms = list(
        Entity.objects.filter(kind=EntityKind.PLATFORM).values_list("pk", flat=True)[:20]
    )
    branches = _branches(branch_limit)
    log(f"党员名册：{len(branches):,} 个党支部…")
    # The rolls first, in batches through the bulk path (the same checks, rows and audit
    # events as create_member), then the people on the 发展党员 path step by step.
    rows: list[MemberInput] = []
    formal_of: dict[int, list[int]] = {}
    owners: list[tuple[int, bool]] = []  # (branch, formal?) of each row
    done = 0
    for index, org in enumerate(branches):
        n_formal = max(min(org.formal_members, per_branch), 3 if index == 0 else 0)
        n_prob = min(org.probationary_members, max(per_branch // 5, 1))
        for stage, n in ((Stage.FULL, n_formal), (Stage.PROBATIONARY, n_prob)):
            for _ in range(n):
                rows.append(_roster(rng, ids, org, stage, platforms))
                owners.append((org.pk, stage == Stage.FULL))
        if len(rows) >= FLUSH or index == len(branches) - 1:
            created = bulk_create_members(actor=root, rows=rows)
            for (org_id, is_formal), pk in zip(owners, created, strict=True):
                if is_formal:
                    formal_of.setdefault(org_id, []).append(pk)
            done += len(created)
            rows, owners = [], []
            log(f"  {index + 1:,}/{len(branches):,} 个党支部，{done:,} 名党员")
    people = done
    for index, org in enumerate(branches):
        formal = formal_of.get(org.pk, [])
        if len(formal) >= 2 and (pipeline_limit is None or index < pipeline_limit):
            targets = list(PIPELINE) if index == 0 else rng.sample(PIPELINE, rng.randint(1, 3))
            for target in targets:
                _walk(rng, ids, root, org, target, formal)
                people += 1
    log(f"党员名册：{people:,} 人")
