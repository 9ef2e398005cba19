"""Tests for shegong.lib.validators (vectors from docs/domain-rules.md §9)."""

from __future__ import annotations

import pickle
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shegong.lib.validators import (
    CREDIT_CODE_ALPHABET,
    PROVINCE_CODES,
    ValidationFailure,
    credit_code_check_char,
    id_check_digit,
    org_code_check_char,
    parse_credit_code,
    parse_id_number,
    upgrade_legacy_id,
    validate_credit_code,
    validate_id_number,
    validate_mobile,
)

TODAY = date(2025, 6, 1)

# ---------------------------------------------------------------------------------------------
# 公民身份号码
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "region", "birth", "sex"),
    [
        ("11010519491231002X", "110105", date(1949, 12, 31), "F"),
        ("440524188001010014", "440524", date(1880, 1, 1), "M"),
        ("11010219840406970X", "110102", date(1984, 4, 6), "F"),
    ],
)
def test_standard_id_examples_parse(value: str, region: str, birth: date, sex: str) -> None:
    parsed = parse_id_number(value, today=TODAY)
    assert parsed.number == value
    assert parsed.region_code == region
    assert parsed.birth_date == birth
    assert parsed.sex == sex


@pytest.mark.parametrize(
    "raw",
    [
        "11010519491231002x",
        " 11010519491231002X\n",
        "110105 19491231 002x",
        "１１０１０５１９４９１２３１００２Ｘ",
    ],
)
def test_id_normalisation(raw: str) -> None:
    assert validate_id_number(raw) == "11010519491231002X"


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        ("110105194912310021", "bad_check_digit", "校验位错误"),
        ("11010519491231002", "bad_length", "长度应为18位"),
        ("11010519491231002XX", "bad_length", "长度应为18位"),
        ("", "bad_length", "长度应为18位"),
        ("1101051949123100X2", "bad_charset", "含有非法字符"),
        ("11010519491231002Y", "bad_charset", "含有非法字符"),
        ("A1010519491231002X", "bad_charset", "含有非法字符"),
        # Province 99 / 00 / 72 do not exist (check digits computed to isolate the rule).
        ("990105194912310028", "bad_region", "地址码无效"),
        ("000105194912310023", "bad_region", "地址码无效"),
        ("72010519491231002" + id_check_digit("72010519491231002"), "bad_region", "地址码无效"),
        # A 9-card needs a mainland province after the 9.
        ("98101019800101001" + id_check_digit("98101019800101001"), "bad_region", "地址码无效"),
        ("110105194902300027", "bad_birth_date", "出生日期无效"),
        ("110105194913010020", "bad_birth_date", "出生日期无效"),
        (
            "11010518491231002" + id_check_digit("11010518491231002"),
            "birth_date_too_early",
            "出生日期早于1850年",
        ),
        (
            "11010520250602002" + id_check_digit("11010520250602002"),
            "birth_date_in_future",
            "出生日期晚于今天",
        ),
    ],
)
def test_id_failures(value: str, code: str, message: str) -> None:
    with pytest.raises(ValidationFailure) as info:
        parse_id_number(value, today=TODAY)
    assert info.value.code == code
    assert str(info.value) == message
    assert info.value.message == message


def test_id_check_order_length_before_charset_before_region() -> None:
    # Wrong length and bad characters: length is reported first.
    with pytest.raises(ValidationFailure) as info:
        parse_id_number("ABC")
    assert info.value.code == "bad_length"
    # Bad characters and a bad region: charset first.
    with pytest.raises(ValidationFailure) as info:
        parse_id_number("00010519491231002Y")
    assert info.value.code == "bad_charset"
    # Bad region and a bad date and a bad check digit: region first.
    with pytest.raises(ValidationFailure) as info:
        parse_id_number("000105194913310000")
    assert info.value.code == "bad_region"
    # Bad date and a bad check digit: date first.
    with pytest.raises(ValidationFailure) as info:
        parse_id_number("110105194913310000")
    assert info.value.code == "bad_birth_date"


def test_born_today_is_accepted_and_tomorrow_is_not() -> None:
    first17 = "11010520250601001"
    parsed = parse_id_number(first17 + id_check_digit(first17), today=TODAY)
    assert parsed.birth_date == TODAY
    assert parsed.sex == "M"
    with pytest.raises(ValidationFailure):
        parse_id_number(first17 + id_check_digit(first17), today=TODAY - timedelta(days=1))


def test_residence_permits_and_foreigner_card() -> None:
    for prefix in ("810000", "820000", "830000"):
        first17 = prefix + "19900101002"
        parsed = parse_id_number(first17 + id_check_digit(first17), today=TODAY)
        assert parsed.is_hmt_residence_permit
        assert not parsed.is_foreign_permanent_resident
        assert parsed.province_code == prefix[:2]
    first17 = "931156" + "19800101003"  # 9 + 上海 (31) + nationality 156-like code
    parsed = parse_id_number(first17 + id_check_digit(first17), today=TODAY)
    assert parsed.is_foreign_permanent_resident
    assert parsed.province_code == "31"
    assert parsed.region_code == "931156"
    assert parsed.sex == "M"


def test_age_in_full_years() -> None:
    person = parse_id_number("11010519491231002X", today=TODAY)
    assert person.age(date(1949, 12, 31)) == 0
    assert person.age(date(2024, 12, 30)) == 74
    assert person.age(date(2024, 12, 31)) == 75
    with pytest.raises(ValueError, match="before the birth date"):
        person.age(date(1949, 12, 30))


def test_age_leap_day_birthday() -> None:
    first17 = "11010520000229001"
    person = parse_id_number(first17 + id_check_digit(first17), today=TODAY)
    assert person.age(date(2001, 2, 28)) == 0
    assert person.age(date(2001, 3, 1)) == 1
    assert person.age(date(2004, 2, 29)) == 4


def test_upgrade_legacy_id() -> None:
    assert upgrade_legacy_id("110105491231002") == "11010519491231002X"
    assert upgrade_legacy_id("440524800101001") == "440524198001010013"
    # Sequence 996-999 were given to centenarians: century 18.
    assert upgrade_legacy_id("440524800101999").startswith("4405241880")
    upgraded = upgrade_legacy_id("440524800101996")
    assert parse_id_number(upgraded).birth_date == date(1880, 1, 1)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("11010549123100", "bad_length"),
        ("11010519491231002X", "bad_length"),
        ("11010549123100X", "bad_charset"),
        ("110105491331002", "bad_birth_date"),
        ("990105491231002", "bad_region"),
    ],
)
def test_upgrade_legacy_id_failures(value: str, code: str) -> None:
    with pytest.raises(ValidationFailure) as info:
        upgrade_legacy_id(value)
    assert info.value.code == code


def test_validation_failure_is_a_value_error_and_pickles() -> None:
    exc = ValidationFailure("bad_check_digit", "校验位错误")
    assert isinstance(exc, ValueError)
    assert str(exc) == "校验位错误"
    clone = pickle.loads(pickle.dumps(exc))  # noqa: S301
    assert (clone.code, clone.message, str(clone)) == (
        "bad_check_digit",
        "校验位错误",
        "校验位错误",
    )


def test_check_digit_weights() -> None:
    # Weights are 2^(18-i) mod 11 for 1-based position i.
    for i in range(17):
        digits = ["0"] * 17
        digits[i] = "1"
        expected = "10X98765432"[pow(2, 17 - i, 11)]
        assert id_check_digit("".join(digits)) == expected
    with pytest.raises(ValueError, match="17 ASCII digits"):
        id_check_digit("123")


_MAINLAND = sorted(PROVINCE_CODES - {"71", "81", "82", "83"})


@st.composite
def valid_ids(draw: st.DrawFn) -> str:
    province = draw(st.sampled_from(sorted(PROVINCE_CODES)))
    rest = draw(st.integers(0, 9999))
    birth = draw(st.dates(min_value=date(1850, 1, 1), max_value=TODAY))
    seq = draw(st.integers(0, 999))
    first17 = f"{province}{rest:04d}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_digit(first17)


@given(valid_ids())
def test_generated_ids_round_trip(number: str) -> None:
    parsed = parse_id_number(number, today=TODAY)
    assert parsed.number == number
    assert parsed.region_code == number[:6]
    assert parsed.birth_date.strftime("%Y%m%d") == number[6:14]
    assert parsed.sex == ("M" if int(number[16]) % 2 else "F")
    assert parse_id_number(number.lower(), today=TODAY) == parsed


_ID_CHARS = "0123456789X"


@given(valid_ids(), st.integers(0, 17), st.sampled_from(_ID_CHARS))
def test_any_single_substitution_in_an_id_is_detected(number: str, pos: int, ch: str) -> None:
    if ch == number[pos] or (pos < 17 and ch == "X"):
        return
    changed = number[:pos] + ch + number[pos + 1 :]
    # MOD 11-2 alone detects it: weights are non-zero mod 11 and digit differences are 1..9.
    assert id_check_digit(changed[:17]) != changed[17]
    with pytest.raises(ValidationFailure):
        parse_id_number(changed, today=TODAY)


@pytest.mark.parametrize(
    "number", ["11010519491231002X", "440524188001010014", "11010219840406970X"]
)
def test_every_single_substitution_of_the_examples_is_detected(number: str) -> None:
    for pos in range(18):
        others = [ch for ch in (_ID_CHARS if pos == 17 else _ID_CHARS[:10]) if ch != number[pos]]
        for ch in others:
            changed = number[:pos] + ch + number[pos + 1 :]
            assert id_check_digit(changed[:17]) != changed[17], changed


# ---------------------------------------------------------------------------------------------
# 统一社会信用代码
# ---------------------------------------------------------------------------------------------

REAL_CREDIT_CODES = [
    "914403001922038216",  # 华为技术有限公司
    "9144030071526726XG",  # 腾讯科技（深圳）有限公司
    "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
    "91110108551385082Q",  # 小米科技有限责任公司
    "91330100799655058B",  # 阿里巴巴（中国）有限公司
    "91110000802100433B",  # 北京百度网讯科技有限公司
    "91350100M000100Y43",  # hutool test vector
]


@pytest.mark.parametrize("code", REAL_CREDIT_CODES)
def test_real_credit_codes_pass_both_checks(code: str) -> None:
    parsed = parse_credit_code(code, check_org_code=True)
    assert parsed.code == code
    assert parsed.authority_code == "9"
    assert parsed.authority_label == "工商（市场监管）"
    assert parsed.category_code == "1"
    assert parsed.category_label == "企业"
    assert parsed.region_code == code[2:8]
    assert parsed.org_code == code[8:17]
    assert parsed.is_two_new_candidate


def test_credit_code_fields() -> None:
    parsed = parse_credit_code("91110000802100433B")
    assert parsed.region_code == "110000"
    assert parsed.org_code == "802100433"


def test_credit_code_normalisation() -> None:
    assert validate_credit_code(" 9144030071526726xg ") == "9144030071526726XG"
    assert validate_credit_code("9144 0300 7152 6726 XG") == "9144030071526726XG"


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        ("914403001922038217", "bad_check_digit", "校验位错误"),
        ("91110000600037341X", "bad_check_digit", "校验位错误"),
        ("91440300192203821", "bad_length", "长度应为18位"),
        ("9144030019220382166", "bad_length", "长度应为18位"),
        ("91440300192203821I", "bad_charset", "含有非法字符"),
        ("91440300192203821O", "bad_charset", "含有非法字符"),
        ("9144030019220382-6", "bad_charset", "含有非法字符"),
    ],
)
def test_credit_code_failures(value: str, code: str, message: str) -> None:
    with pytest.raises(ValidationFailure) as info:
        parse_credit_code(value)
    assert (info.value.code, str(info.value)) == (code, message)


@pytest.mark.parametrize("bad", "IOZSV")
def test_credit_code_excluded_letters(bad: str) -> None:
    with pytest.raises(ValidationFailure) as info:
        parse_credit_code("9144030019220382" + bad + "6")
    assert info.value.code == "bad_charset"


def test_x_is_in_the_credit_code_alphabet() -> None:
    assert "X" in CREDIT_CODE_ALPHABET
    assert len(CREDIT_CODE_ALPHABET) == 31
    assert not set("IOZSV") & set(CREDIT_CODE_ALPHABET)


def test_unknown_authority_code() -> None:
    first17 = "B1440300192203821"
    with pytest.raises(ValidationFailure) as info:
        parse_credit_code(first17 + credit_code_check_char(first17))
    assert (info.value.code, str(info.value)) == ("bad_authority", "登记管理部门码无效")


def test_org_code_check_is_optional() -> None:
    # Valid GB 32100 check character, wrong GB 11714 check inside.
    first17 = "914403001922038220"[:17]
    code = first17 + credit_code_check_char(first17)
    assert parse_credit_code(code).org_code == "192203822"
    with pytest.raises(ValidationFailure) as info:
        parse_credit_code(code, check_org_code=True)
    assert (info.value.code, str(info.value)) == (
        "bad_org_code_check_digit",
        "组织机构代码校验位错误",
    )


def test_org_code_check_char_special_values() -> None:
    assert org_code_check_char("71526726") == "X"  # Tencent's org code 71526726-X
    assert org_code_check_char("19220382") == "1"
    # Find a body whose check is 11 → "0".
    assert any(org_code_check_char(f"{i:08d}") == "0" for i in range(200))


@pytest.mark.parametrize(
    ("prefix", "authority", "category", "two_new"),
    [
        ("51", "民政", "社会团体", True),
        ("52", "民政", "社会服务机构（民办非企业单位）", True),
        ("53", "民政", "基金会", True),
        ("59", "民政", "其他", False),
        ("92", "工商（市场监管）", "个体工商户", True),
        ("93", "工商（市场监管）", "农民专业合作社", True),
        ("99", "工商（市场监管）", "未知", False),
        ("11", "机构编制", "机关", False),
        ("12", "机构编制", "事业单位", False),
        ("N2", "农业", "村级集体经济组织", False),
        ("Y1", "其他", "其他", False),
        ("81", "工会", "基层工会", False),
    ],
)
def test_credit_code_labels(prefix: str, authority: str, category: str, two_new: bool) -> None:
    first17 = prefix + "110000MJ0000001"
    parsed = parse_credit_code(first17 + credit_code_check_char(first17))
    assert parsed.authority_label == authority
    assert parsed.category_label == category
    assert parsed.is_two_new_candidate is two_new


_AUTHORITY_PREFIXES = ["11", "12", "13", "19", "31", "51", "52", "53", "91", "92", "93", "N1", "Y1"]


@st.composite
def valid_credit_codes(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(_AUTHORITY_PREFIXES))
    region = draw(st.integers(110000, 659999))
    body = draw(st.text(alphabet=CREDIT_CODE_ALPHABET, min_size=8, max_size=8))
    org = body + org_code_check_char(body)
    first17 = f"{prefix}{region}{org}"
    return first17 + credit_code_check_char(first17)


@given(valid_credit_codes())
def test_generated_credit_codes_round_trip(code: str) -> None:
    parsed = parse_credit_code(code.lower(), check_org_code=True)
    assert parsed.code == code
    assert parsed.authority_code + parsed.category_code + parsed.region_code == code[:8]
    assert parsed.org_code == code[8:17]


@given(valid_credit_codes(), st.integers(0, 17), st.sampled_from(CREDIT_CODE_ALPHABET))
def test_any_single_substitution_in_a_credit_code_is_detected(code: str, pos: int, ch: str) -> None:
    if ch == code[pos]:
        return
    changed = code[:pos] + ch + code[pos + 1 :]
    # Mod 31 (prime) with non-zero weights detects every single substitution.
    assert credit_code_check_char(changed[:17]) != changed[17]
    with pytest.raises(ValidationFailure):
        parse_credit_code(changed)


@pytest.mark.parametrize("code", REAL_CREDIT_CODES)
def test_every_single_substitution_of_the_real_codes_is_detected(code: str) -> None:
    for pos in range(18):
        for ch in [ch for ch in CREDIT_CODE_ALPHABET if ch != code[pos]]:
            changed = code[:pos] + ch + code[pos + 1 :]
            assert credit_code_check_char(changed[:17]) != changed[17], changed


# ---------------------------------------------------------------------------------------------
# Mobile numbers
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "+86-13812345678",
        "8613812345678",
        "86 138 1234 5678",
        "008613812345678",
        " 13812345678 ",
        "１３８１２３４５６７８",
    ],
)
def test_mobile_accepted(raw: str) -> None:
    assert validate_mobile(raw) == "13812345678"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "1381234567",
        "138123456789",
        "12812345678",
        "23812345678",
        "010-12345678",
        "+85 13812345678",
        "138a2345678",
        "+8613812345678 ext 1",
        "86",
    ],
)
def test_mobile_rejected(raw: str) -> None:
    with pytest.raises(ValidationFailure) as info:
        validate_mobile(raw)
    assert (info.value.code, str(info.value)) == ("bad_mobile", "请填写11位手机号码")


@given(st.sampled_from("3456789"), st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_generated_mobiles(second: str, rest: str) -> None:
    number = "1" + second + rest
    assert validate_mobile(number) == number
    assert validate_mobile(f"+86 {number[:3]}-{number[3:7]}-{number[7:]}") == number
