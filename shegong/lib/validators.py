"""Validators for Chinese identifiers: 公民身份号码, 统一社会信用代码, mobile numbers.

Pure Python, no Django. Rules and test vectors: ``docs/domain-rules.md`` §9.

* 公民身份号码 (GB 11643-1999): 6-digit address code, 8-digit birth date, 3-digit sequence
  (odd = male), ISO 7064 MOD 11-2 check character.
* 统一社会信用代码 (GB 32100-2015): registration authority, category, 6-digit region code,
  9-character organisation code (GB 11714), mod-31 check character.

Every failure raises :class:`ValidationFailure`, which carries an English ``code`` for
programs and a short Simplified Chinese ``message`` for people.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

__all__ = [
    "CREDIT_CODE_ALPHABET",
    "PROVINCE_CODES",
    "CreditCode",
    "IdNumber",
    "ValidationFailure",
    "credit_code_check_char",
    "id_check_digit",
    "org_code_check_char",
    "parse_credit_code",
    "parse_id_number",
    "upgrade_legacy_id",
    "validate_credit_code",
    "validate_id_number",
    "validate_mobile",
]


class ValidationFailure(ValueError):
    """A value failed validation.

    ``code`` is a stable English slug (``"bad_check_digit"``); ``message`` is the short
    Chinese text shown to users; ``str(exc)`` returns the message.
    """

    code: str
    message: str

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[type[ValidationFailure], tuple[str, str]]:
        # Keep the exception picklable (task queues) despite the two-argument constructor.
        return (type(self), (self.code, self.message))


def _clean(value: str) -> str:
    """NFKC-normalise (full-width digits and letters become ASCII) and drop all whitespace."""
    text = unicodedata.normalize("NFKC", value)
    return "".join(text.split())


_DIGITS: Final = frozenset("0123456789")

# ---------------------------------------------------------------------------------------------
# 公民身份号码 — GB 11643-1999
# ---------------------------------------------------------------------------------------------

#: Province-level prefixes of GB/T 2260, plus 83 (台湾居民居住证; 81/82 serve 港澳 permits).
PROVINCE_CODES: Final[frozenset[str]] = frozenset(
    {
        "11", "12", "13", "14", "15",
        "21", "22", "23",
        "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46",
        "50", "51", "52", "53", "54",
        "61", "62", "63", "64", "65",
        "71", "81", "82", "83",
    }
)  # fmt: skip

#: Provinces that issue the 2023 外国人永久居留身份证 (9 + province + nationality ...).
_MAINLAND_PROVINCE_CODES: Final = PROVINCE_CODES - {"71", "81", "82", "83"}

# ISO 7064 MOD 11-2 weights for positions 1..17 (2^(18-i) mod 11 with 1-based i).
_ID_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS: Final = "10X98765432"
_MIN_BIRTH_DATE: Final = date(1850, 1, 1)

Sex = Literal["M", "F"]


def id_check_digit(first17: str) -> str:
    """Return the MOD 11-2 check character ("0"-"9" or "X") for 17 leading digits."""
    if len(first17) != 17 or not set(first17) <= _DIGITS:
        raise ValueError("id_check_digit() needs exactly 17 ASCII digits")
    total = sum(int(ch) * w for ch, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


@dataclass(frozen=True)
class IdNumber:
    """A parsed, valid 18-character 公民身份号码 (or a residence-permit number)."""

    number: str
    """Normalised number, check character ``X`` in upper case."""
    region_code: str
    """The first six characters. For a 外国人永久居留身份证 (leading 9) this is
    9 + issuing province + nationality code, not a GB/T 2260 code."""
    birth_date: date
    sex: Sex
    """``"M"`` for an odd sequence number, ``"F"`` for an even one."""

    @property
    def province_code(self) -> str:
        """Two-digit province of the address code (of the issuing office for a 9-card)."""
        return self.number[1:3] if self.is_foreign_permanent_resident else self.number[:2]

    @property
    def is_foreign_permanent_resident(self) -> bool:
        """True for the 2023 外国人永久居留身份证 (number starts with 9)."""
        return self.number.startswith("9")

    @property
    def is_hmt_residence_permit(self) -> bool:
        """True for 港澳台居民居住证 numbers (address code 81/82/83 prefix)."""
        return self.number[:2] in {"81", "82", "83"}

    def age(self, on: date) -> int:
        """Age in full years on ``on``.

        Someone born on 29 February becomes a year older on 1 March in common years.
        """
        if on < self.birth_date:
            raise ValueError("age() date is before the birth date")
        years = on.year - self.birth_date.year
        if (on.month, on.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


def _parse_birth_date(text: str) -> date:
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise ValidationFailure("bad_birth_date", "出生日期无效") from None


def parse_id_number(value: str, *, today: date | None = None) -> IdNumber:
    """Parse and validate an 18-character 公民身份号码.

    Whitespace (anywhere) is removed, full-width characters are normalised and a lower-case
    ``x`` is accepted. Checks, in this order: length, character set, province prefix, birth
    date (real, not before 1850, not after ``today``), MOD 11-2 check character.
    ``today`` defaults to :meth:`date.today` (server local date).
    """
    number = _clean(value).upper()
    if len(number) != 18:
        raise ValidationFailure("bad_length", "长度应为18位")
    if not set(number[:17]) <= _DIGITS or number[17] not in _ID_CHECK_CHARS:
        raise ValidationFailure("bad_charset", "含有非法字符")
    if number[0] == "9":
        region_ok = number[1:3] in _MAINLAND_PROVINCE_CODES
    else:
        region_ok = number[:2] in PROVINCE_CODES
    if not region_ok:
        raise ValidationFailure("bad_region", "地址码无效")
    birth = _parse_birth_date(number[6:14])
    if birth < _MIN_BIRTH_DATE:
        raise ValidationFailure("birth_date_too_early", "出生日期早于1850年")
    if birth > (today if today is not None else date.today()):
        raise ValidationFailure("birth_date_in_future", "出生日期晚于今天")
    if id_check_digit(number[:17]) != number[17]:
        raise ValidationFailure("bad_check_digit", "校验位错误")
    sex: Sex = "M" if int(number[16]) % 2 == 1 else "F"
    return IdNumber(number=number, region_code=number[:6], birth_date=birth, sex=sex)


def validate_id_number(value: str) -> str:
    """Validate a 公民身份号码 and return it normalised (upper-case ``X``, no spaces)."""
    return parse_id_number(value).number


def upgrade_legacy_id(value15: str) -> str:
    """Convert a legacy 15-digit number (YYMMDD birth date, no check digit) to 18 characters.

    The century is "18" for sequence numbers 996-999 (given to centenarians), else "19".
    The result is validated with :func:`parse_id_number`.
    """
    legacy = _clean(value15)
    if len(legacy) != 15:
        raise ValidationFailure("bad_length", "长度应为15位")
    if not set(legacy) <= _DIGITS:
        raise ValidationFailure("bad_charset", "含有非法字符")
    century = "18" if legacy[12:15] in {"996", "997", "998", "999"} else "19"
    first17 = legacy[:6] + century + legacy[6:]
    return parse_id_number(first17 + id_check_digit(first17)).number


# ---------------------------------------------------------------------------------------------
# 统一社会信用代码 — GB 32100-2015, with the GB 11714 organisation-code check
# ---------------------------------------------------------------------------------------------

#: The 31 characters of GB 32100, in value order 0..30 (no I, O, Z, S, V).
CREDIT_CODE_ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_VALUES: Final = {ch: i for i, ch in enumerate(CREDIT_CODE_ALPHABET)}
_CREDIT_CHARS: Final = frozenset(CREDIT_CODE_ALPHABET)
_CREDIT_WEIGHTS: Final = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS: Final = (3, 7, 9, 10, 5, 8, 4, 2)

_AUTHORITIES: Final[dict[str, str]] = {
    "1": "机构编制",
    "2": "外交",
    "3": "司法行政",
    "4": "文化",
    "5": "民政",
    "6": "旅游",
    "7": "宗教",
    "8": "工会",
    "9": "工商（市场监管）",
    "A": "中央军委改革和编制办公室",
    "N": "农业",
    "Y": "其他",
}

_CATEGORIES: Final[dict[str, dict[str, str]]] = {
    "1": {"1": "机关", "2": "事业单位", "3": "中央编办直管机构编制的群众团体", "9": "其他"},
    "2": {"1": "外国常驻新闻机构", "9": "其他"},
    "3": {
        "1": "律师执业机构",
        "2": "公证处",
        "3": "基层法律服务所",
        "4": "司法鉴定机构",
        "5": "仲裁委员会",
        "9": "其他",
    },
    "4": {"1": "外国在华文化中心", "9": "其他"},
    "5": {"1": "社会团体", "2": "社会服务机构（民办非企业单位）", "3": "基金会", "9": "其他"},
    "6": {
        "1": "外国旅游部门常驻代表机构",
        "2": "港澳台地区旅游部门常驻内地（大陆）代表机构",
        "9": "其他",
    },
    "7": {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"},
    "8": {"1": "基层工会", "9": "其他"},
    "9": {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"},
    "A": {"1": "军队事业单位", "9": "其他"},
    "N": {
        "1": "组级集体经济组织",
        "2": "村级集体经济组织",
        "3": "乡镇级集体经济组织",
        "9": "其他",
    },
    "Y": {"1": "其他"},
}

# 两新 organisations: enterprises, 个体工商户, 合作社, 社会团体 (incl. 行业协会商会),
# 社会服务机构, 基金会.
_TWO_NEW_PREFIXES: Final = frozenset({"91", "92", "93", "51", "52", "53"})


def credit_code_check_char(first17: str) -> str:
    """Return the GB 32100 check character for the first 17 characters of a credit code."""
    if len(first17) != 17 or not set(first17) <= _CREDIT_CHARS:
        raise ValueError("credit_code_check_char() needs 17 characters of the GB 32100 alphabet")
    total = sum(_CREDIT_VALUES[ch] * w for ch, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def _org_value(ch: str) -> int:
    if ch in _DIGITS:
        return int(ch)
    if "A" <= ch <= "Z":
        return ord(ch) - ord("A") + 10
    raise ValueError(f"invalid organisation-code character {ch!r}")


def org_code_check_char(body8: str) -> str:
    """Return the GB 11714 check character for the 8-character body of an organisation code."""
    if len(body8) != 8:
        raise ValueError("org_code_check_char() needs exactly 8 characters")
    total = sum(_org_value(ch) * w for ch, w in zip(body8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 10:
        return "X"
    if check == 11:
        return "0"
    return str(check)


@dataclass(frozen=True)
class CreditCode:
    """A parsed, valid 统一社会信用代码."""

    code: str
    authority_code: str
    """Position 1: 登记管理部门码."""
    authority_label: str
    category_code: str
    """Position 2: 机构类别码."""
    category_label: str
    """Chinese label; ``"未知"`` when the category is not defined for the authority."""
    region_code: str
    """Positions 3-8: 登记管理机关行政区划码."""
    org_code: str
    """Positions 9-17: 主体标识码 (组织机构代码)."""

    @property
    def is_two_new_candidate(self) -> bool:
        """True for 91/92/93 (enterprises etc.) and 51/52/53 (social organisations)."""
        return self.code[:2] in _TWO_NEW_PREFIXES


def parse_credit_code(value: str, *, check_org_code: bool = False) -> CreditCode:
    """Parse and validate a 统一社会信用代码.

    Whitespace is removed, full-width characters normalised, letters upper-cased. Checks, in
    this order: length, alphabet, GB 32100 check character, registration-authority code and,
    when ``check_org_code`` is true, the GB 11714 check of the embedded organisation code.
    """
    code = _clean(value).upper()
    if len(code) != 18:
        raise ValidationFailure("bad_length", "长度应为18位")
    if not set(code) <= _CREDIT_CHARS:
        raise ValidationFailure("bad_charset", "含有非法字符")
    if credit_code_check_char(code[:17]) != code[17]:
        raise ValidationFailure("bad_check_digit", "校验位错误")
    authority = code[0]
    if authority not in _AUTHORITIES:
        raise ValidationFailure("bad_authority", "登记管理部门码无效")
    org_code = code[8:17]
    if check_org_code and org_code_check_char(org_code[:8]) != org_code[8]:
        raise ValidationFailure("bad_org_code_check_digit", "组织机构代码校验位错误")
    category = code[1]
    return CreditCode(
        code=code,
        authority_code=authority,
        authority_label=_AUTHORITIES[authority],
        category_code=category,
        category_label=_CATEGORIES[authority].get(category, "未知"),
        region_code=code[2:8],
        org_code=org_code,
    )


def validate_credit_code(value: str) -> str:
    """Validate a 统一社会信用代码 and return it normalised (upper case, no spaces)."""
    return parse_credit_code(value).code


# ---------------------------------------------------------------------------------------------
# Mobile numbers
# ---------------------------------------------------------------------------------------------

_MOBILE_RE: Final = re.compile(r"1[3-9][0-9]{9}")
_MOBILE_SEPARATORS: Final = re.compile(r"[\s\-]+")


def validate_mobile(value: str) -> str:
    """Validate a mainland mobile number and return its 11 digits.

    Spaces and hyphens are ignored; a leading ``+86``, ``0086`` or ``86`` is removed.
    """
    text = _MOBILE_SEPARATORS.sub("", unicodedata.normalize("NFKC", value))
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    elif text.startswith("86") and len(text) == 13:
        text = text[2:]
    if not _MOBILE_RE.fullmatch(text):
        raise ValidationFailure("bad_mobile", "请填写11位手机号码")
    return text
