"""Choices of the members app. Development stages and member statuses mirror
``shegong.lib.partyrules.development`` (the values are the library's, so a stored stage can
be handed to the rules engine as ``Stage(value)``)."""

from __future__ import annotations

from django.db import models


class Gender(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class Stage(models.TextChoices):
    """Where a person is on the 发展党员 path (``partyrules.development.Stage``)."""

    APPLICANT = "applicant", "入党申请人"
    ACTIVIST = "activist", "入党积极分子"
    CANDIDATE = "candidate", "发展对象"
    PROBATIONARY = "probationary", "预备党员"
    FULL = "full", "正式党员"
    CANCELLED = "cancelled", "已取消预备党员资格"
    LEFT = "left", "已退出发展程序"


MEMBER_STAGES = (Stage.PROBATIONARY, Stage.FULL)


class Standing(models.TextChoices):
    """Whether the record is on the branch's roll (在册) and, if not, why."""

    ACTIVE = "active", "在册"
    TRANSFERRING = "transferring", "转接中"
    TRANSFERRED_OUT = "transferred_out", "已转出本市"
    DECEASED = "deceased", "去世"
    REMOVED = "removed", "除名/出党"
    WITHDREW = "withdrew", "退党"


ON_ROLL = (Standing.ACTIVE, Standing.TRANSFERRING)


class Discipline(models.TextChoices):
    """Party discipline that changes voting rights (选举工作条例 第五条; partyrules D13)."""

    NONE = "", "无"
    WARNING = "warning", "警告"
    SERIOUS_WARNING = "serious_warning", "严重警告"
    REMOVAL_FROM_POST = "removal_from_post", "撤销党内职务"
    PROBATION = "probation", "留党察看"


class Education(models.TextChoices):
    NONE = "", "未填"
    PRIMARY = "primary", "小学及以下"
    JUNIOR = "junior", "初中"
    SENIOR = "senior", "高中/中专"
    COLLEGE = "college", "大专"
    BACHELOR = "bachelor", "本科"
    MASTER = "master", "硕士"
    DOCTOR = "doctor", "博士"


class WorkerGroup(models.TextChoices):
    """新就业群体 (the same values as ``organizations.choices.WorkerGroup``)."""

    NONE = "", "否"
    DELIVERY_RIDER = "delivery_rider", "外卖骑手"
    COURIER = "courier", "快递员"
    RIDE_HAILING = "ride_hailing", "网约车司机"
    TRUCK_DRIVER = "truck_driver", "货车司机"
    OTHER = "other", "其他新就业形态劳动者"


class EventKind(models.TextChoices):
    """A 发展党员 step (``partyrules.development.EventKind`` values)."""

    APPLY = "apply", "递交入党申请书"
    TALK = "talk", "入党申请人谈话"
    CONFIRM_ACTIVIST = "confirm_activist", "确定为入党积极分子"
    ASSESS_ACTIVIST = "assess_activist", "入党积极分子考察"
    CONFIRM_CANDIDATE = "confirm_candidate", "确定为发展对象"
    PRE_REVIEW = "pre_review", "基层党委预审"
    ADMIT = "admit", "支部大会接收为预备党员"
    APPROVE = "approve", "党委审批"
    EXTEND_PROBATION = "extend_probation", "延长预备期"
    CONFIRM_FULL = "confirm_full", "预备党员转正"
    CANCEL_PROBATION = "cancel_probation", "取消预备党员资格"
    LEAVE = "leave", "退出发展程序"


#: steps that are 党委 decisions: Cap.MEMBERS_APPROVE and a scope above the branch
APPROVAL_KINDS = (EventKind.PRE_REVIEW, EventKind.APPROVE)
PIPELINE_STAGES = (Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE, Stage.PROBATIONARY)
