"""Enumerations of the organizations app (labels are what clerks read)."""

from __future__ import annotations

from django.db import models


class OrgKind(models.TextChoices):
    """Kinds of grass-roots party organization (党章 第三十条; 支部工作条例 第二章)."""

    COMMITTEE = "committee", "党委"
    GENERAL_BRANCH = "general_branch", "党总支"
    BRANCH = "branch", "党支部"
    JOINT_BRANCH = "joint_branch", "联合党支部"
    TEMPORARY_BRANCH = "temporary_branch", "临时党支部"


BRANCH_KINDS = (OrgKind.BRANCH, OrgKind.JOINT_BRANCH, OrgKind.TEMPORARY_BRANCH)


class OrgStatus(models.TextChoices):
    ACTIVE = "active", "正常"
    DISSOLVED = "dissolved", "已撤销"
    MERGED = "merged", "已合并"


class CommitteePost(models.TextChoices):
    """Posts in the order they are listed (书记 first)."""

    SECRETARY = "secretary", "书记"
    DEPUTY_SECRETARY = "deputy", "副书记"
    ORGANIZATION = "organization", "组织委员"
    PROPAGANDA = "propaganda", "宣传委员"
    DISCIPLINE = "discipline", "纪检委员"
    MEMBER = "member", "委员"


class HistoryKind(models.TextChoices):
    FOUNDED = "founded", "成立"
    CHANGED = "changed", "信息变更"
    MOVED = "moved", "调整隶属关系"
    MERGED_INTO = "merged_into", "并入其他组织"
    ABSORBED = "absorbed", "接收合并"
    RE_ELECTED = "re_elected", "换届"
    DISSOLVED = "dissolved", "撤销"


class EntityKind(models.TextChoices):
    """What the registry holds: 新经济组织, 新社会组织, 行业协会商会, 新就业群体平台."""

    ENTERPRISE = "enterprise", "企业（新经济组织）"
    SOCIAL_ORG = "social_org", "社会组织（新社会组织）"
    ASSOCIATION = "association", "行业协会商会"
    PLATFORM = "platform", "新就业群体平台企业"


ENTITY_KIND_ALIASES: dict[str, str] = {
    "企业": EntityKind.ENTERPRISE,
    "非公企业": EntityKind.ENTERPRISE,
    "新经济组织": EntityKind.ENTERPRISE,
    "企业（新经济组织）": EntityKind.ENTERPRISE,
    "社会组织": EntityKind.SOCIAL_ORG,
    "新社会组织": EntityKind.SOCIAL_ORG,
    "社会组织（新社会组织）": EntityKind.SOCIAL_ORG,
    "社会团体": EntityKind.SOCIAL_ORG,
    "民办非企业单位": EntityKind.SOCIAL_ORG,
    "社会服务机构": EntityKind.SOCIAL_ORG,
    "基金会": EntityKind.SOCIAL_ORG,
    "行业协会商会": EntityKind.ASSOCIATION,
    "行业协会": EntityKind.ASSOCIATION,
    "商会": EntityKind.ASSOCIATION,
    "平台": EntityKind.PLATFORM,
    "平台企业": EntityKind.PLATFORM,
    "新就业群体平台": EntityKind.PLATFORM,
    "新就业群体平台企业": EntityKind.PLATFORM,
}


class Industry(models.TextChoices):
    """GB/T 4754-2017 《国民经济行业分类》 门类 (sections A–T)."""

    A = "A", "A 农、林、牧、渔业"
    B = "B", "B 采矿业"
    C = "C", "C 制造业"
    D = "D", "D 电力、热力、燃气及水生产和供应业"
    E = "E", "E 建筑业"
    F = "F", "F 批发和零售业"
    G = "G", "G 交通运输、仓储和邮政业"
    H = "H", "H 住宿和餐饮业"
    I = "I", "I 信息传输、软件和信息技术服务业"  # noqa: E741 — the standard's letter
    J = "J", "J 金融业"
    K = "K", "K 房地产业"
    L = "L", "L 租赁和商务服务业"
    M = "M", "M 科学研究和技术服务业"
    N = "N", "N 水利、环境和公共设施管理业"
    O = "O", "O 居民服务、修理和其他服务业"  # noqa: E741 — the standard's letter
    P = "P", "P 教育"
    Q = "Q", "Q 卫生和社会工作"
    R = "R", "R 文化、体育和娱乐业"
    S = "S", "S 公共管理、社会保障和社会组织"
    T = "T", "T 国际组织"


def industry_from_text(text: str) -> str | None:
    """Accept the letter (``I``), the letter with name, or the bare name (``金融业``)."""
    value = text.strip().upper()
    if not value:
        return None
    if value[:1] in Industry.values and (len(value) == 1 or not value[1:2].isalpha()):
        return value[:1]
    for choice in Industry:
        if choice.label.split(" ", 1)[1] == text.strip():
            return str(choice.value)
    return None


class SizeBand(models.TextChoices):
    """Size by number of employees (platform default bands; see docs/organizations.md)."""

    MICRO = "micro", "微型（10人以下）"
    SMALL = "small", "小型（10–49人）"
    MEDIUM = "medium", "中型（50–299人）"
    LARGE = "large", "大型（300人及以上）"


def size_band_of(employees: int) -> str:
    if employees < 10:
        return SizeBand.MICRO
    if employees < 50:
        return SizeBand.SMALL
    if employees < 300:
        return SizeBand.MEDIUM
    return SizeBand.LARGE


class CoverageMode(models.TextChoices):
    """组织覆盖 (domain-rules §6): 单独建 / 联合建 / 挂靠建 (依托建), or none."""

    NONE = "none", "未建立"
    SINGLE = "single", "单独建"
    JOINT = "joint", "联合建"
    ATTACHED = "attached", "挂靠建（依托建）"


COVERAGE_MODE_ALIASES: dict[str, str] = {
    "": CoverageMode.NONE,
    "无": CoverageMode.NONE,
    "未建": CoverageMode.NONE,
    "未建立": CoverageMode.NONE,
    "单独建": CoverageMode.SINGLE,
    "单独组建": CoverageMode.SINGLE,
    "单建": CoverageMode.SINGLE,
    "联合建": CoverageMode.JOINT,
    "联合组建": CoverageMode.JOINT,
    "联建": CoverageMode.JOINT,
    "挂靠建": CoverageMode.ATTACHED,
    "挂靠": CoverageMode.ATTACHED,
    "依托建": CoverageMode.ATTACHED,
    "依托组建": CoverageMode.ATTACHED,
    "挂靠建（依托建）": CoverageMode.ATTACHED,
}


class InstructorRole(models.TextChoices):
    INSTRUCTOR = "instructor", "党建工作指导员"
    LIAISON = "liaison", "党建联络员"


class WorkerGroup(models.TextChoices):
    """新就业群体 (domain-rules §6)."""

    DELIVERY_RIDER = "delivery_rider", "外卖骑手"
    COURIER = "courier", "快递员"
    RIDE_HAILING = "ride_hailing", "网约车司机"
    TRUCK_DRIVER = "truck_driver", "货车司机"
    OTHER = "other", "其他新就业形态劳动者"


class Rule(models.TextChoices):
    """The coverage rules the engine checks (``services.rules``)."""

    MUST_BUILD = "must_build", "应建未建（≥3名正式党员未单独建立党组织）"
    NO_COMMITTEE = "no_committee", "应设支委会未设（≥7名正式党员）"
    TERM_OVERDUE = "term_overdue", "任期届满未换届"
    JOINT_TOO_LARGE = "joint_too_large", "联合党支部规模过大"
    UNCOVERED_LARGE = "uncovered_large", "规模以上组织“两个覆盖”空白"
    GENERAL_BRANCH_DUE = "general_branch_due", "党员人数达到设立党总支标准"
    PARTY_COMMITTEE_DUE = "party_committee_due", "党员人数达到设立基层党委标准"
    TERM_ENDING = "term_ending", "任期即将届满（换届提醒）"


class FindingStatus(models.TextChoices):
    OPEN = "open", "待处理"
    ASSIGNED = "assigned", "已交办"
    CLOSED = "closed", "已办结"
    AUTO_RESOLVED = "auto_resolved", "已自动消除"


OPEN_FINDING_STATUSES = (FindingStatus.OPEN, FindingStatus.ASSIGNED)
