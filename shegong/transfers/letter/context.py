"""What the 介绍信 says, as plain values (the DOCX template's context and the PDF's text).

The member's name is printed in full (the letter is carried by the member to the receiving
organization); the ID number is masked (``Sensitive`` masks by default: first 6 and last 4
characters kept, domain-rules §8 treats 组织关系 data as sensitive).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shegong.core.pii import plain
from shegong.lib.partyrules.months import age_on

from ..models import Transfer

KEY = "transfers.letter"


def cn_date(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def cn_month(day: date | None) -> str:
    return f"{day.year}年{day.month}月" if day else "（未填写）"


@dataclass(frozen=True)
class LetterText:
    number: str
    title: str
    salutation: str
    paragraphs: tuple[str, ...]
    issuer: str
    date_label: str
    footer: str


def letter_context(transfer: Transfer, *, today: date) -> dict[str, object]:
    member = transfer.member
    origin = transfer.from_organization
    # the sending branch's 上级党委 issues the letter (as ``services.scope.superior_of``)
    issuer = (origin.parent or origin).name if origin is not None else transfer.from_label
    issued = transfer.letter_issued_on
    valid_until = transfer.letter_valid_until
    valid_days = (valid_until - issued).days if issued and valid_until else 0
    age = age_on(member.birth_date, issued or today) if member.birth_date else None
    return {
        "letter_number": transfer.number,
        "member_name": plain(member.name),
        "gender": member.get_gender_display(),
        "age": f"{age}" if age is not None else "",
        "ethnicity": member.ethnicity or "",
        "stage_label": "预备党员" if member.stage == "probationary" else "正式党员",
        "id_number_masked": str(member.id_number),
        "from_organization": transfer.from_label,
        "to_organization": transfer.to_label,
        "dues_paid_through": cn_month(transfer.dues_paid_through),
        "reason": transfer.reason,
        "issue_date": cn_date(issued),
        "valid_until": cn_date(valid_until),
        "valid_days": f"{valid_days}",
        "issuer": issuer,
        "expired": transfer.letter_expired(today),
    }


def sample_context() -> dict[str, object]:
    return {
        "letter_number": "ZJ2026000001",
        "member_name": "张三",
        "gender": "男",
        "age": "35",
        "ethnicity": "汉",
        "stage_label": "正式党员",
        "id_number_masked": "110101********1234",
        "from_organization": "中共北一社区支部委员会",
        "to_organization": "中共南一社区支部委员会",
        "dues_paid_through": "2026年5月",
        "reason": "工作调动",
        "issue_date": "2026年6月10日",
        "valid_until": "2026年9月10日",
        "valid_days": "92",
        "issuer": "中共北街道工作委员会",
        "expired": False,
    }


def letter_text(context: dict[str, object]) -> LetterText:
    """The letter's wording for the PDF (the DOCX default template says the same)."""
    c = {k: str(v) for k, v in context.items()}
    person = f"{c['member_name']}同志（{c['gender']}"
    if c["age"]:
        person += f"，{c['age']}岁"
    if c["ethnicity"]:
        person += f"，{c['ethnicity']}族"
    person += "）"
    body = (
        f"{person}，系中共{c['stage_label']}，身份证号码{c['id_number_masked']}，"
        f"由{c['from_organization']}转到{c['to_organization']}，请转接组织关系。"
        f"该同志党费已交到{c['dues_paid_through']}。"
    )
    validity = f"（有效期{c['valid_days']}天，至{c['valid_until']}止）"
    paragraphs = [body, validity]
    if context.get("expired"):
        paragraphs.append("注意：本介绍信已超过有效期，请转出方重新开具。")
    return LetterText(
        number=c["letter_number"],
        title="中国共产党党员组织关系介绍信",
        salutation=f"{c['to_organization']}：",
        paragraphs=tuple(paragraphs),
        issuer=f"{c['issuer']}（盖章）",
        date_label=c["issue_date"],
        footer="党员联系电话、原党组织联系电话及回执由转出方填写，回执请寄回转出方党委。",
    )
