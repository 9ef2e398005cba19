"""The demo's older appeals as finished histories, for ``appeals.services.history_import``.

An appeal registered before the live window (see ``appeals.STEP_APPEALS``) is planned in
full here — registration, 受理 or a decision (不予受理, 告知, 转送), 派单 with an occasional
协办, 签收, 联系诉求人, 答复, 办结 — with its own random generator, the same texts and the
same units as the step-by-step simulation, and handed to the bulk import, which writes the
rows the services would (and checks every step as they would). Deadlines are taken from the
appeal's policy and the work calendar (``compute_deadline``), as the services take them, so
that every step lands inside its clock: the clock jobs would have had nothing to say about
these appeals. 退单, 延期, 吹哨, late answers and stalled cases are left to the live window,
where the services and the clock jobs make them happen. An appeal this plan cannot finish
before now (or before its warning window) returns ``None`` and goes through the services.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from shegong.appeals.choices import AppealKind, ClockKey, Stream, Urgency
from shegong.appeals.models import AppealPolicy
from shegong.appeals.services import history_import as hi
from shegong.appeals.services.policies import compute_deadline, policy_for
from shegong.regions.models import Region

from .appeal_case import Case, hours, office_hours, reply_text
from .appeal_sim import CLOCK_EVERY, Simulation
from .appeal_texts import (
    CLOSE_NOTES,
    CONTACT_NOTES,
    DEFAULT_REDIRECT,
    FORWARD_ORGANS,
    REDIRECTS,
    REJECT_REASONS,
)

ASSIST_REPORT = "已按要求到场，配合主办单位完成现场处置，相关情况已反馈。"


class HistoryPlanner:
    """Turns planned cases into ``HistoryRecord``s (policies and regions cached)."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.origin = sim.clock_origin or sim.now
        self.regions = Region.objects.in_bulk([p.region_id for p in sim.city.places])
        self.policies: dict[tuple[str, int], AppealPolicy] = {}

    def policy(self, kind: str, region_id: int, at: datetime) -> AppealPolicy:
        key = (kind, region_id)
        policy = self.policies.get(key)
        if policy is None or policy.effective_from > at:
            policy = policy_for(kind, self.regions[region_id], at)
            self.policies[key] = policy
        return policy

    def record(self, case: Case, t: datetime) -> hi.HistoryRecord | None:
        """The finished history of ``case`` registered at ``t``, or None (use the services)."""
        sim, city = self.sim, self.sim.city
        rng = case.rng
        data, actor, proxied = sim.intake_data(case)
        case.title = data.title.strip()
        record = hi.HistoryRecord(
            data=data,
            registered_by=actor,
            registered_at=t,
            proxied=proxied,
            region=self.regions[case.place.region_id],
        )
        policy = self.policy(case.kind, case.place.region_id, t)
        triage = compute_deadline(policy, ClockKey.TRIAGE, t)
        dispatcher = city.dispatcher
        hotline = case.stream == Stream.HOTLINE
        if hotline:
            delay = hours(rng, 0.1, 1.6) if rng.random() < 0.88 else hours(rng, 2, 8)
        else:
            delay = hours(rng, 4, 24 * 9)
        decided = t + delay if hotline else office_hours(t + delay, rng)
        if triage is not None and decided > triage.due:
            decided = t + (triage.due - t) * rng.uniform(0.3, 0.9)
        r = rng.random()
        steps = record.steps
        if r < 0.02:
            steps.append(hi.Decide(decided, dispatcher, "reject", rng.choice(REJECT_REASONS)))
            return record if decided < sim.now else None
        if r < 0.06 and case.kind != AppealKind.HL_CONSULT:
            channel, reason = REDIRECTS.get(case.message.category, DEFAULT_REDIRECT)
            steps.append(hi.Decide(decided, dispatcher, "redirect", reason, channel=channel))
            return record if decided < sim.now else None
        if r < 0.07 and case.stream == Stream.PETITION:
            organ = rng.choice(FORWARD_ORGANS)
            steps.append(
                hi.Decide(decided, dispatcher, "forward", "所反映事项属该机关职责范围", organ=organ)
            )
            return record if decided < sim.now else None
        accepted: datetime | None = None
        if hotline and rng.random() < 0.7:
            dispatched = decided  # 即时派单
        else:
            accepted = decided
            steps.append(hi.Accept(accepted, dispatcher))
            delay = hours(rng, 0.1, 2) if hotline else hours(rng, 2, 60)
            dispatched = decided + delay if hotline else office_hours(decided + delay, rng)
        lead = city.lead_for(case.place, case.dept, rng)
        assist = None
        if rng.random() < 0.12 and case.kind != AppealKind.XF_ACCUSATION:
            assist = city.other_unit(case.place, lead, rng)
        steps.append(
            hi.Dispatch(
                dispatched,
                dispatcher,
                lead.pk,
                (assist.pk,) if assist is not None else (),
                instructions="请按时限办理并及时联系诉求人" if rng.random() < 0.5 else "",
                category_l1=case.message.category,
            )
        )
        start = accepted if case.stream == Stream.PETITION and accepted else dispatched
        handle = compute_deadline(policy, ClockKey.HANDLE, start, case.urgency)
        due = handle.due if handle else dispatched + timedelta(days=7)
        limit = due - timedelta(minutes=1)  # answered in time: no breach to record
        warn_from = due - timedelta(hours=policy.warn_hours)
        urgent = case.urgency in (Urgency.URGENT, Urgency.UTILITY)
        window = limit - dispatched
        signed = dispatched + min(window * rng.uniform(0.02, 0.2), hours(rng, 0.2, 20))
        if not urgent:
            signed = min(office_hours(signed, rng), max(signed, limit))
        handler = sim.handler(lead.pk)
        steps.append(hi.Sign(signed, handler, lead.pk))
        if urgent:
            replied = signed + (limit - signed) * rng.uniform(0.1, 0.95)
        else:  # mostly before the warning window, some inside it
            end = warn_from if rng.random() < 0.85 and warn_from > signed else limit
            replied = signed + (end - signed) * rng.uniform(0.1, 0.95)
            replied = min(office_hours(replied, rng), max(replied, limit))
        cap = sim.now - timedelta(days=5)  # closed (≤ 4 days and a night later) before now
        if cap < replied and signed < cap:
            replied = signed + (cap - signed) * rng.uniform(0.5, 1.0)
        if rng.random() < 0.4:
            contact = office_hours(signed + hours(rng, 0.2, 6), rng)
            if contact < replied:
                steps.append(hi.Note(contact, handler, lead.pk, rng.choice(CONTACT_NOTES), True))
        steps.append(hi.Reply(replied, handler, lead.pk, reply_text(case, lead.name)))
        self._warn(steps, lead.pk, dispatched, warn_from, due, replied)
        closed = office_hours(replied + hours(rng, 2, 24 * 4), rng)
        if assist is not None:
            helper = sim.handler(assist.pk)
            assist_signed = dispatched + min(hours(rng, 0.5, 24), (limit - dispatched) * 0.3)
            reported = assist_signed + (min(limit, closed) - assist_signed) * rng.uniform(0.1, 0.8)
            steps.append(hi.Sign(assist_signed, helper, assist.pk))
            steps.append(hi.Reply(reported, helper, assist.pk, ASSIST_REPORT))
            self._warn(steps, assist.pk, dispatched, warn_from, due, reported)
        steps.append(hi.Close(closed, dispatcher, rng.choice(CLOSE_NOTES)))
        # The clock job runs before any step at the same moment (Simulation.run).
        steps.sort(key=lambda step: (step.at, not isinstance(step, hi.Warn)))
        return record if closed < sim.now - timedelta(minutes=10) else None

    def _warn(
        self,
        steps: list[hi.HistoryStep],
        unit_id: int,
        dispatched: datetime,
        warn_from: datetime,
        due: datetime,
        ended: datetime,
    ) -> None:
        """The 临期提醒 the clock job (every CLOCK_EVERY from ``origin``) would have written:
        at its first run after the order exists that falls inside the warning window and
        finds the order still open."""
        start = max(dispatched + timedelta(microseconds=1), warn_from)
        ticks = max(1, -(-(start - self.origin) // CLOCK_EVERY))
        tick = self.origin + CLOCK_EVERY * ticks
        if tick < due and tick <= ended:
            steps.append(hi.Warn(tick, unit_id))


def plan_history(
    planner: HistoryPlanner, arrivals: list[tuple[datetime, int]], *, eventful: float = 0.0
) -> tuple[list[hi.HistoryRecord], list[tuple[datetime, int]]]:
    """Split ``arrivals`` into finished histories and the ones for the services: those the
    plan cannot finish, and a share ``eventful`` of those whose plan has a 退单, a late
    answer or a stall (the others of those are imported as plain finished histories)."""
    records: list[hi.HistoryRecord] = []
    rest: list[tuple[datetime, int]] = []
    for at, seed in arrivals:
        case = planner.sim.plan(seed)
        if (case.returns or case.late or case.stall) and random.Random(~seed).random() < eventful:
            rest.append((at, seed))
            continue
        record = planner.record(case, at)
        if record is None:
            rest.append((at, seed))
        else:
            records.append(record)
    return records, rest
