"""Anonymisation (匿名化) of appeal texts: before they are published (suggestions) and when a
closed appeal is anonymised after its years (appeals.services.anonymise). Pure Python, no Django.

Unlike display masking (``shegong.lib.masking``), the result is meant for the public: it
must not let a reader identify the citizen (个人信息保护法 第七十三条(四) 匿名化; 信访工作条例
第四十六条(五) on disclosure). The rules are deliberately blunt — a published text that lost a
harmless number is better than one that kept a phone number:

- first, everything the display masker finds (``shegong.lib.masking.find_identifiers``:
  ID numbers in 6-8-4 groups, bank cards in groups of four, landlines like ``0571 8888 8888``
  or ``+86-571-88888888``, mobiles grouped or dotted, e-mail addresses with a full-width
  ``＠``), replaced whole — the same detector the staff screens use, so the public page never
  shows less masking than they do;
- then every run of 7 or more digits (phone, ID, bank card, QQ, case numbers), with a trailing
  ID check letter ``X``; mobile numbers written ``138 1234 5678`` / ``138-1234-5678``;
  landlines ``0571-8888888``; full-width digits count as digits;
- e-mail addresses and car plates;
- the names we know (the petitioner's, the representatives') and ``我叫…`` / ``姓名：…``;
- house numbers below community level: ``3号楼``, ``12栋``, ``2单元``, ``501室``,
  ``人民路18号``, ``三楼``, ``3-2-501``. Street and community names stay (the page shows
  places at community level at most).

``scrub`` is idempotent: scrubbing its own output changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from shegong.lib.masking import redact_identifiers

NUMBER = "[号码已隐去]"
EMAIL = "[邮箱已隐去]"
PLATE = "[车牌已隐去]"
DOOR = "[门牌已隐去]"
PERSON = "某某"

_D = "[0-9０-９]"
_CN_NUM = "[一二三四五六七八九十百零〇两]"

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_MOBILE_SPACED = re.compile(rf"(?:\+?86[\s-]?)?1{_D}{{2}}[\s-]{_D}{{4}}[\s-]{_D}{{4}}")
_LANDLINE = re.compile(rf"0{_D}{{2,3}}[\s-]{_D}{{7,8}}")
_DIGIT_RUN = re.compile(rf"{_D}{{7,}}[XxＸｘ]?")
_PLATE = re.compile(
    "[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领][A-Z][A-Z0-9]{5,6}"
)
# 3-2-501 (building-unit-room), but not a date like 2026-03-15.
_DOOR_DASHED = re.compile(
    rf"(?<![0-9０-９])(?!{_D}{{4}}-{_D}{{1,2}}-{_D}{{1,2}}(?![0-9０-９-])){_D}+-{_D}+(?:-{_D}+)+"
)
# A day of the month ("3月5号") is not a house number: no match right after 月 or a digit.
_HOUSE = re.compile(
    rf"(?<![月0-9０-９一二三四五六七八九十百零〇两])(?:{_D}+|{_CN_NUM}+)\s*"
    r"(号楼|号院|栋|幢|单元|室|弄|号(?!线)|楼(?![盘宇道梯])|层)"
)
_SELF_NAMED = re.compile(r"(我叫|本人姓名|姓名[:：]\s*)([\u4e00-\u9fff]{2,4})")


def scrub(text: str, names: Iterable[str] = ()) -> str:
    """Return ``text`` with personal data replaced by neutral placeholders."""
    if not text:
        return ""
    result = redact_identifiers(text, {"email": EMAIL, "*": NUMBER})
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len)[::-1]:
        result = result.replace(name, PERSON)
    result = _SELF_NAMED.sub(lambda m: m.group(1) + PERSON, result)
    result = _EMAIL.sub(EMAIL, result)
    result = _MOBILE_SPACED.sub(NUMBER, result)
    result = _LANDLINE.sub(NUMBER, result)
    result = _DIGIT_RUN.sub(NUMBER, result)
    result = _PLATE.sub(PLATE, result)
    result = _DOOR_DASHED.sub(DOOR, result)
    result = _HOUSE.sub(lambda m: "某" + m.group(1), result)
    return result


_SELF_INTRO = re.compile(r"(?:我叫|我是|本人姓名|本人|姓名[:：]\s*)某某[，,。；;]?\s*")
_CONTACT = re.compile(
    r"(?:我的|本人)?(?:联系)?(?:电话|手机号码|手机号|手机|联系方式|身份证号码|身份证号|身份证)"
    r"(?:是|为|[:：])?\s*\[号码已隐去\][，,。；;]?\s*"
)


def tidy(text: str) -> str:
    """Drop what scrubbing left empty ("我叫某某，电话[号码已隐去]。") from a scrubbed text,
    so the public reads the matter, not a row of placeholders."""
    result = _CONTACT.sub("", _SELF_INTRO.sub("", text or ""))
    return result.strip(" ，,；;")


def summarise(text: str, limit: int = 300) -> str:
    """The first ``limit`` characters at a sentence end where possible (for the public
    list); scrub first, then cut, so a cut never splits a number out of the scrubber."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    for mark in ("。", "！", "？", "；"):
        index = cut.rfind(mark)
        if index >= limit // 2:
            return cut[: index + 1]
    return cut + "…"
