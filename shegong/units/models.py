"""Units: the department, functional departments, streets and communities that handle work."""

from __future__ import annotations

from django.db import models

from shegong.core.pii import BlindIndexField, EncryptedField
from shegong.core.roles import Cap
from shegong.core.scoping import Scope, ScopedQuerySet
from shegong.core.tree import TreeNode, TreeQuerySet

from .choices import UnitKind


class UnitQuerySet(ScopedQuerySet, TreeQuerySet):  # type: ignore[override]
    pass


class Unit(TreeNode):
    """A handling unit. ``region`` is the area it belongs to (a city-level 教育局 belongs to
    the city); users of a unit see the unit's subtree, users of a region see the units
    inside that region's subtree."""

    parent = models.ForeignKey(
        "self",
        verbose_name="上级单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    superior_body = models.ForeignKey(
        "self",
        verbose_name="上级行政机关",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subordinate_bodies",
        help_text="依法对本单位的处理意见进行复查、复核的上一级行政机关（不一定是上级单位）",
    )
    name = models.CharField("单位名称", max_length=100)
    short_name = models.CharField("简称", max_length=50, blank=True)
    code = models.CharField("单位编码", max_length=30, unique=True)
    kind = models.CharField("类别", max_length=20, choices=UnitKind.choices)
    region = models.ForeignKey(
        "regions.Region", verbose_name="所属区划", on_delete=models.PROTECT, related_name="units"
    )
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    is_handling_unit = models.BooleanField("承办单位", default=True)
    contact_person = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = EncryptedField("联系人手机", kind="phone")
    contact_phone_bidx = BlindIndexField(source="contact_phone")
    office_phone = models.CharField("办公电话", max_length=30, blank=True)
    address = models.CharField("地址", max_length=255, blank=True)
    is_active = models.BooleanField("有效", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = Scope(capability=Cap.UNITS_VIEW, region="region", unit="")
    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def administrative_superior(self) -> tuple[Unit | None, bool]:
        """The body one level above this one for 复查/复核 (信访工作条例 第三十五、三十六条)
        and the second value ``inferred``: the explicit ``superior_body`` when set, else the
        tree parent (inferred: the unit tree usually mirrors the administrative hierarchy,
        but not always — a 市人社局 under the department's tree is answerable to the 市人民
        政府), else ``(None, True)``."""
        if self.superior_body_id is not None:
            return self.superior_body, False
        if self.parent_id is not None:
            return self.parent, True
        return None, True
