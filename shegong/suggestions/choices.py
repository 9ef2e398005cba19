"""States and enums of 人民建议征集 (the workflow as data).

Sources (domain-rules §3): 信访工作条例 第二十九条 (adopt or partly adopt feasible
suggestions, reply, reward contributions); 上海市人民建议征集若干规定 第十条第二款 (personal
claims and 诉讼/仲裁/行政复议 matters are not suggestions), 第十二条 (feedback modes),
第十三条 (seven conversion targets), 第八、十一条 (专项征集 with topic, channel and deadline).
docs/suggestions.md's state diagram is generated from THEME_TRANSITIONS.
"""

from __future__ import annotations

from django.db import models


class ThemeStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    OPEN = "open", "征集中"
    CLOSED = "closed", "征集结束"
    CONCLUDED = "concluded", "已公布结果"


class ThemeAction(models.TextChoices):
    PUBLISH = "publish", "发布"
    CLOSE = "close", "结束征集"
    CONCLUDE = "conclude", "公布征集结果"


# (from, action) -> to. Anything else is refused with TransitionNotAllowed.
THEME_TRANSITIONS: dict[tuple[str, str], str] = {
    (ThemeStatus.DRAFT, ThemeAction.PUBLISH): ThemeStatus.OPEN,
    (ThemeStatus.OPEN, ThemeAction.CLOSE): ThemeStatus.CLOSED,
    (ThemeStatus.CLOSED, ThemeAction.CONCLUDE): ThemeStatus.CONCLUDED,
}

# Themes the public may read (a draft is staff-only).
PUBLIC_THEME_STATES = (ThemeStatus.OPEN, ThemeStatus.CLOSED, ThemeStatus.CONCLUDED)
# Themes staff may still link a suggestion to (a late letter about an ended solicitation).
LINKABLE_THEME_STATES = (ThemeStatus.OPEN, ThemeStatus.CLOSED)


class Outcome(models.TextChoices):
    """采纳评估 result (信访工作条例 第二十九条), plus the 上海 第十条第二款 exclusion."""

    PENDING = "pending", "待评估"
    ADOPTED = "adopted", "采纳"
    PARTLY = "partly", "部分采纳"
    NOT_ADOPTED = "not_adopted", "不采纳"
    EXCLUDED = "excluded", "不作为人民建议（转信访/热线）"


DECIDED_OUTCOMES = (Outcome.ADOPTED, Outcome.PARTLY, Outcome.NOT_ADOPTED, Outcome.EXCLUDED)
ADOPTED_OUTCOMES = (Outcome.ADOPTED, Outcome.PARTLY)


class ConversionTarget(models.TextChoices):
    """上海市人民建议征集若干规定 第十三条: what an adopted suggestion is turned into."""

    BENEFIT = "benefit", "惠民举措"
    WORK = "work", "改进工作"
    LEGISLATION = "legislation", "立改废释"
    NPC_SUPERVISION = "npc_supervision", "人大监督项目"
    DEPUTY_MOTION = "deputy_motion", "代表议案建议"
    DECISION = "decision", "决策参考"
    OTHER = "other", "其他"


class FeedbackMode(models.TextChoices):
    """上海 第十二条: collective publication (solicited suggestions) or individual feedback."""

    PUBLICATION = "publication", "集中公布"
    WRITTEN = "written", "书面"
    PHONE = "phone", "电话"
    SMS = "sms", "短信"
    ONLINE = "online", "网上答复"


class ExclusionGround(models.TextChoices):
    """上海 第十条第二款: matters that 不宜作为人民建议."""

    PERSONAL_CLAIM = "personal_claim", "个人诉求"
    LITIGATION = "litigation", "属于诉讼程序"
    ARBITRATION = "arbitration", "属于仲裁程序"
    ADMIN_REVIEW = "admin_review", "属于行政复议程序"


class RerouteStream(models.TextChoices):
    PETITION = "xf", "转为信访事项"
    HOTLINE = "hotline", "转12345热线"


class RewardKind(models.TextChoices):
    """信访工作条例 第二十九条 (奖励); the kinds a city uses in practice."""

    LETTER = "letter", "感谢信"
    HONOR = "honor", "荣誉"
    BONUS = "bonus", "奖金"


class ConsentSource(models.TextChoices):
    PORTAL = "portal", "诉求人网上勾选同意"
    STAFF = "staff", "工作人员记录诉求人同意"
