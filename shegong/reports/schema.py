"""The columns of every report table (shared by the figures, the Office templates' placeholders
and the default template's generator)."""

from __future__ import annotations

from .tables import Column, columns

RATE_COLUMNS = (
    ("replied", "答复件数"),
    ("revisited", "有效回访"),
    ("response", "响应率"),
    ("resolution", "解决率"),
    ("satisfaction", "满意率"),
    ("on_time", "按期办结率"),
    ("composite", "综合得分"),
)

MONTHLY: dict[str, tuple[str, tuple[Column, ...]]] = {
    "units": (
        "承办单位三率排名",
        columns(
            ("rank", "名次"),
            ("name", "单位"),
            *RATE_COLUMNS,
            ("mark", "标记"),
            ("exempted", "免责件数"),
        ),
    ),
    "regions": ("各区划三率", columns(("name", "区划"), *RATE_COLUMNS)),
    "categories": (
        "诉求类别（前十）",
        columns(("rank", "序号"), ("name", "类别"), ("count", "件数"), ("share", "占比")),
    ),
    "places": (
        "诉求发生地（前十）",
        columns(("rank", "序号"), ("name", "地点"), ("count", "件数"), ("share", "占比")),
    ),
    "hotspots": (
        "热点：类别 × 街道环比上升",
        columns(
            ("category", "类别"),
            ("place", "街道"),
            ("count", "本月件数"),
            ("previous", "上月件数"),
            ("rise", "增加"),
        ),
    ),
    "overdue": (
        "超期清单",
        columns(
            ("number", "登记编号"),
            ("title", "标题"),
            ("place", "发生地"),
            ("unit", "主办单位"),
            ("due", "办理期限"),
            ("replied", "答复时间"),
        ),
    ),
    "score_appeals": (
        "考核申诉与免责",
        columns(
            ("reason", "申诉类型"),
            ("filed", "提出件数"),
            ("accepted", "已认可（免责）"),
            ("rejected", "未认可"),
            ("pending", "待审核"),
        ),
    ),
}

_COVERAGE = (
    ("total", "两新组织数"),
    ("org_covered", "组织覆盖数"),
    ("org_rate", "组织覆盖率"),
    ("work_covered", "工作覆盖数"),
    ("work_rate", "工作覆盖率"),
    ("gaps", "未覆盖数"),
)

QUARTERLY: dict[str, tuple[str, tuple[Column, ...]]] = {
    "regions": ("按区划", columns(("name", "区划"), *_COVERAGE)),
    "kinds": ("按类型（非公企业/社会组织）", columns(("name", "类型"), *_COVERAGE)),
    "industries": ("按行业", columns(("name", "行业"), *_COVERAGE)),
    "gaps": (
        "覆盖空白较多的街道",
        columns(
            ("name", "街道"),
            ("district", "所属区县"),
            ("uncovered", "未覆盖组织数"),
            ("open_findings", "待整改问题数"),
        ),
    ),
}
