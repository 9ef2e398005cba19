"""Enumerations of the volunteer service (志愿服务)."""

from __future__ import annotations

from django.db import models


class Gender(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class VolunteerStatus(models.TextChoices):
    ACTIVE = "active", "在册"
    SUSPENDED = "suspended", "暂停"


class RegistrationSource(models.TextChoices):
    PORTAL = "portal", "本人网上注册"
    STAFF = "staff", "工作人员代为登记"
    IMPORT = "import", "批量导入"


class GuardianConsent(models.TextChoices):
    """How a minor's guardian consent was established (山东 第十条, 上海 第十三条)."""

    SMS = "sms", "监护人短信确认"
    STAFF = "staff", "经办人核验书面同意"
    IMPORT = "import", "导入单位核验"
    DECLARED = "declared", "勾选声明（旧记录）"


class ServiceCategory(models.TextChoices):
    """服务类别 (志愿服务记录与证明出具办法 第五条 requires it on the record)."""

    COMMUNITY = "community", "社区服务"
    ELDERLY = "elderly", "关爱老人"
    CHILDREN = "children", "关爱少年儿童"
    DISABLED = "disabled", "助残服务"
    ENVIRONMENT = "environment", "环境保护"
    CIVILISATION = "civilisation", "文明实践"
    EMERGENCY = "emergency", "应急救援"
    CULTURE = "culture", "文化教育"
    HEALTH = "health", "医疗卫生"
    LEGAL = "legal", "法律服务"
    OTHER = "other", "其他"


class Availability(models.TextChoices):
    WEEKDAY_DAY = "weekday_day", "工作日白天"
    WEEKDAY_EVENING = "weekday_evening", "工作日晚上"
    WEEKEND = "weekend", "周末"
    HOLIDAY = "holiday", "节假日"


class TeamKind(models.TextChoices):
    TEAM = "team", "志愿服务队"
    ORGANIZATION = "organization", "志愿服务组织"


class MemberRole(models.TextChoices):
    MEMBER = "member", "队员"
    CAPTAIN = "captain", "队长"


class ActivityStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "招募中"
    CLOSED = "closed", "已结束"
    CANCELLED = "cancelled", "已取消"


ACTIVITY_TRANSITIONS: dict[str, frozenset[str]] = {
    ActivityStatus.DRAFT: frozenset({ActivityStatus.PUBLISHED, ActivityStatus.CANCELLED}),
    ActivityStatus.PUBLISHED: frozenset({ActivityStatus.CLOSED, ActivityStatus.CANCELLED}),
    ActivityStatus.CLOSED: frozenset(),
    ActivityStatus.CANCELLED: frozenset(),
}


class SignupStatus(models.TextChoices):
    CONFIRMED = "confirmed", "已录用"
    WAITLISTED = "waitlisted", "候补"
    CANCELLED = "cancelled", "已取消"


ACTIVE_SIGNUP_STATES = (SignupStatus.CONFIRMED, SignupStatus.WAITLISTED)


class AttendanceState(models.TextChoices):
    NONE = "none", "未签到"
    IN = "in", "已签到"
    OUT = "out", "已签退"
    CONFIRMED = "confirmed", "时长已确认"
    ABSENT = "absent", "缺席"


class CheckMethod(models.TextChoices):
    QR = "qr", "扫码"
    MANAGER = "manager", "管理员代签"


class EntryKind(models.TextChoices):
    """What a ledger entry records. Corrections are reversing entries, never edits."""

    SERVICE = "service", "活动服务时长"
    IMPORT = "import", "补录（批量导入）"
    DUAL_REPORT = "dual_report", "双报到社区服务"
    REVERSAL = "reversal", "冲正"


class CertificateStatus(models.TextChoices):
    VALID = "valid", "有效"
    REVOKED = "revoked", "已作废"


class VerifyVerdict(models.TextChoices):
    GENUINE = "genuine", "真实有效"
    REVOKED = "revoked", "已作废"
    ALTERED = "altered", "证明内容被篡改"
    LEDGER_TAMPERED = "ledger_tampered", "时长记录被篡改"
    SUPERSEDED = "superseded", "记录已更正，证明失效"
    RECORDS_TAMPERED = "records_tampered", "培训、表彰记录被篡改"
    NOT_FOUND = "not_found", "查无此证明"
    THROTTLED = "throttled", "查验过于频繁"


class RecordStatus(models.TextChoices):
    """A training, award or evaluation record: corrected in place (audited) or voided
    (作废, kept with its reason), never deleted (记录办法 第十三条)."""

    VALID = "valid", "有效"
    VOIDED = "voided", "已作废"


class RecordKind(models.TextChoices):
    TRAINING = "training", "培训记录"
    AWARD = "award", "表彰奖励"
    EVALUATION = "evaluation", "服务评价"


class AwardLevel(models.TextChoices):
    """Level of the awarding body. Government awards at county level or higher are
    recorded once the volunteer provides proof (记录办法 第九条)."""

    NATIONAL = "national", "国家级"
    PROVINCIAL = "provincial", "省级"
    CITY = "city", "市级"
    COUNTY = "county", "县（区）级"
    OTHER = "other", "其他"


# Levels at which a government award needs the volunteer's proof (第九条: 县级以上).
PROOF_LEVELS = frozenset(
    {AwardLevel.NATIONAL, AwardLevel.PROVINCIAL, AwardLevel.CITY, AwardLevel.COUNTY}
)


class EvaluationRating(models.TextChoices):
    """服务质量评价 (记录办法 第十条)."""

    EXCELLENT = "excellent", "优秀"
    GOOD = "good", "良好"
    PASS = "pass", "合格"
    FAIL = "fail", "不合格"
