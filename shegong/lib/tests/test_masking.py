"""Tests for shegong.lib.masking."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shegong.lib.masking import mask_id_number, mask_name, mask_phone, mask_text


def test_mask_id_number_18() -> None:
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_id_number(" 440524188001010014 ") == "440524********0014"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("110105491231002", "1101********002"),  # legacy 15 digits: 4 + 3 shown
        ("12345678", "12****78"),
        ("1234", "1**4"),
        ("12", "**"),
        ("1", "*"),
    ],
)
def test_mask_id_number_other_lengths(value: str, expected: str) -> None:
    assert mask_id_number(value) == expected


@given(st.text(alphabet="0123456789X", min_size=1, max_size=40).filter(lambda s: len(s) != 18))
def test_mask_id_number_never_reveals_more_than_half(value: str) -> None:
    masked = mask_id_number(value)
    assert len(masked) == len(value)
    shown = sum(1 for ch in masked if ch != "*")
    assert shown <= len(value) // 2
    # What is shown is a head and a tail of the original around one block of stars.
    stars = masked.count("*")
    assert stars > 0
    head, tail = masked.split("*", 1)[0], masked.rsplit("*", 1)[1]
    assert masked == head + "*" * stars + tail
    assert value.startswith(head)
    assert value.endswith(tail)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "138****5678"),
        ("+86 138-1234-5678", "138****5678"),
        ("010-12345678", "010*****5678"),
        ("12345678", "123*5678"),
        ("1234567", "******7"),
        ("12", "*2"),
        ("1", "*"),
    ],
)
def test_mask_phone(value: str, expected: str) -> None:
    assert mask_phone(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("张三丰", "张**"),
        ("张三", "张*"),
        ("张", "*"),
        ("欧阳娜娜", "欧***"),
        ("Alice", "A****"),
        (" 张三 ", "张*"),
        ("A", "*"),
    ],
)
def test_mask_name(value: str, expected: str) -> None:
    assert mask_name(value) == expected


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_empty_values(empty: str | None) -> None:
    assert mask_id_number(empty) == ""
    assert mask_phone(empty) == ""
    assert mask_name(empty) == ""
    assert mask_text(empty, "name") == ""


def test_mask_text_dispatch() -> None:
    assert mask_text("11010519491231002X", "id_number") == "110105********002X"
    assert mask_text("13812345678", "phone") == "138****5678"
    assert mask_text("张三丰", "name") == "张**"
    with pytest.raises(ValueError, match="unknown mask kind"):
        mask_text("x", "email")  # type: ignore[arg-type]


# --- identifiers in free text ---------------------------------------------------------------

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from shegong.lib.masking import find_identifiers, mask_identifiers  # noqa: E402


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我的电话13812345678。", "我的电话138****5678。"),
        ("联系 138 1234 5678", "联系 138****5678"),
        ("+86-139-1234-5678", "139****5678"),
        ("手机１３８１２３４５６７８", "手机138****5678"),
        ("身份证110105199001011234号", "身份证110105********1234号"),
        ("证号11010519900101123x", "证号110105********123X"),
        ("卡号6222021234567890", "卡号************7890"),
        ("卡号6222 0212 3456 7890", "卡号************7890"),
        ("邮箱zhang.san@qq.com", "邮箱z********@qq.com"),
        ("座机0571-88881234转802", "座机0571-******34转802"),
        ("（010）62345678", "（010）******78"),
        ("电话：88881234", "电话：******34"),
    ],
)
def test_mask_identifiers(text: str, expected: str) -> None:
    assert mask_identifiers(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2026年3月15日上午10点在3号楼",
        "热线12345",
        "订单号2026031500012345678901234",
        "编号XF-20260315-0001",
    ],
)
def test_mask_identifiers_keeps_ordinary_text(text: str) -> None:
    assert mask_identifiers(text) == text


def test_find_identifiers_kinds_in_order() -> None:
    text = "电话13812345678，身份证110105199001011234，邮箱a@b.cn"
    assert [s.kind for s in find_identifiers(text)] == ["mobile", "id_number", "email"]


@given(st.text(alphabet="0123456789 -+()（）：电话身份证卡号@ab.cnX转", max_size=60))
def test_mask_identifiers_is_idempotent(text: str) -> None:
    once = mask_identifiers(text)
    assert mask_identifiers(once) == once


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.sampled_from(["", "我", "电话："]))
def test_no_mobile_survives(number: str, prefix: str) -> None:
    assert number not in mask_identifiers(f"{prefix}{number}。")


# Misses found while wiring the masker into the appeal pages (issue #12 item 2).
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("电话 88881234", "电话 ******34"),
        ("联系电话是 88881234", "联系电话是 ******34"),
        ("身份证 110105 19900101 1234", "身份证 110105********1234"),
    ],
)
def test_mask_identifiers_found_misses(text: str, expected: str) -> None:
    assert mask_identifiers(text) == expected


def test_mask_identifiers_can_keep_a_kind() -> None:
    text = "请拨打0571-88881234，或手机13812345678"
    assert mask_identifiers(text, keep=("landline",)) == "请拨打0571-88881234，或手机138****5678"


def test_redact_identifiers_replaces_whole_values() -> None:
    from shegong.lib.masking import redact_identifiers

    text = "电话13812345678，身份证110105199001011234，邮箱a@b.cn，卡号6222021234567890"
    assert redact_identifiers(text) == "电话***，身份证***，邮箱***，卡号***"
    tokens = {"mobile": "〔号码已隐去〕", "id_number": "〔证件号码已隐去〕", "*": "〔已隐去〕"}
    assert redact_identifiers(text, tokens) == (
        "电话〔号码已隐去〕，身份证〔证件号码已隐去〕，邮箱〔已隐去〕，卡号〔已隐去〕"
    )
    assert redact_identifiers("座机0571-88881234", keep=("landline",)) == "座机0571-88881234"


# Gaps found in review (issue #12 item 2): grouping and keywords people really write.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("身份证110105-19900101-0021", "身份证110105********0021"),
        ("电话+86-571-88888888", "电话+86-571-******88"),
        ("手机1381 234 5678", "手机138****5678"),
        ("手机138.1234.5678", "手机138****5678"),
        ("电话:8888-8888", "电话:****-**88"),
        ("联系方式：88888888", "联系方式：******88"),
        ("电 话 88888888", "电 话 ******88"),
        ("邮箱zhangsan＠qq.com", "邮箱z*******＠qq.com"),
    ],
)
def test_mask_identifiers_review_gaps(text: str, expected: str) -> None:
    assert mask_identifiers(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2026-03-15 14:30",
        "2026.03.15上午",
        "金额12345.67元",
        "案件编号XF-2026-0315-0001",
        "时间10:30-11:45",
        "楼号3-2-501",
        "联系了12345热线",
    ],
)
def test_mask_identifiers_review_gaps_keep_ordinary_text(text: str) -> None:
    assert mask_identifiers(text) == text


@given(st.text(alphabet="0123456789１８ .-+：:电 话方式联系@＠qq.comX", max_size=60))
def test_mask_identifiers_is_idempotent_with_dots_and_full_width(text: str) -> None:
    once = mask_identifiers(text)
    assert mask_identifiers(once) == once
