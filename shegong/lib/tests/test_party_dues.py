"""党费 rules (组通字〔2008〕3号): brackets at every edge, fixed amounts, rounding, hardship,
arrears and flags."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shegong.lib.partyrules.dues import (
    DEFAULT_DUES_POLICY,
    Bracket,
    DuesCategory,
    DuesPolicy,
    HardshipApproval,
    arrears,
    bracket_rate,
    first_month_owed,
    goes_to_centre,
    monthly_amount,
    owed_schedule,
)
from shegong.lib.partyrules.months import Month

D = Decimal


@pytest.mark.parametrize(
    ("base", "rate"),
    [
        ("0", "0.005"),
        ("3000.00", "0.005"),
        ("3000.01", "0.01"),
        ("5000.00", "0.01"),
        ("5000.01", "0.015"),
        ("10000.00", "0.015"),
        ("10000.01", "0.02"),
        ("50000", "0.02"),
    ],
)
def test_salary_bracket_edges(base: str, rate: str) -> None:
    assert bracket_rate(D(base), DEFAULT_DUES_POLICY.salary_brackets) == D(rate)


@pytest.mark.parametrize(
    ("base", "rate"),
    [("5000.00", "0.005"), ("5000.01", "0.01"), ("0.01", "0.005")],
)
def test_retiree_bracket_edges(base: str, rate: str) -> None:
    assert bracket_rate(D(base), DEFAULT_DUES_POLICY.retiree_brackets) == D(rate)


@pytest.mark.parametrize(
    ("base", "amount"),
    [
        ("3000.00", "15.00"),
        ("3000.01", "30.00"),  # the rate applies to the whole base, not the excess
        ("5000.00", "50.00"),
        ("5000.01", "75.00"),
        ("10000.00", "150.00"),
        ("10000.01", "200.00"),
        ("4321.50", "43.22"),  # 43.215 rounds half up
    ],
)
def test_salaried_amount(base: str, amount: str) -> None:
    assert monthly_amount(DuesCategory.SALARIED, D(base)) == D(amount)


@pytest.mark.parametrize(("base", "amount"), [("5000.00", "25.00"), ("5000.01", "50.00")])
def test_retiree_amount(base: str, amount: str) -> None:
    assert monthly_amount(DuesCategory.RETIREE, D(base)) == D(amount)


def test_half_even_rounds_to_even_cent() -> None:
    policy = replace(DEFAULT_DUES_POLICY, rounding=ROUND_HALF_EVEN)
    assert monthly_amount(DuesCategory.SALARIED, D("4322.50"), policy=policy) == D("43.22")


def test_half_up_rounds_the_same_base_up() -> None:
    assert monthly_amount(DuesCategory.SALARIED, D("4322.50")) == D("43.23")


@pytest.mark.parametrize(
    "category",
    [DuesCategory.STUDENT, DuesCategory.UNEMPLOYED, DuesCategory.RELIEF, DuesCategory.DIBAO],
)
def test_flat_categories_pay_twenty_fen(category: DuesCategory) -> None:
    assert monthly_amount(category) == D("0.20")


def test_flat_categories_ignore_a_base() -> None:
    assert monthly_amount(DuesCategory.STUDENT, D("20000")) == D("0.20")


def test_farmer_default() -> None:
    assert monthly_amount(DuesCategory.FARMER) == D("0.20")


def test_farmer_province_setting() -> None:
    policy = DuesPolicy(farmer_amount=D("1.00"))
    assert monthly_amount(DuesCategory.FARMER, policy=policy) == D("1.00")


@pytest.mark.parametrize("amount", ["0.19", "1.01"])
def test_farmer_setting_outside_range_rejected(amount: str) -> None:
    with pytest.raises(ValueError, match="农民党员"):
        DuesPolicy(farmer_amount=D(amount))


@pytest.mark.parametrize("category", [DuesCategory.SALARIED, DuesCategory.RETIREE])
def test_base_required(category: DuesCategory) -> None:
    with pytest.raises(ValueError, match="基数"):
        monthly_amount(category)


def test_negative_base_rejected() -> None:
    with pytest.raises(ValueError, match="负数"):
        monthly_amount(DuesCategory.SALARIED, D("-1"))


def test_brackets_must_end_open() -> None:
    with pytest.raises(ValueError, match="最后一档"):
        DuesPolicy(salary_brackets=(Bracket(D("3000"), D("0.005")),))


def test_brackets_must_increase() -> None:
    with pytest.raises(ValueError, match="递增"):
        DuesPolicy(
            salary_brackets=(
                Bracket(D("5000"), D("0.01")),
                Bracket(D("3000"), D("0.005")),
                Bracket(None, D("0.02")),
            )
        )


def test_overridden_brackets_apply() -> None:
    policy = DuesPolicy(salary_brackets=(Bracket(D("4000"), D("0.005")), Bracket(None, D("0.01"))))
    assert monthly_amount(DuesCategory.SALARIED, D("3500"), policy=policy) == D("17.50")


def _hardship(amount: str) -> HardshipApproval:
    return HardshipApproval(D(amount), date(2025, 3, 1), "某街道党工委")


def test_hardship_reduces() -> None:
    amount = monthly_amount(DuesCategory.SALARIED, D("6000"), hardship=_hardship("10"))
    assert amount == D("10.00")


def test_hardship_waives() -> None:
    amount = monthly_amount(DuesCategory.SALARIED, D("6000"), hardship=_hardship("0"))
    assert amount == D("0.00")


def test_hardship_cannot_raise() -> None:
    with pytest.raises(ValueError, match="不能高于"):
        monthly_amount(DuesCategory.SALARIED, D("6000"), hardship=_hardship("90.01"))


def test_hardship_cannot_be_negative() -> None:
    with pytest.raises(ValueError, match="负数"):
        _hardship("-1")


@pytest.mark.parametrize(
    ("meeting", "month"),
    [(date(2025, 3, 1), Month(2025, 3)), (date(2025, 3, 31), Month(2025, 3))],
)
def test_first_month_owed_is_the_meeting_month(meeting: date, month: Month) -> None:
    assert first_month_owed(meeting) == month


@pytest.mark.parametrize(("amount", "flag"), [("999.99", False), ("1000", True), ("1000.01", True)])
def test_central_oneoff_flag(amount: str, flag: bool) -> None:
    assert goes_to_centre(D(amount)) is flag


def test_owed_schedule_per_year() -> None:
    owed = owed_schedule(Month(2024, 12), Month(2025, 1), {2024: D("30"), 2025: D("45")})
    assert owed == {Month(2024, 12): D("30"), Month(2025, 1): D("45")}


def _owed(first: Month, last: Month, amount: str = "30") -> dict[Month, Decimal]:
    return owed_schedule(first, last, D(amount))


def test_all_paid_no_arrears() -> None:
    owed = _owed(Month(2025, 1), Month(2025, 3))
    report = arrears(owed, [(m, D("30")) for m in owed])
    assert report.months_in_arrears == ()


def test_reversal_reopens_a_month() -> None:
    owed = _owed(Month(2025, 1), Month(2025, 2))
    ledger = [(Month(2025, 1), D("30")), (Month(2025, 2), D("30")), (Month(2025, 2), D("-30"))]
    assert arrears(owed, ledger).months_in_arrears == (Month(2025, 2),)


def test_partial_payment_is_arrears_with_shortfall() -> None:
    owed = _owed(Month(2025, 1), Month(2025, 1))
    assert arrears(owed, [(Month(2025, 1), D("20"))]).outstanding == D("10")


def test_partial_payment_breaks_unpaid_run() -> None:
    owed = _owed(Month(2025, 1), Month(2025, 3))
    assert arrears(owed, [(Month(2025, 2), D("1"))]).longest_unpaid_run == 1


def test_months_paid_count() -> None:
    owed = _owed(Month(2025, 1), Month(2025, 4))
    assert arrears(owed, [(Month(2025, 1), D("30")), (Month(2025, 3), D("30"))]).months_paid == 2


def test_waived_month_is_not_arrears() -> None:
    owed = {Month(2025, 1): D("0")}
    assert arrears(owed, []).months_in_arrears == ()


def test_six_unpaid_months_across_year_end_flag() -> None:
    owed = _owed(Month(2024, 11), Month(2025, 4))
    assert arrears(owed, []).lapse_risk is True


def test_five_unpaid_months_do_not_flag() -> None:
    owed = _owed(Month(2024, 11), Month(2025, 4))
    assert arrears(owed, [(Month(2025, 4), D("30"))]).lapse_risk is False


def test_unpaid_run_through_end() -> None:
    owed = _owed(Month(2025, 1), Month(2025, 5))
    assert arrears(owed, [(Month(2025, 2), D("30"))]).unpaid_run_through_end == 3


def test_payment_for_unowed_month_reported() -> None:
    owed = _owed(Month(2025, 2), Month(2025, 2))
    report = arrears(owed, [(Month(2025, 1), D("30")), (Month(2025, 2), D("30"))])
    assert report.unexpected == (Month(2025, 1),)


def test_overpayment_reported() -> None:
    owed = _owed(Month(2025, 2), Month(2025, 2))
    assert arrears(owed, [(Month(2025, 2), D("50"))]).overpaid == {Month(2025, 2): D("20")}


def test_lapse_threshold_configurable() -> None:
    owed = _owed(Month(2025, 1), Month(2025, 6))
    assert arrears(owed, [], policy=DuesPolicy(lapse_months=7)).lapse_risk is False


_SALARY_BRACKETS = [(D("0"), D("3000")), (D("3000.01"), D("5000")), (D("5000.01"), D("10000"))]


@given(
    st.sampled_from(_SALARY_BRACKETS),
    st.decimals(min_value=0, max_value=1, places=4),
    st.decimals(min_value=0, max_value=1, places=4),
)
def test_amount_monotone_within_bracket(
    bracket: tuple[Decimal, Decimal], s: Decimal, t: Decimal
) -> None:
    low, high = bracket
    a, b = sorted((s, t))
    base_a = (low + (high - low) * a).quantize(D("0.01"))
    base_b = (low + (high - low) * b).quantize(D("0.01"))
    amount_a = monthly_amount(DuesCategory.SALARIED, base_a)
    assert amount_a <= monthly_amount(DuesCategory.SALARIED, base_b)


@given(st.decimals(min_value=0, max_value=10**7, places=2))
def test_rounding_idempotent(base: Decimal) -> None:
    amount = monthly_amount(DuesCategory.SALARIED, base)
    assert amount.quantize(D("0.01")) == amount


@given(st.decimals(min_value=0, max_value=10**7, places=2))
def test_amount_within_half_cent_of_exact(base: Decimal) -> None:
    exact = base * bracket_rate(base, DEFAULT_DUES_POLICY.salary_brackets)
    assert abs(monthly_amount(DuesCategory.SALARIED, base) - exact) <= D("0.005")
