from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from shegong.core.exceptions import DomainError
from shegong.dues import testing
from shegong.dues.models import DuesPayment
from shegong.dues.services import assessments, payments
from shegong.dues.services.payments import OverpayNeedsConfirmation
from shegong.dues.services.status import dues_status
from shegong.lib.partyrules.months import Month
from shegong.members.choices import Stage

pytestmark = pytest.mark.django_db


def _assess(party, member, year, category="salaried", base="4000"):
    return assessments.set_assessment(
        actor=party.world.secretary, member_id=member.pk, year=year, category=category, base=base
    )


def _pay(party, member, *months, **kw):
    return payments.record_payment(
        actor=party.world.secretary,
        member_id=member.pk,
        months=list(months),
        method=kw.pop("method", "cash"),
        **kw,
    )


@time_machine.travel(date(2026, 4, 2), tick=False)
def test_a_quarter_paid_at_once_is_three_rows_of_the_monthly_amount(party):
    _assess(party, party.member, 2026)
    rows = _pay(party, party.member, Month(2026, 1), Month(2026, 2), Month(2026, 3))
    assert [(r.month, r.amount) for r in rows] == [
        (date(2026, m, 1), Decimal("40.00")) for m in (1, 2, 3)
    ]


@time_machine.travel(date(2026, 4, 2), tick=False)
def test_paying_a_paid_month_again_is_refused_in_chinese(party):
    _assess(party, party.member, 2026)
    _pay(party, party.member, Month(2026, 1))
    with pytest.raises(DomainError, match="2026年1月的党费已缴清"):
        _pay(party, party.member, Month(2026, 1))


@time_machine.travel(date(2026, 4, 2), tick=False)
def test_overpay_needs_confirmation_then_shows_as_credit(party):
    _assess(party, party.member, 2026)
    with pytest.raises(OverpayNeedsConfirmation):
        _pay(party, party.member, Month(2026, 1), amount_per_month="100")
    _pay(party, party.member, Month(2026, 1), amount_per_month="100", confirm_overpay=True)
    report = dues_status([party.member.pk], Month(2026, 1))[party.member.pk]
    assert report.overpaid == {Month(2026, 1): Decimal("60.00")}


@time_machine.travel(date(2026, 4, 2), tick=False)
def test_probationary_member_owes_from_the_branch_meeting_month_d4(party):
    newcomer = testing.member(
        party.branch, name="赵预备", stage=Stage.PROBATIONARY, admitted_on=date(2026, 2, 28)
    )
    _assess(party, newcomer, 2026, "student", None)
    report = dues_status([newcomer.pk], Month(2026, 3))[newcomer.pk]
    assert report.months_in_arrears == (Month(2026, 2), Month(2026, 3))


@time_machine.travel(date(2026, 4, 2), tick=False)
def test_paying_before_the_branch_meeting_month_is_refused(party):
    newcomer = testing.member(
        party.branch, name="赵预备", stage=Stage.PROBATIONARY, admitted_on=date(2026, 2, 28)
    )
    _assess(party, newcomer, 2026, "student", None)
    with pytest.raises(DomainError, match="早于支部大会"):
        _pay(party, newcomer, Month(2026, 1))


@time_machine.travel(date(2026, 4, 2), tick=False)
def test_month_without_assessment_is_refused(party):
    with pytest.raises(DomainError, match="尚未核定"):
        _pay(party, party.member, Month(2026, 1))


@time_machine.travel(date(2026, 4, 2), tick=False)
def test_reversal_is_a_negative_row_naming_the_original(party):
    _assess(party, party.member, 2026)
    (row,) = _pay(party, party.member, Month(2026, 1))
    reversal = payments.reverse_payment(
        actor=party.world.secretary, payment_id=row.pk, reason="重复登记"
    )
    assert (reversal.amount, reversal.reverses_id, reversal.kind) == (
        Decimal("-40.00"),
        row.pk,
        "reversal",
    )


@time_machine.travel(date(2026, 4, 2), tick=False)
def test_reversed_month_is_in_arrears_again(party):
    _assess(party, party.member, 2026)
    (row,) = _pay(party, party.member, Month(2026, 1))
    payments.reverse_payment(actor=party.world.secretary, payment_id=row.pk, reason="错登")
    report = dues_status([party.member.pk], Month(2026, 1))[party.member.pk]
    assert report.months_in_arrears == (Month(2026, 1),)


@time_machine.travel(date(2026, 4, 2), tick=False)
def test_a_row_is_reversed_once(party):
    _assess(party, party.member, 2026)
    (row,) = _pay(party, party.member, Month(2026, 1))
    payments.reverse_payment(actor=party.world.secretary, payment_id=row.pk, reason="错登")
    with pytest.raises(DomainError, match="已经冲正过"):
        payments.reverse_payment(actor=party.world.secretary, payment_id=row.pk, reason="再冲")


@time_machine.travel(date(2026, 4, 2), tick=False)
def test_ledger_refuses_update_through_the_queryset(party):
    _assess(party, party.member, 2026)
    _pay(party, party.member, Month(2026, 1))
    with pytest.raises(TypeError):
        DuesPayment.objects.filter(member=party.member).update(amount=Decimal("1"))


@time_machine.travel(date(2026, 4, 2), tick=False)
def test_ledger_refuses_delete_through_the_queryset(party):
    _assess(party, party.member, 2026)
    _pay(party, party.member, Month(2026, 1))
    with pytest.raises(TypeError):
        DuesPayment.objects.filter(member=party.member).delete()


@time_machine.travel(date(2026, 4, 2), tick=False)
def test_ledger_refuses_saving_a_changed_row(party):
    _assess(party, party.member, 2026)
    (row,) = _pay(party, party.member, Month(2026, 1))
    row.amount = Decimal("1")
    with pytest.raises(TypeError):
        row.save()


@time_machine.travel(date(2026, 4, 2), tick=False)
def test_ledger_refuses_deleting_a_row(party):
    _assess(party, party.member, 2026)
    (row,) = _pay(party, party.member, Month(2026, 1))
    with pytest.raises(TypeError):
        row.delete()


@time_machine.travel(date(2026, 2, 10), tick=False)
def test_arrears_run_across_the_year_end_reaches_the_lapse_flag(party):
    # Paid through July 2025; nothing for Aug 2025 – Jan 2026 = 6 months (D6: ≥ 6).
    _assess(party, party.member, 2025)
    _assess(party, party.member, 2026)
    _pay(party, party.member, *[Month(2025, m) for m in range(1, 8)])
    report = dues_status([party.member.pk], Month(2026, 1))[party.member.pk]
    assert (report.unpaid_run_through_end, report.lapse_risk) == (6, True)


@time_machine.travel(date(2026, 2, 10), tick=False)
def test_five_unpaid_months_across_the_year_end_are_not_yet_a_lapse(party):
    _assess(party, party.member, 2025)
    _assess(party, party.member, 2026)
    _pay(party, party.member, *[Month(2025, m) for m in range(1, 9)])
    report = dues_status([party.member.pk], Month(2026, 1))[party.member.pk]
    assert (report.unpaid_run_through_end, report.lapse_risk) == (5, False)


@time_machine.travel(date(2026, 2, 10), tick=False)
def test_a_partial_payment_breaks_the_run_d8(party):
    _assess(party, party.member, 2025)
    _assess(party, party.member, 2026)
    _pay(party, party.member, *[Month(2025, m) for m in range(1, 8)])
    _pay(party, party.member, Month(2025, 10), amount_per_month="1")
    report = dues_status([party.member.pk], Month(2026, 1))[party.member.pk]
    assert report.lapse_risk is False


@time_machine.travel(date(2026, 4, 2), tick=False)
def test_dues_status_uses_a_fixed_number_of_queries(party, django_assert_num_queries):
    others = [testing.member(party.branch, name=f"党员{i}") for i in range(5)]
    for m in [party.member, *others]:
        _assess(party, m, 2026, "student", None)
    _pay(party, others[0], Month(2026, 1))
    with django_assert_num_queries(3):
        reports = dues_status([party.member.pk, *[m.pk for m in others]], Month(2026, 3))
    assert len(reports) == 6
