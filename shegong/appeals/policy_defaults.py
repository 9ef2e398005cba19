"""Default policies from ../shared/docs/domain-rules.md (§1, §2, §3, §11).

Every value is a default an administrator can change by publishing a new policy version.
Values marked "platform default" have no national text behind them; the docs say so.
"""

from __future__ import annotations

from typing import Any

from .choices import AppealKind, ClockKey, TimeUnit, Urgency

XF = "信访工作条例（2022）"

_PETITION: dict[str, Any] = {
    "legal_basis": f"{XF} 第二十二、二十三、三十四条",
    "max_representatives": 5,  # 第二十条第三款
    "max_extension_days": 30,  # 第三十四条
    "max_extensions": 1,
    "returns_before_escalation": 2,
    "warn_hours": 72,
    "escalate_after_hours": 24,
    "clocks": [
        (
            ClockKey.TRIAGE,
            "",
            15,
            TimeUnit.NATURAL_DAY,
            f"{XF} 第二十二条、第二十三条（15日内转送/交办或书面告知）",
        ),
        (
            ClockKey.OBJECTION,
            "",
            5,
            TimeUnit.WORKING_DAY,
            f"{XF} 第二十三条第三款（5个工作日内提出异议）",
        ),
        (ClockKey.SIGN, "", 3, TimeUnit.WORKING_DAY, "平台默认（可调整）"),
        (ClockKey.HANDLE, "", 60, TimeUnit.NATURAL_DAY, f"{XF} 第三十四条（受理之日起60日内办结）"),
        (ClockKey.REVISIT, "", 7, TimeUnit.NATURAL_DAY, "平台默认：答复后7日内回访（可调整）"),
        (
            ClockKey.REVIEW_REQUEST,
            "",
            30,
            TimeUnit.NATURAL_DAY,
            f"{XF} 第三十五条（收到书面答复之日起30日内请求复查）",
        ),
        (
            ClockKey.REVIEW_DECIDE,
            "",
            30,
            TimeUnit.NATURAL_DAY,
            f"{XF} 第三十五条（收到复查请求之日起30日内提出复查意见）",
        ),
        (
            ClockKey.RECHECK_REQUEST,
            "",
            30,
            TimeUnit.NATURAL_DAY,
            f"{XF} 第三十六条（收到复查意见之日起30日内请求复核）",
        ),
        (
            ClockKey.RECHECK_DECIDE,
            "",
            30,
            TimeUnit.NATURAL_DAY,
            f"{XF} 第三十六条（收到复核请求之日起30日内，听证时间不计算在内）",
        ),
    ],
}

_HOTLINE: dict[str, Any] = {
    "legal_basis": "北京市接诉即办工作条例 第十一、十三、十五条；DB11/T 2021（征求意见稿）",
    "max_representatives": 5,
    "max_extension_days": 10,  # 山东省政务服务热线管理办法: 延期一般不超过10个工作日 (example)
    "max_extensions": 1,
    "returns_before_escalation": 2,
    "warn_hours": 24,
    "escalate_after_hours": 24,
    "clocks": [
        (ClockKey.TRIAGE, "", 2, TimeUnit.HOUR, "DB11/T 2021 征求意见稿（网络渠道受理≤2小时）"),
        (
            ClockKey.OBJECTION,
            "",
            2,
            TimeUnit.WORKING_DAY,
            "山东省政务服务热线管理办法（2个工作日内退回）",
        ),
        (ClockKey.SIGN, "", 24, TimeUnit.HOUR, "平台默认（可调整）"),
        (
            ClockKey.HANDLE,
            Urgency.URGENT,
            2,
            TimeUnit.HOUR,
            "DB11/T 2021 征求意见稿（突发/生命财产 2小时）",
        ),
        (
            ClockKey.HANDLE,
            Urgency.UTILITY,
            24,
            TimeUnit.HOUR,
            "DB11/T 2021 征求意见稿（水电气热 24小时）",
        ),
        (
            ClockKey.HANDLE,
            Urgency.NORMAL,
            7,
            TimeUnit.NATURAL_DAY,
            "DB11/T 2021 征求意见稿（一般诉求 7天）",
        ),
        (
            ClockKey.HANDLE,
            Urgency.COMPLEX,
            15,
            TimeUnit.NATURAL_DAY,
            "DB11/T 2021 征求意见稿（复杂疑难 15天）",
        ),
        (
            ClockKey.REVISIT,
            "",
            3,
            TimeUnit.NATURAL_DAY,
            "接诉即办条例 第二十三条（时限届满回访；平台默认答复后3日内）",
        ),
    ],
}

_SUGGESTION: dict[str, Any] = {
    "legal_basis": f"{XF} 第二十九条；上海市人民建议征集若干规定",
    "max_representatives": 5,
    "max_extension_days": 30,
    "max_extensions": 1,
    "returns_before_escalation": 2,
    "warn_hours": 72,
    "escalate_after_hours": 48,
    "clocks": [
        (ClockKey.TRIAGE, "", 15, TimeUnit.NATURAL_DAY, f"{XF} 第二十三条（参照）"),
        (ClockKey.OBJECTION, "", 5, TimeUnit.WORKING_DAY, f"{XF} 第二十三条第三款（参照）"),
        (ClockKey.SIGN, "", 3, TimeUnit.WORKING_DAY, "平台默认（可调整）"),
        (ClockKey.HANDLE, "", 30, TimeUnit.NATURAL_DAY, "平台默认：上海规定未设时限，由本地规定"),
        (ClockKey.REVISIT, "", 7, TimeUnit.NATURAL_DAY, "平台默认：答复后7日内回访（可调整）"),
    ],
}

DEFAULTS: dict[str, dict[str, Any]] = {
    AppealKind.XF_SUGGESTION: _PETITION,
    AppealKind.XF_ACCUSATION: _PETITION,
    AppealKind.XF_CLAIM: _PETITION,
    AppealKind.HL_CONSULT: _HOTLINE,
    AppealKind.HL_HELP: _HOTLINE,
    AppealKind.HL_COMPLAINT: _HOTLINE,
    AppealKind.HL_REPORT: _HOTLINE,
    AppealKind.HL_SUGGEST: _HOTLINE,
    AppealKind.PEOPLE_SUGGESTION: _SUGGESTION,
}
