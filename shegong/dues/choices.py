"""Choices of 党费. ``Category`` values are ``partyrules.dues.DuesCategory``'s."""

from __future__ import annotations

from django.db import models


class Category(models.TextChoices):
    SALARIED = "salaried", "在职党员（按税后工资）"
    RETIREE = "retiree", "离退休党员"
    FARMER = "farmer", "农民党员"
    STUDENT = "student", "学生党员"
    UNEMPLOYED = "unemployed", "下岗失业党员"
    RELIEF = "relief", "依靠抚恤或救济生活的党员"
    DIBAO = "dibao", "领取最低生活保障金的党员"


class PaymentKind(models.TextChoices):
    PAYMENT = "payment", "缴纳"
    REVERSAL = "reversal", "冲正"


class PaymentMethod(models.TextChoices):
    CASH = "cash", "现金"
    TRANSFER = "transfer", "转账"
    ONLINE = "online", "线上缴纳"
    DEDUCTION = "deduction", "工资代扣"


class AssessmentSource(models.TextChoices):
    FORM = "form", "逐人录入"
    IMPORT = "import", "表格导入"
    COPIED = "copied", "沿用上年基数"


class HardshipStatus(models.TextChoices):
    PROPOSED = "proposed", "待上级党委审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "未批准"
    WITHDRAWN = "withdrawn", "已撤回"


class HardshipAction(models.TextChoices):
    APPROVE = "approve", "批准"
    REJECT = "reject", "不批准"
    WITHDRAW = "withdraw", "撤回"


# The hardship workflow as data: (from status, action) → to status. Services only.
HARDSHIP_TRANSITIONS: dict[tuple[str, str], str] = {
    (HardshipStatus.PROPOSED, HardshipAction.APPROVE): HardshipStatus.APPROVED,
    (HardshipStatus.PROPOSED, HardshipAction.REJECT): HardshipStatus.REJECTED,
    (HardshipStatus.PROPOSED, HardshipAction.WITHDRAW): HardshipStatus.WITHDRAWN,
}
