from django.db import models


class UnitKind(models.TextChoices):
    DEPARTMENT = "department", "社会工作部"
    FUNCTIONAL = "functional", "职能部门"
    DISTRICT_GOV = "district", "区县政府/部门"
    STREET_OFFICE = "street", "街道办事处/乡镇政府"
    COMMUNITY = "community", "社区居委会/村委会"
    ENTERPRISE = "enterprise", "企事业单位"
    OTHER = "other", "其他"
