"""One appeal's life through the step-by-step services, and the clock that drives them."""

from __future__ import annotations

import heapq
import itertools
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from django.db import transaction

from shegong.accounts.models import User
from shegong.appeals.choices import (
    AppealKind,
    AppealStatus,
    Channel,
    Stream,
    Urgency,
    WorkOrderRole,
    WorkOrderStatus,
)
from shegong.appeals.models import Appeal, WorkOrder
from shegong.appeals.services import clocks
from shegong.appeals.services import workflow as wf
from shegong.appeals.services.intake import IntakeData, submit_appeal
from shegong.core.exceptions import DomainError
from shegong.units.choices import UnitKind
from shegong.units.models import Unit

from .appeal_case import Case, hours, office_hours, reply_text
from .appeal_city import City
from .appeal_texts import (
    CITY_MGMT,
    CLOSE_NOTES,
    CONTACT_NOTES,
    DEFAULT_REDIRECT,
    ECOLOGY,
    EXTENSION_REASONS,
    FORWARD_ORGANS,
    HOUSING,
    MARKET,
    POLICE,
    REDIRECTS,
    REJECT_REASONS,
    RETURN_REASONS,
    ROUTING,
    STREET,
    URGENT_WORDS,
    UTILITY_WORDS,
    WHISTLE_NOTES,
    Message,
    id_number,
    localise,
    mobile,
    person_name,
)

CLOCK_EVERY = timedelta(hours=12)
BATCH_STEPS = 400  # service calls per outer transaction (each service still has its own)


Step = Callable[["Simulation", Case, datetime], None]


class Simulation:
    def __init__(self, city: City, messages: list[Message], now: datetime) -> None:
        self.city = city
        self.messages = messages
        self.now = now
        self.heap: list[tuple[datetime, int, Case, Step]] = []
        self.seq = itertools.count()
        self.people: list[tuple[str, str, str]] = []
        self.created = 0
        self.steps = 0
        self.skipped: Counter[str] = Counter()
        # Older appeals the history plan left to the services (appeal_history).
        self.deferred: list[tuple[datetime, int]] = []
        # The clock jobs run every CLOCK_EVERY from here (the first arrival by default).
        self.clock_origin: datetime | None = None

    def later(self, case: Case, at: datetime, step: Step) -> None:
        if at < self.now:
            heapq.heappush(self.heap, (at, next(self.seq), case, step))

    def handler(self, unit_id: int) -> User:
        return self.city.handlers[unit_id]

    # -- planning --

    def plan(self, seed: int) -> Case:
        rng = random.Random(seed)
        message = rng.choice(self.messages)
        place = self.city.places[
            rng.choices(range(len(self.city.places)), cum_weights=self.city.cum_weights)[0]
        ]
        case = Case(rng=rng, message=message, place=place)
        title, text = message.title, message.title + message.body[:300]
        r = rng.random()
        if "建议" in title or title.startswith("希望"):
            case.kind = (
                AppealKind.HL_SUGGEST
                if r < 0.5
                else AppealKind.PEOPLE_SUGGESTION
                if r < 0.8
                else AppealKind.XF_SUGGESTION
            )
        elif "咨询" in title or "请问" in title or title.endswith(("？", "?")):
            case.kind = AppealKind.HL_CONSULT
        elif "举报" in title:
            case.kind = AppealKind.HL_REPORT if r < 0.8 else AppealKind.XF_ACCUSATION
        elif message.category == "劳动和社会保障" and any(
            w in text for w in ("工资", "欠薪", "补偿", "赔偿", "待遇")
        ):
            case.kind = AppealKind.XF_CLAIM if r < 0.5 else AppealKind.HL_HELP
        elif "求助" in title or "请求" in title:
            case.kind = AppealKind.HL_HELP
        else:
            case.kind = (
                AppealKind.HL_COMPLAINT
                if r < 0.75
                else AppealKind.XF_CLAIM
                if r < 0.9
                else AppealKind.HL_HELP
            )
        stream = case.stream
        r = rng.random()
        if stream == Stream.PETITION:
            case.channel = (
                Channel.LETTER
                if r < 0.25
                else Channel.VISIT
                if r < 0.55
                else Channel.PORTAL
                if r < 0.9
                else Channel.WEB
                if r < 0.98
                else Channel.FAX
            )
        elif stream == Stream.HOTLINE:
            case.channel = Channel.PHONE if r < 0.7 else Channel.PORTAL if r < 0.95 else Channel.WEB
        else:
            case.channel = (
                Channel.PORTAL if r < 0.7 else Channel.LETTER if r < 0.9 else Channel.VISIT
            )
        if stream == Stream.HOTLINE:
            if any(w in text for w in UTILITY_WORDS):
                case.urgency = Urgency.UTILITY
            elif any(w in text for w in URGENT_WORDS) and rng.random() < 0.3:
                case.urgency = Urgency.URGENT
            elif len(message.body) > 600 and rng.random() < 0.4:
                case.urgency = Urgency.COMPLEX
        for category, words, dept in ROUTING:
            if (not category or category == message.category) and (
                not words or any(w in text for w in words)
            ):
                if dept == STREET and category == "" and rng.random() < 0.2:
                    continue  # some neighbourhood matters still go to a department
                case.dept = dept
                break
        if case.kind == AppealKind.XF_ACCUSATION and case.dept == STREET:
            # The accused community's street office may not see the matter (see the report on
            # AppealQuerySet.visible_to), so accusations go to a department and stay there.
            case.dept = HOUSING
        r = rng.random()
        case.returns = (
            0 if r < 0.9 or case.kind == AppealKind.XF_ACCUSATION else 1 if r < 0.985 else 2
        )
        r = rng.random()
        case.stall = (
            "triage"
            if r < 0.015
            else "sign"
            if r < 0.035
            else "reply"
            if r < 0.075
            else "close"
            if r < 0.085
            else ""
        )
        case.late = rng.random() < 0.08
        return case

    def intake_data(self, case: Case) -> tuple[IntakeData, User | None, bool]:
        rng, place, message = case.rng, case.place, case.message
        city, district = self.city.city_name, place.district_name
        title = localise(message.title, city, district)
        data = IntakeData(
            kind=case.kind,
            channel=case.channel,
            urgency=case.urgency,
            title=title if len(title) >= 2 else "群众诉求",
            body=localise(message.body, city, district),
            region_id=place.region_id,
            address=f"{place.name}{rng.randint(1, 40)}号楼附近" if rng.random() < 0.6 else "",
        )
        petition = case.stream == Stream.PETITION
        if petition or rng.random() > 0.06:
            if self.people and rng.random() < 0.12:
                name, phone, idn = rng.choice(self.people)  # the same person again
            else:
                name, phone = person_name(rng), mobile(rng)
                idn = id_number(rng, place.district_code, self.now) if rng.random() < 0.5 else ""
                self.people.append((name, phone, idn))
            data.name, data.phone = name, phone
            if petition or case.channel in (Channel.VISIT, Channel.LETTER):
                data.id_number = idn
            if rng.random() < 0.4:
                data.petitioner_address = (
                    f"{city}{district}{place.name}{rng.randint(1, 30)}栋"
                    f"{rng.randint(1, 6)}单元{rng.randint(1, 28)}{rng.randint(1, 4):02d}室"
                )
            data.identity_confidential = rng.random() < 0.05
            data.phone_verified = case.channel == Channel.PORTAL
        if (
            case.kind == AppealKind.XF_CLAIM
            and case.channel == Channel.VISIT
            and rng.random() < 0.1
        ):
            data.is_group = True
            data.headcount = rng.randint(5, 40)
            data.representatives = [
                {"name": person_name(rng), "phone": mobile(rng)} for _ in range(rng.randint(2, 5))
            ]
        if case.kind == AppealKind.XF_ACCUSATION and rng.random() < 0.5:
            accused = self.city.communities.get(place.code)
            if accused is not None:
                data.accused_unit_ids = [accused.pk]
        if case.channel == Channel.WEB:
            data.source_ref = f"网上留言板#{rng.randrange(10**6):06d}"
        actor: User | None = self.city.dispatcher
        proxied = False
        if case.channel in (Channel.PORTAL, Channel.WEB):
            actor = None
        elif case.channel == Channel.VISIT and rng.random() < 0.25:
            actor = self.city.proxies.get(place.street_code)
            proxied = actor is not None
            if proxied:
                data.proxy_note = "诉求人年事已高，由街道工作人员代为填写"
            else:
                actor = self.city.dispatcher
        return data, actor, proxied

    # -- steps --

    def register(self, case: Case, t: datetime) -> None:
        data, actor, proxied = self.intake_data(case)
        appeal, _code = submit_appeal(actor=actor, data=data, now=t, proxied=proxied)
        case.appeal_id = appeal.pk
        case.title = appeal.title
        self.created += 1
        if case.stall == "triage":
            return
        rng = case.rng
        if case.stream == Stream.HOTLINE:
            delay = hours(rng, 0.1, 1.6) if rng.random() < 0.88 else hours(rng, 2, 8)
        else:
            delay = hours(rng, 4, 24 * 9) if rng.random() < 0.95 else hours(rng, 24 * 15, 24 * 20)
        at = t + delay
        if case.stream != Stream.HOTLINE:  # the 12345 centre works around the clock
            at = office_hours(at, rng)
        self.later(case, at, Simulation.triage)

    def triage(self, case: Case, t: datetime) -> None:
        rng, dispatcher = case.rng, self.city.dispatcher
        r = rng.random()
        if r < 0.02:
            wf.reject_appeal(
                actor=dispatcher, appeal_id=case.appeal_id, reason=rng.choice(REJECT_REASONS), now=t
            )
            return
        if r < 0.06 and case.kind != AppealKind.HL_CONSULT:
            channel, reason = REDIRECTS.get(case.message.category, DEFAULT_REDIRECT)
            wf.redirect_appeal(
                actor=dispatcher, appeal_id=case.appeal_id, channel=channel, reason=reason, now=t
            )
            return
        if r < 0.07 and case.stream == Stream.PETITION:
            wf.forward_appeal(
                actor=dispatcher,
                appeal_id=case.appeal_id,
                organ=rng.choice(FORWARD_ORGANS),
                reason="所反映事项属该机关职责范围",
                now=t,
            )
            return
        if case.stream == Stream.HOTLINE and rng.random() < 0.7:
            self.dispatch(case, t)  # 即时派单
            return
        wf.accept_appeal(actor=dispatcher, appeal_id=case.appeal_id, now=t)
        delay = hours(rng, 0.1, 2) if case.stream == Stream.HOTLINE else hours(rng, 2, 60)
        at = t + delay if case.stream == Stream.HOTLINE else office_hours(t + delay, rng)
        self.later(case, at, Simulation.dispatch)

    def dispatch(self, case: Case, t: datetime) -> None:
        rng = case.rng
        if case.lead_unit is None:
            lead = self.city.lead_for(case.place, case.dept, rng)
        else:  # after a return: another unit
            lead = self.city.other_unit(case.place, case.lead_unit, rng)
        assist: list[int] = []
        if rng.random() < 0.12 and case.kind != AppealKind.XF_ACCUSATION:
            assist = [self.city.other_unit(case.place, lead, rng).pk]
        wf.dispatch_appeal(
            actor=self.city.dispatcher,
            appeal_id=case.appeal_id,
            lead_unit_id=lead.pk,
            assist_unit_ids=assist,
            instructions="请按时限办理并及时联系诉求人" if rng.random() < 0.5 else "",
            now=t,
            # The dispatcher's category: the message's real label (what triage learns from).
            category_l1=case.message.category if case.lead_unit is None else "",
        )
        self._follow_new_orders(case, t)

    def _follow_new_orders(self, case: Case, t: datetime) -> None:
        """Pick up the orders the last service call opened and schedule their signing."""
        rng = case.rng
        known = {case.lead_id, *(oid for oid, _ in case.extra)}
        orders = list(
            WorkOrder.objects.filter(appeal_id=case.appeal_id, status=WorkOrderStatus.PENDING)
            .exclude(pk__in=known)
            .values_list("pk", "role", "unit_id", "dispatched_at", "due_at", "sign_due_at")
        )
        for pk, role, unit_id, dispatched, due, sign_due in orders:
            if role == WorkOrderRole.LEAD:
                case.lead_id = pk
                case.lead_unit = self.city_unit(unit_id)
                if case.stall == "sign":
                    continue
                window = (due or dispatched + timedelta(days=7)) - dispatched
                at = dispatched + min(window * rng.uniform(0.02, 0.2), hours(rng, 0.2, 20))
                if rng.random() < 0.05 and sign_due is not None:
                    at = sign_due + hours(rng, 1, 30)  # signed late
                if case.urgency not in (Urgency.URGENT, Urgency.UTILITY):
                    at = office_hours(at, rng)
                self.later(case, at, Simulation.sign)
            else:
                case.extra.append((pk, unit_id))
                self.later(case, dispatched + hours(rng, 0.5, 24), _sign_extra(pk, unit_id))

    def city_unit(self, unit_id: int) -> Unit:
        return self.city.units_by_id[unit_id]

    def sign(self, case: Case, t: datetime) -> None:
        rng = case.rng
        assert case.lead_unit is not None
        wf.sign_order(actor=self.handler(case.lead_unit.pk), order_id=case.lead_id, now=t)
        if case.returns > 0:
            case.returns -= 1
            self.later(case, t + hours(rng, 0.5, 20), Simulation.return_order)
            return
        if rng.random() < 0.4:
            self.later(case, office_hours(t + hours(rng, 0.2, 6), rng), Simulation.contact)
        if case.lead_unit.kind == UnitKind.STREET_OFFICE and rng.random() < 0.15:
            self.later(case, t + hours(rng, 1, 30), Simulation.whistle)
        if case.stall == "reply":
            return
        due = self._lead_due(case, t)
        if rng.random() < 0.07 and due - t > timedelta(days=2):
            self.later(case, t + (due - t) * rng.uniform(0.3, 0.7), Simulation.ask_extension)
            return
        self._plan_reply(case, t, due)

    def _lead_due(self, case: Case, t: datetime) -> datetime:
        due = WorkOrder.objects.filter(pk=case.lead_id).values_list("due_at", flat=True).first()
        return due or t + timedelta(days=7)

    def _plan_reply(self, case: Case, t: datetime, due: datetime) -> None:
        rng = case.rng
        at = due + hours(rng, 2, 24 * 6) if case.late else t + (due - t) * rng.uniform(0.1, 0.95)
        if case.urgency not in (Urgency.URGENT, Urgency.UTILITY):
            at = min(office_hours(at, rng), max(at, due - timedelta(minutes=5)))
        self.later(case, at, Simulation.reply)

    def return_order(self, case: Case, t: datetime) -> None:
        assert case.lead_unit is not None
        wf.return_order(
            actor=self.handler(case.lead_unit.pk),
            order_id=case.lead_id,
            reason=case.rng.choice(RETURN_REASONS),
            now=t,
        )
        status = Appeal.objects.filter(pk=case.appeal_id).values_list("status", flat=True).get()
        if status == AppealStatus.DISPATCHED:  # the service escalated it (属地兜底)
            self._follow_new_orders(case, t)
        else:
            self.later(case, t + hours(case.rng, 0.5, 8), Simulation.dispatch)

    def lead_signed(self, case: Case) -> bool:
        """The lead order is still being handled (not replied, returned or withdrawn)."""
        status = WorkOrder.objects.filter(pk=case.lead_id).values_list("status", flat=True).get()
        return status == WorkOrderStatus.SIGNED

    def contact(self, case: Case, t: datetime) -> None:
        assert case.lead_unit is not None
        if not self.lead_signed(case):
            return
        wf.add_handling_note(
            actor=self.handler(case.lead_unit.pk),
            order_id=case.lead_id,
            note=case.rng.choice(CONTACT_NOTES),
            contacted=True,
            now=t,
        )

    def whistle(self, case: Case, t: datetime) -> None:
        rng, place = case.rng, case.place
        if not self.lead_signed(case):
            return
        units = {
            self.city.lead_for(place, d, rng).pk
            for d in rng.sample([CITY_MGMT, HOUSING, ECOLOGY, MARKET, POLICE], rng.randint(1, 2))
        }
        assert case.lead_unit is not None
        wf.blow_whistle(
            actor=self.city.whistlers[case.lead_unit.pk],
            appeal_id=case.appeal_id,
            unit_ids=sorted(units),
            note=rng.choice(WHISTLE_NOTES),
            now=t,
        )
        self._follow_new_orders(case, t)

    def ask_extension(self, case: Case, t: datetime) -> None:
        rng = case.rng
        assert case.lead_unit is not None
        limit = 10 if case.stream == Stream.HOTLINE else 30
        request = wf.request_extension(
            actor=self.handler(case.lead_unit.pk),
            order_id=case.lead_id,
            days=rng.randint(3, limit),
            reason=rng.choice(EXTENSION_REASONS),
            now=t,
        )
        self.later(case, t + hours(rng, 1, 20), _decide_extension(request.pk))

    def reply(self, case: Case, t: datetime) -> None:
        rng = case.rng
        assert case.lead_unit is not None
        text = reply_text(case, case.lead_unit.name)
        wf.reply_order(
            actor=self.handler(case.lead_unit.pk), order_id=case.lead_id, text=text, now=t
        )
        if case.stall != "close":
            self.later(case, office_hours(t + hours(rng, 2, 24 * 4), rng), Simulation.close)

    def close(self, case: Case, t: datetime) -> None:
        wf.close_appeal(
            actor=self.city.dispatcher,
            appeal_id=case.appeal_id,
            note=case.rng.choice(CLOSE_NOTES),
            now=t,
        )

    # -- the loop --

    def run_clocks(self, at: datetime) -> None:
        clocks.escalate_breached(now=at)
        clocks.warn_due_soon(now=at)
        clocks.flag_triage_breaches(now=at)

    def run(self, arrivals: list[tuple[datetime, int]], log: Callable[[str], object]) -> None:
        started = time.monotonic()
        origin = self.clock_origin or (arrivals[0][0] if arrivals else self.now)
        next_clock = origin + CLOCK_EVERY
        total, done = len(arrivals), 0
        report_every = max(1, total // 10)
        arrivals_iter: Iterator[tuple[datetime, int]] = iter(arrivals)
        pending = next(arrivals_iter, None)
        while pending is not None or self.heap:
            with transaction.atomic():
                for _ in range(BATCH_STEPS):
                    if pending is not None and (not self.heap or pending[0] <= self.heap[0][0]):
                        at, seed = pending
                        pending = next(arrivals_iter, None)
                        step: Step = Simulation.register
                        case = self.plan(seed)
                        done += 1
                        if done % report_every == 0:
                            rate = done / max(time.monotonic() - started, 1e-9)
                            log(f"  诉求 {done:,}/{total:,}（{rate:,.0f} 件/秒）")
                    elif self.heap:
                        at, _, case, step = heapq.heappop(self.heap)
                    else:
                        break
                    while next_clock <= at:
                        self.run_clocks(next_clock)
                        next_clock += CLOCK_EVERY
                    self.steps += 1
                    try:
                        with transaction.atomic():
                            step(self, case, at)
                    except DomainError as exc:
                        self.skipped[f"{getattr(step, '__name__', 'step')}: {exc}"] += 1
        with transaction.atomic():
            while next_clock <= self.now:
                self.run_clocks(next_clock)
                next_clock += CLOCK_EVERY
            self.run_clocks(self.now)


def _sign_extra(order_id: int, unit_id: int) -> Step:
    """协办 / 报到 orders: sign, then report back before the lead's deadline."""

    def sign_extra(sim: Simulation, case: Case, t: datetime) -> None:
        status = WorkOrder.objects.filter(pk=order_id).values_list("status", flat=True).get()
        if status != WorkOrderStatus.PENDING:
            return  # withdrawn meanwhile (return, 改派 or 办结)
        wf.sign_order(actor=sim.handler(unit_id), order_id=order_id, now=t)
        due = WorkOrder.objects.filter(pk=order_id).values_list("due_at", flat=True).get()
        at = t + ((due or t + timedelta(days=3)) - t) * case.rng.uniform(0.1, 0.8)
        sim.later(case, at, _report_extra(order_id, unit_id))

    return sign_extra


def _report_extra(order_id: int, unit_id: int) -> Step:
    def report_extra(sim: Simulation, case: Case, t: datetime) -> None:
        status = WorkOrder.objects.filter(pk=order_id).values_list("status", flat=True).get()
        if status != WorkOrderStatus.SIGNED:
            return  # withdrawn meanwhile (return, 改派 or 办结)
        wf.reply_order(
            actor=sim.handler(unit_id),
            order_id=order_id,
            text="已按要求到场，配合主办单位完成现场处置，相关情况已反馈。",
            now=t,
        )

    return report_extra


def _decide_extension(request_id: int) -> Step:
    def decide_extension(sim: Simulation, case: Case, t: datetime) -> None:
        approve = case.rng.random() < 0.85
        wf.decide_extension(
            actor=sim.city.dispatcher,
            request_id=request_id,
            approve=approve,
            note="" if approve else "理由不充分，请按原期限办结",
            now=t,
        )
        if case.stall != "reply":
            sim._plan_reply(case, t, sim._lead_due(case, t))

    return decide_extension
