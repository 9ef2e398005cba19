"""``Person``: one social worker, community worker or grassroots cadre.

Contract: ``unit`` is where the person works and ``region`` the area they serve (the scope
follows either); ``member`` links the party record where the person is a party member;
``account`` links the platform account the person signs in with — the 「我的」 pages
(``/talent/me/``) show the person of the signed-in account and nothing else. Personal data
(name, ID number, phone) are SM4-encrypted with blind indexes, as members and volunteers
store them. Only ``services.people`` writes a person."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shegong.core.pii import BlindIndexField, EncryptedField, plain
from shegong.core.roles import Cap
from shegong.core.scoping import Scope, ScopedQuerySet
from shegong.lib.masking import mask_name

from ..choices import Category, Degree


class PersonQuerySet(ScopedQuerySet):
    def active(self) -> PersonQuerySet:
        return self.filter(left_on__isnull=True)


class Person(models.Model):
    category = models.CharField("人员类别", max_length=20, choices=Category.choices)
    name = EncryptedField("姓名", kind="name")
    id_number = EncryptedField("身份证号", kind="id_number")
    id_number_bidx = BlindIndexField(source="id_number", unique=True)
    phone = EncryptedField("手机号码", kind="phone", blank=True)
    phone_bidx = BlindIndexField(source="phone")
    unit = models.ForeignKey(
        "units.Unit", verbose_name="所在单位", on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name="服务区域", on_delete=models.PROTECT, related_name="+"
    )
    member = models.ForeignKey(
        "members.Member",
        verbose_name="党员档案",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="平台账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="talent_person",
    )
    post = models.CharField("岗位", max_length=30, blank=True, help_text="岗位等级序列中的岗位")
    started_on = models.DateField("从事社区工作起始日期", null=True, blank=True)
    degree = models.CharField(
        "最高学位", max_length=10, choices=Degree.choices, blank=True, default=""
    )
    social_work_degree_on = models.DateField(
        "取得社会工作学历日期", null=True, blank=True, help_text="完成社会工作学历教育的日期"
    )
    left_on = models.DateField("离岗日期", null=True, blank=True)
    note = models.CharField("备注", max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = Scope(capability=Cap.TALENT_VIEW, region="region", unit="unit")
    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = "社会工作人才"
        verbose_name_plural = "社会工作人才"
        ordering = ["unit_id", "pk"]
        indexes = [models.Index(fields=["category", "left_on"], name="talent_person_cat_idx")]

    def __str__(self) -> str:
        return f"{mask_name(plain(self.name))}（{self.get_category_display()}）"

    @property
    def audit_region_path(self) -> str:
        return str(self.region.path)
