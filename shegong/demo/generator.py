"""A plausible fictional city, built through the same services as real input.

Regions go through ``regions.services.import_regions`` (the spreadsheet import), units
through ``units.services.create_unit``, accounts through ``accounts.services.create_user``,
so the demo exercises validation, scoping and the audit trail exactly like production
data. The city (示范市, code 3399xx) is fictional; codes follow the GB/T 2260 / 统计用
区划代码 shapes so validators accept them.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from shegong.accounts import services as account_services
from shegong.accounts.models import User
from shegong.core.roles import Role
from shegong.regions import services as region_services
from shegong.regions.models import Region
from shegong.units import services as unit_services
from shegong.units.choices import UnitKind
from shegong.units.models import Unit

from .people import DEMO_PASSWORD, demo_password_hashed_once
from .people import random_mobile as _mobile
from .people import random_name as _name

CITY_CODE = "339900"


@dataclass(frozen=True)
class Size:
    districts: int
    streets: int
    communities: int
    grids: int
    district_departments: int


SIZES = {
    "small": Size(districts=3, streets=3, communities=4, grids=3, district_departments=3),
    "city": Size(districts=10, streets=10, communities=15, grids=8, district_departments=6),
    "metro": Size(districts=16, streets=20, communities=25, grids=20, district_departments=8),
}

DISTRICT_NAMES = [
    "东城区",
    "西城区",
    "南湖区",
    "北山区",
    "江滨区",
    "高新区",
    "临江区",
    "青山区",
    "云溪区",
    "金湾区",
    "龙泉区",
    "玉泉区",
    "梅林区",
    "桃源县",
    "枫桥县",
    "白石县",
    "清河区",
    "望海区",
    "柳岸区",
    "石桥区",
]
STREET_WORDS = [
    "湖滨",
    "望江",
    "清波",
    "南星",
    "紫阳",
    "小营",
    "长庆",
    "朝晖",
    "文晖",
    "潮鸣",
    "凯旋",
    "采荷",
    "闸弄口",
    "四季青",
    "彭埠",
    "笕桥",
    "九堡",
    "丁兰",
    "石桥",
    "东新",
    "新华",
    "复兴",
    "永安",
    "和平",
    "建设",
    "胜利",
    "光明",
    "幸福",
    "团结",
    "友谊",
]
COMMUNITY_WORDS = [
    "翠苑",
    "文新",
    "古荡",
    "西溪",
    "蒋村",
    "转塘",
    "双浦",
    "留下",
    "三墩",
    "祥符",
    "康桥",
    "半山",
    "上塘",
    "米市巷",
    "湖墅",
    "拱宸桥",
    "和睦",
    "大关",
    "东方",
    "红星",
    "向阳",
    "春晖",
    "杏花",
    "荷花",
    "桂花",
    "兰亭",
    "竹园",
    "枫林",
    "松鹤",
    "柏树",
    "明珠",
    "金桥",
    "银湖",
    "玉兰",
    "海棠",
    "芙蓉",
    "紫荆",
    "丹桂",
    "青枫",
    "白鹭",
]
CITY_DEPARTMENTS = [
    ("教育局", "教育"),
    ("住房和城乡建设局", "住建"),
    ("公安局", "公安"),
    ("民政局", "民政"),
    ("人力资源和社会保障局", "人社"),
    ("卫生健康委员会", "卫健"),
    ("市场监督管理局", "市场监管"),
    ("生态环境局", "生态环境"),
    ("交通运输局", "交通"),
    ("城市管理局", "城管"),
    ("自然资源和规划局", "资规"),
    ("水务局", "水务"),
]


@dataclass
class DemoResult:
    regions: int = 0
    units: int = 0
    users: int = 0
    appeals: int = 0
    seconds: float = 0.0
    accounts: list[tuple[str, str, str]] = field(default_factory=list)


def region_rows(size: Size) -> list[tuple[int, dict[str, str]]]:
    """The import rows for the whole city (the same shape a clerk's spreadsheet has)."""
    rows: list[dict[str, str]] = [
        {
            "区划代码": CITY_CODE,
            "名称": "示范市",
            "层级": "市",
            "上级区划代码": "",
            "常住人口": "9800000",
        }
    ]
    for d in range(size.districts):
        d_code = f"3399{d + 1:02d}"
        rows.append(
            {
                "区划代码": d_code,
                "名称": DISTRICT_NAMES[d % len(DISTRICT_NAMES)]
                if d < len(DISTRICT_NAMES)
                else f"第{d + 1}区",
                "层级": "区县",
                "上级区划代码": CITY_CODE,
                "常住人口": "",
            }
        )
        for s in range(size.streets):
            s_code = f"{d_code}{s + 1:03d}"
            word = STREET_WORDS[(d * 7 + s) % len(STREET_WORDS)]
            rows.append(
                {
                    "区划代码": s_code,
                    "名称": f"{word}街道",
                    "层级": "街道",
                    "上级区划代码": d_code,
                    "常住人口": "",
                }
            )
            for c in range(size.communities):
                c_code = f"{s_code}{c + 1:03d}"
                cword = COMMUNITY_WORDS[(d * 13 + s * 5 + c) % len(COMMUNITY_WORDS)]
                rows.append(
                    {
                        "区划代码": c_code,
                        "名称": f"{cword}社区",
                        "层级": "社区",
                        "上级区划代码": s_code,
                        "常住人口": str(3000 + (c * 977 + s * 131) % 9000),
                    }
                )
                for g in range(size.grids):
                    rows.append(
                        {
                            "区划代码": f"{c_code}-{g + 1:02d}",
                            "名称": f"第{g + 1}网格",
                            "层级": "网格",
                            "上级区划代码": c_code,
                            "常住人口": "",
                        }
                    )
    return [(i + 2, row) for i, row in enumerate(rows)]


def generate(
    size_name: str,
    *,
    seed: int = 20261128,
    log: Callable[[str], object] = print,
    appeals: int | None = None,
) -> DemoResult:
    """Build the demo city of ``size_name``; ``appeals`` overrides the size's number."""
    with demo_password_hashed_once():
        return _generate(size_name, seed=seed, log=log, appeals=appeals)


def _generate(
    size_name: str, *, seed: int, log: Callable[[str], object], appeals: int | None
) -> DemoResult:
    size = SIZES[size_name]
    rng = random.Random(seed)
    started = time.monotonic()
    result = DemoResult()
    if Region.objects.filter(code=CITY_CODE).exists():
        raise RuntimeError("demo city already exists")

    root = User.objects.filter(is_superuser=True, username="admin").first()
    if root is None:
        root = User.objects.create_superuser(
            "admin", password=DEMO_PASSWORD, full_name="系统超级管理员"
        )
    result.accounts.append(("admin", "系统超级管理员（三权分立：仅用于初始化）", "全市"))

    log("区划 …")
    report = region_services.import_regions(actor=root, rows=region_rows(size), commit=True)
    if not report.ok:
        raise RuntimeError(f"demo region import failed: {report.errors[:3]}")
    result.regions = report.created
    city = Region.objects.get(code=CITY_CODE)

    log("单位 …")
    with transaction.atomic():
        dept = unit_services.create_unit(
            actor=root,
            code="SG-0001",
            name="中共示范市委社会工作部",
            kind=UnitKind.DEPARTMENT,
            region_id=city.pk,
            short_name="市委社会工作部",
            contact_person=_name(rng),
            contact_phone=_mobile(rng),
            office_phone="0571-80000001",
            address="示范市人民路1号",
        )
        # The city government: the 上级行政机关 of the city bureaus and district governments,
        # so 复查/复核 (信访工作条例 第三十五、三十六条) have a body to go to. No random
        # contact, so the rest of the demo draws the same random numbers as before.
        city_gov = unit_services.create_unit(
            actor=root,
            code="SG-G0001",
            name="示范市人民政府",
            kind=UnitKind.OTHER,
            region_id=city.pk,
            address="示范市人民路1号",
        )
        district_govs: dict[int, Unit] = {}
        city_units: list[Unit] = []
        for i, (name, short) in enumerate(CITY_DEPARTMENTS):
            city_units.append(
                unit_services.create_unit(
                    actor=root,
                    code=f"SG-C{i + 1:03d}",
                    name=f"示范市{name}",
                    short_name=f"市{short}",
                    kind=UnitKind.FUNCTIONAL,
                    region_id=city.pk,
                    superior_body_id=city_gov.pk,
                    contact_person=_name(rng),
                    contact_phone=_mobile(rng),
                    office_phone=f"0571-8000{i + 10:04d}",
                )
            )
        for district in Region.objects.filter(parent=city).order_by("code"):
            d_office = unit_services.create_unit(
                actor=root,
                code=f"SG-D{district.code}",
                name=f"{district.name}人民政府",
                kind=UnitKind.DISTRICT_GOV,
                region_id=district.pk,
                superior_body_id=city_gov.pk,
                contact_person=_name(rng),
                contact_phone=_mobile(rng),
            )
            district_govs[district.pk] = d_office
            for j, (name, short) in enumerate(CITY_DEPARTMENTS[: size.district_departments]):
                unit_services.create_unit(
                    actor=root,
                    code=f"SG-D{district.code}-{j + 1:02d}",
                    name=f"{district.name}{name}",
                    short_name=f"{district.name[:2]}{short}",
                    kind=UnitKind.FUNCTIONAL,
                    region_id=district.pk,
                    parent_id=d_office.pk,
                    contact_person=_name(rng),
                    contact_phone=_mobile(rng),
                )
    streets = list(Region.objects.filter(level=3).order_by("code"))
    for index, street in enumerate(streets):
        with transaction.atomic():
            office = unit_services.create_unit(
                actor=root,
                code=f"SG-S{street.code}",
                name=f"{street.name}办事处",
                kind=UnitKind.STREET_OFFICE,
                region_id=street.pk,
                superior_body_id=district_govs[street.parent_id].pk
                if street.parent_id in district_govs
                else None,
                contact_person=_name(rng),
                contact_phone=_mobile(rng),
            )
            for community in Region.objects.filter(parent=street).order_by("code"):
                unit_services.create_unit(
                    actor=root,
                    code=f"SG-M{community.code}",
                    name=f"{community.name}居民委员会",
                    short_name=community.name,
                    kind=UnitKind.COMMUNITY,
                    region_id=community.pk,
                    parent_id=office.pk,
                    contact_person=_name(rng),
                    contact_phone=_mobile(rng),
                )
        if index % 50 == 49:
            log(f"  街道 {index + 1}/{len(streets)}")
    result.units = Unit.objects.count()

    log("账号 …")
    first_district = Region.objects.filter(parent=city).order_by("code").first()
    first_street = streets[0]
    first_community = Region.objects.filter(parent=first_street).order_by("code").first()
    second_street = streets[1] if len(streets) > 1 else streets[0]
    housing = city_units[1]
    education = city_units[0]
    assert first_district is not None
    assert first_community is not None
    named = [
        ("dept_admin", "部门管理员", Role.DEPT_ADMIN, city, dept),
        ("dispatcher", "派单员", Role.DISPATCHER, city, dept),
        ("handler", "承办人（市住建局）", Role.HANDLER, None, housing),
        ("handler_edu", "承办人（市教育局）", Role.HANDLER, None, education),
        ("street", f"街道工作人员（{first_street.name}）", Role.STREET_STAFF, first_street, None),
        (
            "street_b",
            f"街道工作人员（{second_street.name}）",
            Role.STREET_STAFF,
            second_street,
            None,
        ),
        (
            "community",
            f"社区工作人员（{first_community.name}）",
            Role.STREET_STAFF,
            first_community,
            None,
        ),
        (
            "secretary",
            f"党组织书记（{first_community.name}）",
            Role.BRANCH_SECRETARY,
            first_community,
            None,
        ),
        (
            "volunteer_mgr",
            f"志愿团队管理员（{first_street.name}）",
            Role.VOLUNTEER_MANAGER,
            first_street,
            None,
        ),
        ("leader", "领导（驾驶舱）", Role.LEADER, city, None),
        ("district_leader", f"领导（{first_district.name}）", Role.LEADER, first_district, None),
        ("auditor", "审计员", Role.AUDITOR, city, None),
    ]
    for username, label, role, region, unit in named:
        account_services.create_user(
            actor=root,
            username=username,
            full_name=_name(rng),
            role=role,
            password=DEMO_PASSWORD,
            region_id=region.pk if region else None,
            unit_id=unit.pk if unit else None,
            must_change_password=False,  # the published demo password
            phone=_mobile(rng),
        )
        result.accounts.append(
            (username, label, (region.name if region else unit.name if unit else ""))
        )
    # One staff account per street (the people who will handle appeals and coverage later).
    for street in streets[2:]:
        account_services.create_user(
            actor=root,
            username=f"s{street.code}",
            full_name=_name(rng),
            role=Role.STREET_STAFF,
            password=DEMO_PASSWORD,
            region_id=street.pk,
            must_change_password=False,  # the published demo password
            phone=_mobile(rng),
        )
    from .appeals import generate_appeals

    result.appeals = generate_appeals(size_name, rng=rng, log=log, count=appeals)
    from .organizations import generate_organizations

    generate_organizations(size_name, rng=rng, log=log)
    from .volunteers import generate_volunteers

    generate_volunteers(size_name, rng=rng, log=log)
    from .party import generate_party

    generate_party(size_name, rng=rng, log=log)
    from shegong.talent.demo import generate as generate_talent

    generate_talent(size_name, rng=rng, log=log)
    from shegong.serving.demo import generate as generate_serving

    generate_serving(size_name, rng=rng, log=log)
    result.users = User.objects.count()
    result.seconds = time.monotonic() - started
    return result
