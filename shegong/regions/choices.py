from django.db import models


class RegionLevel(models.IntegerChoices):
    """Levels of the jurisdiction tree. Codes: GB/T 2260 (6 digits) for city and district,
    统计用区划代码 (9 digits) for street/town, 12 digits for community/village, local codes
    for grids (domain-rules §9.3)."""

    CITY = 1, "市"
    DISTRICT = 2, "区县"
    STREET = 3, "街道/乡镇"
    COMMUNITY = 4, "社区/村"
    GRID = 5, "网格"


# Code length each level must have (grids: local codes, any length 1–20).
CODE_LENGTHS: dict[int, tuple[int, ...]] = {
    RegionLevel.CITY: (6,),
    RegionLevel.DISTRICT: (6,),
    RegionLevel.STREET: (9,),
    RegionLevel.COMMUNITY: (12,),
}
