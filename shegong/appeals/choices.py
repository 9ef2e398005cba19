"""Appeal kinds, channels, states and the transition tables (the workflow as data).

Sources: 信访工作条例 (2022) 第十七、二十、二十九~三十一条; 北京市接诉即办工作条例 第二、十一、
十二、十六条; domain-rules §1–3. docs/appeals.md's state diagram is generated from these.
"""

from __future__ import annotations

from django.db import models


class Stream(models.TextChoices):
    PETITION = "xf", "信访"
    HOTLINE = "hotline", "12345热线"
    SUGGESTION = "suggestion", "人民建议"


class AppealKind(models.TextChoices):
    XF_SUGGESTION = "xf_suggestion", "信访·建议意见类"
    XF_ACCUSATION = "xf_accusation", "信访·检举控告类"
    XF_CLAIM = "xf_claim", "信访·申诉求决类"
    HL_CONSULT = "hl_consult", "热线·咨询"
    HL_HELP = "hl_help", "热线·求助"
    HL_COMPLAINT = "hl_complaint", "热线·投诉"
    HL_REPORT = "hl_report", "热线·举报"
    HL_SUGGEST = "hl_suggest", "热线·建议"
    PEOPLE_SUGGESTION = "people_suggestion", "人民建议"


KIND_STREAM: dict[str, str] = {
    AppealKind.XF_SUGGESTION: Stream.PETITION,
    AppealKind.XF_ACCUSATION: Stream.PETITION,
    AppealKind.XF_CLAIM: Stream.PETITION,
    AppealKind.HL_CONSULT: Stream.HOTLINE,
    AppealKind.HL_HELP: Stream.HOTLINE,
    AppealKind.HL_COMPLAINT: Stream.HOTLINE,
    AppealKind.HL_REPORT: Stream.HOTLINE,
    AppealKind.HL_SUGGEST: Stream.HOTLINE,
    AppealKind.PEOPLE_SUGGESTION: Stream.SUGGESTION,
}

# Registration-number prefixes, e.g. XF20261129000123.
STREAM_PREFIX = {Stream.PETITION: "XF", Stream.HOTLINE: "RX", Stream.SUGGESTION: "JY"}


class Channel(models.TextChoices):
    """信访工作条例 第十七条: 信息网络、书信、电话、传真、走访; plus the platform's own API."""

    PORTAL = "portal", "网上（群众门户）"
    LETTER = "letter", "来信"
    VISIT = "visit", "来访"
    PHONE = "phone", "来电"
    FAX = "fax", "传真"
    WEB = "web", "其他网络平台"
    API = "api", "接口"


class Urgency(models.TextChoices):
    """Hotline handling classes (DB11/T 2021 draft: 2 h / 24 h / 7 d / 15 d)."""

    URGENT = "urgent", "突发/生命财产安全"
    UTILITY = "utility", "水电气热"
    NORMAL = "normal", "一般"
    COMPLEX = "complex", "复杂疑难"


class AppealStatus(models.TextChoices):
    REGISTERED = "registered", "已登记"
    ACCEPTED = "accepted", "已受理待派单"
    DISPATCHED = "dispatched", "办理中"
    REPLIED = "replied", "已答复"
    CLOSED = "closed", "已办结"
    REJECTED = "rejected", "不予受理"
    REDIRECTED = "redirected", "已告知其他途径"
    FORWARDED = "forwarded", "已转送"
    MERGED = "merged", "已合并"


OPEN_APPEAL_STATES = {
    AppealStatus.REGISTERED,
    AppealStatus.ACCEPTED,
    AppealStatus.DISPATCHED,
    AppealStatus.REPLIED,
}


class AppealAction(models.TextChoices):
    ACCEPT = "accept", "受理"
    REJECT = "reject", "不予受理"
    REDIRECT = "redirect", "告知其他法定途径"
    FORWARD = "forward", "转送其他机关"
    DISPATCH = "dispatch", "派单"
    RETURNED = "returned", "主办单位退单"
    REPLY = "reply", "答复"
    CLOSE = "close", "办结"
    MERGE = "merge", "合并"
    REDO = "redo", "重办"


# (from, action) -> to. Anything else is refused with TransitionNotAllowed.
APPEAL_TRANSITIONS: dict[tuple[str, str], str] = {
    (AppealStatus.REGISTERED, AppealAction.ACCEPT): AppealStatus.ACCEPTED,
    (AppealStatus.REGISTERED, AppealAction.REJECT): AppealStatus.REJECTED,
    (AppealStatus.REGISTERED, AppealAction.REDIRECT): AppealStatus.REDIRECTED,
    (AppealStatus.REGISTERED, AppealAction.FORWARD): AppealStatus.FORWARDED,
    (AppealStatus.ACCEPTED, AppealAction.FORWARD): AppealStatus.FORWARDED,
    # 即时派单 (接诉即办条例 第十一条): dispatching a registered hotline appeal accepts it.
    (AppealStatus.REGISTERED, AppealAction.DISPATCH): AppealStatus.DISPATCHED,
    (AppealStatus.ACCEPTED, AppealAction.DISPATCH): AppealStatus.DISPATCHED,
    (AppealStatus.DISPATCHED, AppealAction.DISPATCH): AppealStatus.DISPATCHED,
    (AppealStatus.DISPATCHED, AppealAction.RETURNED): AppealStatus.ACCEPTED,
    (AppealStatus.DISPATCHED, AppealAction.REPLY): AppealStatus.REPLIED,
    (AppealStatus.REPLIED, AppealAction.CLOSE): AppealStatus.CLOSED,
    # 回访 不满意 or 未解决 → 重办 (a new handling round, counted against the first).
    (AppealStatus.REPLIED, AppealAction.REDO): AppealStatus.DISPATCHED,
    (AppealStatus.REGISTERED, AppealAction.MERGE): AppealStatus.MERGED,
    (AppealStatus.ACCEPTED, AppealAction.MERGE): AppealStatus.MERGED,
    (AppealStatus.DISPATCHED, AppealAction.MERGE): AppealStatus.MERGED,
}


class WorkOrderRole(models.TextChoices):
    LEAD = "lead", "主办"
    ASSIST = "assist", "协办"
    WHISTLE = "whistle", "报到（吹哨）"


class WorkOrderStatus(models.TextChoices):
    PENDING = "pending", "待签收"
    SIGNED = "signed", "办理中"
    RETURNED = "returned", "已退单"
    REPLIED = "replied", "已答复"
    CLOSED = "closed", "已办结"
    CANCELLED = "cancelled", "已撤回"


OPEN_ORDER_STATES = {WorkOrderStatus.PENDING, WorkOrderStatus.SIGNED}


class WorkOrderAction(models.TextChoices):
    SIGN = "sign", "签收"
    RETURN = "return", "退单"
    EXTEND = "extend", "延期"
    REPLY = "reply", "答复/报告"
    CLOSE = "close", "办结"
    CANCEL = "cancel", "撤回（改派）"


WORK_ORDER_TRANSITIONS: dict[tuple[str, str], str] = {
    (WorkOrderStatus.PENDING, WorkOrderAction.SIGN): WorkOrderStatus.SIGNED,
    (WorkOrderStatus.PENDING, WorkOrderAction.RETURN): WorkOrderStatus.RETURNED,
    (WorkOrderStatus.SIGNED, WorkOrderAction.RETURN): WorkOrderStatus.RETURNED,
    (WorkOrderStatus.SIGNED, WorkOrderAction.EXTEND): WorkOrderStatus.SIGNED,
    (WorkOrderStatus.SIGNED, WorkOrderAction.REPLY): WorkOrderStatus.REPLIED,
    (WorkOrderStatus.REPLIED, WorkOrderAction.CLOSE): WorkOrderStatus.CLOSED,
    (WorkOrderStatus.PENDING, WorkOrderAction.CANCEL): WorkOrderStatus.CANCELLED,
    (WorkOrderStatus.SIGNED, WorkOrderAction.CANCEL): WorkOrderStatus.CANCELLED,
}


class RedirectChannel(models.TextChoices):
    """诉访分离 (信访工作条例 第二十二、二十八、三十一条; 接诉即办条例 第十一条第三款)."""

    LITIGATION = "litigation", "诉讼（人民法院）"
    PROCURATORATE = "procuratorate", "检察机关"
    PUBLIC_SECURITY = "public_security", "公安机关法定程序"
    ARBITRATION = "arbitration", "仲裁"
    ADMIN_REVIEW = "admin_review", "行政复议/行政裁决"
    DISCIPLINE = "discipline", "纪检监察机关"
    PARTY_APPEAL = "party_appeal", "党员申诉"
    INFO_DISCLOSURE = "info_disclosure", "政府信息公开"
    EMERGENCY = "emergency", "紧急事项（110/119/120/122）"
    MARKET = "market", "市场或社会渠道"
    OTHER = "other", "其他法定途径"


class EventKind(models.TextChoices):
    REGISTERED = "registered", "登记"
    REVISITED = "revisited", "回访"
    REDONE = "redone", "重办"
    REVIEW_REQUESTED = "review_requested", "申请复查/复核"
    REVIEW_DECIDED = "review_decided", "复查/复核意见"
    HEARING = "hearing", "听证"
    SUPERVISED = "supervised", "督办"
    SUPERVISION_REPORTED = "supervision_reported", "督办进展"
    INFO_ADDED = "info_added", "群众补充材料"
    ACCEPTED = "accepted", "受理"
    REJECTED = "rejected", "不予受理"
    REDIRECTED = "redirected", "告知其他途径"
    FORWARDED = "forwarded", "转送"
    DISPATCHED = "dispatched", "派单"
    SIGNED = "signed", "签收"
    RETURNED = "returned", "退单"
    REASSIGNED = "reassigned", "改派"
    ESCALATED = "escalated", "属地兜底/升级"
    CONTACTED = "contacted", "联系诉求人"
    NOTE = "note", "办理记录"
    EXTENSION_REQUESTED = "extension_requested", "申请延期"
    EXTENSION_DECIDED = "extension_decided", "延期审批"
    REPLIED = "replied", "答复"
    CLOSED = "closed", "办结"
    MERGED = "merged", "合并"
    SPLIT = "split", "拆分"
    WARNED = "warned", "临期提醒"
    BREACHED = "breached", "超期"
    WHISTLE = "whistle", "吹哨"
    REPORTED = "reported", "报到反馈"


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "未批准"


class ClockKey(models.TextChoices):
    TRIAGE = "triage", "受理/告知时限"
    SIGN = "sign", "签收时限"
    HANDLE = "handle", "办理时限"
    OBJECTION = "objection", "退单（异议）时限"
    REVISIT = "revisit", "回访时限"
    REVIEW_REQUEST = "review_request", "复查申请期限"
    REVIEW_DECIDE = "review_decide", "复查办理时限"
    RECHECK_REQUEST = "recheck_request", "复核申请期限"
    RECHECK_DECIDE = "recheck_decide", "复核办理时限"


class TimeUnit(models.TextChoices):
    NATURAL_DAY = "natural_day", "自然日"
    WORKING_DAY = "working_day", "工作日"
    HOUR = "hour", "小时"


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASIC = "basic", "基本满意"
    DISSATISFIED = "dissatisfied", "不满意"


class RevisitMethod(models.TextChoices):
    PORTAL = "portal", "群众网上评价"
    PHONE = "phone", "电话回访"
    SMS = "sms", "短信回访"
    VISIT = "visit", "上门回访"


class ReviewLevel(models.TextChoices):
    """信访工作条例 第三十五条 复查, 第三十六条 复核."""

    REVIEW = "review", "复查"
    RECHECK = "recheck", "复核"


class ReviewOutcome(models.TextChoices):
    UPHOLD = "uphold", "维持原处理意见"
    CHANGE = "change", "变更原处理意见"
    REVOKE = "revoke", "撤销并重新办理"


class RedoTarget(models.TextChoices):
    SAME = "same", "原承办单位"
    ABOVE = "above", "上一级单位"
