"""Demo appeals: about four months of citizen appeals, run through the appeal services.

Every appeal is registered with ``appeals.services.intake.submit_appeal`` (staff entry,
the citizen portal, or 代填 by street staff) and then moved along by the workflow services
— accept, dispatch (主办 + 协办), sign, 退单 and re-dispatch (a second return escalates by
属地兜底 inside the service), 吹哨报到, extensions, replies and 办结 — each with ``now=`` set
to a simulated moment in the last ``HISTORY_DAYS`` days. The periodic clock jobs
(``services.clocks``) run every ``CLOCK_EVERY`` of simulated time, so warnings, breaches
and escalations appear on the timeline where the real job would have put them. Steps that
would lie in the future are not run: recent appeals are still open, and a few stalled ones
are overdue relative to now.

Texts come from the public citizen messages in ``../shared/data/appeals`` (relative to the
project root; read at run time, never copied into the repository), with the dataset's
anonymised place names (A市, A3区 …) replaced by the demo city's. Without that directory a
small built-in list is used and the log says so.

Deterministic for a given rng seed and day: each appeal draws its decisions from its own
generator seeded from ``rng``; only the dates (and through the official calendar, the
deadlines) depend on when it runs.
"""

from __future__ import annotations

import csv
import heapq
import itertools
import logging
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shegong.accounts import services as account_services
from shegong.accounts.models import User
from shegong.appeals.choices import (
    KIND_STREAM,
    AppealKind,
    AppealStatus,
    Channel,
    RedirectChannel,
    Stream,
    Urgency,
    WorkOrderRole,
    WorkOrderStatus,
)
from shegong.appeals.models import Appeal, WorkOrder
from shegong.appeals.services import clocks
from shegong.appeals.services import workflow as wf
from shegong.appeals.services.intake import IntakeData, submit_appeal
from shegong.core.exceptions import DomainError
from shegong.core.roles import Role
from shegong.lib.validators import id_check_digit
from shegong.regions.models import Region
from shegong.units.choices import UnitKind
from shegong.units.models import Unit

from .people import DEMO_PASSWORD, random_name

# metro was meant to have 100,000; through the services that would take many hours on a
# 2-core machine (≈ 74 ms per appeal at city size, growing with the appeals already stored:
# bench/README.md), so metro gets as many as city.
APPEAL_COUNTS = {"small": 300, "city": 20_000, "metro": 20_000}
HISTORY_DAYS = 120
CLOCK_EVERY = timedelta(hours=12)
BATCH_STEPS = 400  # service calls per outer transaction (each service still has its own)

# The demo generator's city departments, by index into generator.CITY_DEPARTMENTS.
EDU, HOUSING, POLICE, CIVIL, LABOUR, HEALTH, MARKET, ECOLOGY, TRANSPORT, CITY_MGMT = range(10)
LAND, WATER = 10, 11
STREET = -1  # "the street office of the place"

CATEGORIES = (
    "城乡建设",
    "劳动和社会保障",
    "教育文体",
    "商贸旅游",
    "卫生计生",
    "环境保护",
    "交通运输",
)

# Keyword guesses for the unlabelled messages (first match wins; default 城乡建设).
CATEGORY_WORDS: list[tuple[str, tuple[str, ...]]] = [
    (
        "劳动和社会保障",
        ("工资", "欠薪", "社保", "医保", "养老保险", "退休", "劳动", "就业", "公积金"),
    ),
    ("教育文体", ("学校", "学生", "教育", "老师", "教师", "幼儿园", "招生", "学位", "补课")),
    ("卫生计生", ("医院", "医生", "卫生院", "疫苗", "计生", "生育", "诊所", "医疗")),
    ("环境保护", ("污染", "噪音", "噪声", "排放", "环保", "废气", "污水", "扬尘", "臭味")),
    ("交通运输", ("公交", "出租车", "交通", "高速", "地铁", "驾校", "车站", "网约车", "客运")),
    ("商贸旅游", ("商家", "消费", "退款", "超市", "旅游", "景区", "价格", "商品", "假冒", "传销")),
]

# (category, keywords) → the department index that handles it; STREET for neighbourhood
# matters the street office handles. Checked in order; the category default is last.
ROUTING: list[tuple[str, tuple[str, ...], int]] = [
    ("", ("小区", "物业", "楼道", "电梯", "邻居", "业委会", "楼上", "单元"), STREET),
    ("城乡建设", ("占道", "摊贩", "违建", "违章建筑", "渣土", "广告牌", "垃圾"), CITY_MGMT),
    ("城乡建设", ("停水", "供水", "自来水", "排水", "积水", "下水道"), WATER),
    ("城乡建设", ("规划", "土地", "不动产", "征地", "拆迁", "宅基地"), LAND),
    ("劳动和社会保障", ("低保", "养老院", "残疾", "救助", "殡葬", "婚姻", "社会组织"), CIVIL),
    ("交通运输", ("违停", "交警", "驾驶证", "车牌", "违章", "酒驾"), POLICE),
    ("环境保护", ("噪音", "噪声"), STREET),
    ("城乡建设", (), HOUSING),
    ("劳动和社会保障", (), LABOUR),
    ("教育文体", (), EDU),
    ("卫生计生", (), HEALTH),
    ("环境保护", (), ECOLOGY),
    ("交通运输", (), TRANSPORT),
    ("商贸旅游", (), MARKET),
]

UTILITY_WORDS = ("停水", "停电", "停气", "燃气", "暖气", "供暖", "水压", "断水", "断电")
URGENT_WORDS = ("火灾", "坍塌", "塌陷", "漏电", "倒塌", "随时可能", "燃气泄漏", "触电")

FALLBACK_MESSAGES: list[tuple[str, str, str]] = [
    (
        "小区路灯损坏多日无人修",
        "我们小区3号楼和5号楼之间的路灯坏了快两个星期，晚上一片漆黑，老人出门很不方便，向物业反映过几次都说在等配件，希望尽快修好。",
        "城乡建设",
    ),
    (
        "楼上住户装修噪音扰民",
        "楼上邻居装修已经两个多月，每天早上七点不到就开始电钻，周末也不停，家里有高考学生和老人，协商多次无果，请社区帮忙协调。",
        "环境保护",
    ),
    (
        "公司拖欠三个月工资",
        "本人在一家装修公司做水电工，公司从今年4月起拖欠我们12名工人三个月工资共计十多万元，老板一直推脱，请劳动部门帮我们讨回血汗钱。",
        "劳动和社会保障",
    ),
    (
        "咨询孩子入学需要哪些材料",
        "我们是外地来本市务工人员，已经办理居住证两年，孩子今年满6周岁，想咨询在居住地附近小学入学需要准备哪些材料，什么时候报名。",
        "教育文体",
    ),
    (
        "建议在社区增设老年食堂",
        "我们社区60岁以上老人占了三分之一，很多是独居老人，做饭不方便，建议在社区服务中心增设老年食堂或助餐点，解决老人吃饭难的问题。",
        "劳动和社会保障",
    ),
    (
        "农贸市场周边占道经营严重",
        "农贸市场门口每天早上都有很多流动摊贩占道经营，人行道和非机动车道都被占满，行人只能走机动车道，非常危险，请城管部门加强管理。",
        "城乡建设",
    ),
    (
        "小区电梯频繁故障困人",
        "我们小区12栋的电梯这个月已经坏了四次，上周还困了一位老人半个小时，物业说电梯老化要业主出钱大修，请相关部门督促物业和维保单位尽快处理。",
        "城乡建设",
    ),
    (
        "举报餐馆后厨卫生脏乱",
        "某餐馆后厨卫生条件很差，地面油污严重，食材直接堆在地上，服务员不戴口罩，担心食品安全问题，请市场监管部门检查。",
        "商贸旅游",
    ),
    (
        "夜间工地施工噪声扰民",
        "小区旁边的工地连续一周晚上十一点以后还在打桩施工，噪声很大，严重影响周边居民休息，请环保部门查处夜间违规施工。",
        "环境保护",
    ),
    (
        "公交线路调整后出行不便",
        "原来经过我们小区的公交线路调整后，最近的站点要走一公里多，老人和上学的孩子出行非常不便，希望恢复原站点或增设社区微公交。",
        "交通运输",
    ),
    (
        "医保异地报销咨询",
        "我父亲在外省住院，想咨询医保异地就医备案怎么办理，出院后报销需要准备哪些材料，报销比例是多少。",
        "劳动和社会保障",
    ),
    (
        "社区卫生服务站看病排队时间长",
        "社区卫生服务站只有两名医生，每天上午排队要两个多小时，很多老人身体吃不消，建议增加医生或开通网上预约。",
        "卫生计生",
    ),
    (
        "小区垃圾清运不及时",
        "小区垃圾分类点的垃圾经常两三天才清运一次，天气热了臭味很大，蚊蝇很多，请相关部门督促清运单位按时清运。",
        "城乡建设",
    ),
    (
        "学校周边交通拥堵存在安全隐患",
        "每天上学放学时间学校门口的道路严重拥堵，接送车辆乱停乱放，孩子穿行很危险，建议交警在高峰时段加强疏导并施划临时停车位。",
        "交通运输",
    ),
    (
        "预付卡商家跑路无法退款",
        "我在小区附近一家健身房办了年卡，交了三千多元，上个月健身房突然关门，老板联系不上，很多会员都无法退款，请相关部门帮忙维权。",
        "商贸旅游",
    ),
    (
        "老旧小区改造进度缓慢",
        "我们小区列入了老旧小区改造计划，但施工已经半年了，道路挖开后一直没有恢复，雨天到处是积水，居民出行困难，希望加快进度。",
        "城乡建设",
    ),
    (
        "企业排放废气气味刺鼻",
        "附近一家化工企业经常在夜间排放废气，气味刺鼻，周边居民反映头晕恶心，请生态环境部门夜间突击检查。",
        "环境保护",
    ),
    (
        "申请廉租房一直没有结果",
        "本人是低保户，一家三口租住在不到二十平米的房子里，去年申请了公共租赁住房，材料都交齐了，到现在也没有结果，请帮忙查一下进度。",
        "城乡建设",
    ),
    (
        "建议增加社区充电桩",
        "小区电动自行车越来越多，充电桩只有十几个，很多人从楼上拉电线充电，存在很大的火灾隐患，建议增加集中充电设施。",
        "城乡建设",
    ),
    (
        "培训机构收费后不上课",
        "孩子报名参加了一家课外培训机构的课程，一次性交了一年的费用，现在机构以各种理由停课，也不退费，请教育部门处理。",
        "教育文体",
    ),
    (
        "道路井盖缺失",
        "人民路与建设路交叉口东侧人行道上有一个井盖缺失，只用一块木板盖着，晚上看不清很容易掉下去，请尽快修复。",
        "城乡建设",
    ),
    (
        "停水未提前通知",
        "昨天上午小区突然停水，一直到晚上都没有恢复，事先没有任何通知，家里老人孩子生活很不方便，请供水部门说明情况并尽快恢复供水。",
        "城乡建设",
    ),
    (
        "退休人员养老金调整咨询",
        "我是今年刚退休的企业职工，想咨询今年养老金调整什么时候发放，调整标准是怎么计算的。",
        "劳动和社会保障",
    ),
    (
        "小区违章搭建阳光房",
        "小区一楼住户在公共绿地上违章搭建阳光房，占用公共区域，多次向物业反映没有结果，请城管部门依法拆除。",
        "城乡建设",
    ),
    (
        "出租车拒载绕路",
        "前天晚上在火车站打出租车，司机听说目的地较近拒绝载客，另一辆车明显绕路多收了二十多元，请交通部门查处。",
        "交通运输",
    ),
    (
        "孩子疫苗接种预约困难",
        "社区卫生服务中心的疫苗接种号很难预约，每次一放号几分钟就约满了，孩子的疫苗已经推迟了一个月，希望增加接种名额。",
        "卫生计生",
    ),
    (
        "商场消防通道被堵",
        "某商场地下车库的消防通道长期堆放杂物和停放车辆，一旦发生火灾后果不堪设想，请相关部门检查整改。",
        "城乡建设",
    ),
    (
        "建议延长社区图书室开放时间",
        "社区图书室只在工作日白天开放，上班族和学生根本没有时间去，建议周末和晚上也开放，方便居民阅读。",
        "教育文体",
    ),
    (
        "农民工被拖欠劳务费",
        "我们一行八人在某工地做钢筋工，工程完工已经三个月，包工头一直拖欠劳务费四万多元，请相关部门帮助协调解决。",
        "劳动和社会保障",
    ),
    (
        "景区门票价格不透明",
        "节假日去本市一家景区游玩，门口公示的票价和实际收费不一致，还强制购买观光车票，请有关部门规范景区收费。",
        "商贸旅游",
    ),
]

REPLY_FRAGMENTS = {
    "城乡建设": "已组织物业服务企业和施工单位现场整改，相关设施已修复并恢复正常使用",
    "劳动和社会保障": "已约谈用人单位，督促其依法足额支付拖欠款项，并将持续跟踪落实情况",
    "教育文体": "已责成学校和相关机构对照有关规定进行整改，并向诉求人解释了相关政策",
    "商贸旅游": "已对涉事经营者开展现场检查，责令其限期整改，并依法调解消费纠纷",
    "卫生计生": "已督促相关医疗卫生机构优化服务流程，并就诉求人关心的问题作了说明",
    "环境保护": "已对涉事企业（工地）开展现场执法检查，责令停止违法行为并立案调查",
    "交通运输": "已会同相关单位现场查看，对线路和站点设置进行评估，并加强了高峰时段管理",
}
REPLY_TEMPLATES = [
    "您好！您反映的“{title}”问题已收悉。经{unit}调查核实，{fragment}。感谢您对我们工作的监督和支持。",
    "您好！关于您反映的“{title}”，{unit}高度重视，第一时间安排工作人员与您联系并现场核实。{fragment}。如仍有问题，欢迎继续反映。",
    "经{unit}核查，您反映的情况基本属实。{fragment}。我单位已将该问题纳入台账，后续将加强日常巡查。",
]
CONSULT_REPLY = (
    "您好！您咨询的“{title}”问题答复如下：根据现行规定，可携带本人身份证件及相关材料到{unit}"
    "政务服务窗口办理（工作日9:00—17:00），也可通过市政务服务网在线办理。"
)
SUGGEST_REPLY = (
    "感谢您提出的宝贵建议。{unit}已将您的建议转相关业务处室研究，将在下一步工作中统筹考虑，"
    "具体进展将通过政府网站公开。"
)
UNRESOLVED_REPLY = (
    "经{unit}核查，您反映的问题涉及历史遗留原因，目前暂不具备解决条件。我单位已向您当面解释说明，"
    "并将问题纳入台账持续关注。"
)
RETURN_REASONS = [
    "该事项不属于本单位职责范围，建议派至相关职能部门",
    "诉求发生地不在本单位管辖范围内，请重新派单",
    "该事项主要职责在其他部门，本单位可配合办理",
]
EXTENSION_REASONS = [
    "需协调多个部门联合处置，现场整改需要时间",
    "涉及资金审批，需履行相关程序",
    "需等待第三方检测（鉴定）结果",
    "诉求人近期不在本地，需另约时间现场核实",
]
WHISTLE_NOTES = [
    "该问题涉及多个部门职责，街道吹哨，请相关部门到现场联合处置",
    "现场问题复杂，需要执法部门共同到场",
]
CONTACT_NOTES = [
    "已电话联系诉求人，了解具体情况并约定现场查看时间",
    "已上门走访诉求人，现场查看了反映的问题",
    "已与诉求人电话沟通，告知办理进度",
]
CLOSE_NOTES = [
    "回访诉求人，对办理结果表示满意",
    "回访诉求人，表示基本满意",
    "回访未接通，已短信告知",
]
REJECT_REASONS = [
    "诉求内容不明确，经联系诉求人仍无法补充具体事实",
    "所反映事项已经依法处理终结，且未提出新的事实和理由",
]
REDIRECTS = {
    "劳动和社会保障": (
        RedirectChannel.ARBITRATION,
        "属于劳动争议，请向劳动人事争议仲裁委员会申请仲裁",
    ),
    "交通运输": (
        RedirectChannel.PUBLIC_SECURITY,
        "涉及交通事故责任认定，请通过公安交管部门法定程序处理",
    ),
    "商贸旅游": (RedirectChannel.MARKET, "属于合同纠纷，可通过消费者协会调解或向人民法院起诉"),
}
DEFAULT_REDIRECT = (RedirectChannel.LITIGATION, "属于民事纠纷，请依法向人民法院提起诉讼")
FORWARD_ORGANS = ["市纪委监委", "省信访局", "邻市人民政府信访局"]
ID_PREFIXES = ["330102", "330106", "320102", "420106", "510104", "110105", "370102", "410105"]
MOBILE_PREFIXES = [f"13{d}" for d in range(10)] + [
    *("150", "151", "152", "155", "157", "158", "159", "166", "173", "175", "176", "177"),
    *("178", "180", "181", "182", "183", "186", "187", "188", "189", "191", "198", "199"),
]
HOURS = [1, 1, 1, 1, 1, 2, 4, 8, 14, 16, 15, 12, 9, 12, 14, 13, 12, 10, 8, 7, 6, 5, 3, 2]


# --- texts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    category: str


def shared_appeals_dir() -> Path:
    """``../shared/data/appeals`` relative to the project root."""
    return Path(settings.BASE_DIR).resolve().parent / "shared" / "data" / "appeals"


def _guess_category(text: str) -> str:
    for category, words in CATEGORY_WORDS:
        if any(w in text for w in words):
            return category
    return "城乡建设"


def _title_from_body(body: str) -> str:
    head = re.split(r"[，。！？；,.!?;：:]", body, maxsplit=1)[0]
    return head[:28] if len(head) >= 4 else body[:20]


def load_messages(directory: Path | None = None) -> tuple[list[Message], str]:
    """The citizen messages to draw from and a line describing where they came from."""
    directory = directory or shared_appeals_dir()
    files = ["messages-train.csv", "messages-public.csv", "messages-with-replies.csv"]
    messages: list[Message] = []
    seen: set[str] = set()
    csv.field_size_limit(10_000_000)
    for name in files:
        path = directory / name
        if not path.is_file():
            continue
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                body = (row.get("body") or "").strip()
                if len(body) < 10 or body in seen:
                    continue
                seen.add(body)
                title = (row.get("title") or "").strip() or _title_from_body(body)
                category = (row.get("category_l1") or "").strip()
                if category not in CATEGORIES:
                    category = _guess_category(title + body[:200])
                messages.append(Message(title[:120], body[:20000], category))
    if messages:
        return messages, f"{len(messages):,} 条公开群众留言（{directory}）"
    return (
        [Message(t, b, c) for t, b, c in FALLBACK_MESSAGES],
        f"未找到共享数据目录 {directory}，使用内置的 {len(FALLBACK_MESSAGES)} 条示例诉求",
    )


_COUNTY_CODED = re.compile(r"[A-N]\d+[市区县]")
_CITY_CODED = re.compile(r"[A-N]市")


def localise(text: str, city: str, district: str) -> str:
    """Put the anonymised places of the dataset (A市, A3区, K8县, 西地省) into the demo city."""
    text = _COUNTY_CODED.sub(district, text)
    text = _CITY_CODED.sub(city, text)
    return text.replace("西地省", "本省")


# --- people ---------------------------------------------------------------------------------


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def id_number(rng: random.Random, district_code: str, today: datetime) -> str:
    """A valid 18-character 公民身份号码 (GB 11643 check character) for a fictional person."""
    prefix = district_code if rng.random() < 0.7 else rng.choice(ID_PREFIXES)
    year = rng.randint(1940, min(2005, today.year - 18))
    birth = datetime(year, 1, 1) + timedelta(days=rng.randrange(365))
    first17 = f"{prefix}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + id_check_digit(first17)


def person_name(rng: random.Random) -> str:
    return random_name(rng)


# --- the city as the simulation sees it ------------------------------------------------------


@dataclass(frozen=True)
class Place:
    region_id: int
    name: str
    code: str
    street_code: str
    district_code: str
    district_name: str


@dataclass
class City:
    places: list[Place]
    cum_weights: list[float]
    city_depts: dict[int, Unit]
    district_depts: dict[tuple[str, int], Unit]
    street_offices: dict[str, Unit]
    communities: dict[str, Unit]
    handlers: dict[int, User]
    whistlers: dict[int, User]
    proxies: dict[str, User]
    dispatcher: User
    city_name: str
    units_by_id: dict[int, Unit]

    def lead_for(self, place: Place, dept: int, rng: random.Random) -> Unit:
        if dept == STREET:
            return self.street_offices[place.street_code]
        local = self.district_depts.get((place.district_code, dept))
        if local is not None and rng.random() < 0.6:
            return local
        return self.city_depts[dept]

    def other_unit(self, place: Place, not_unit: Unit, rng: random.Random) -> Unit:
        """A different plausible unit (after a return, or as 协办)."""
        for _ in range(8):
            dept = rng.choice([STREET, HOUSING, CITY_MGMT, CIVIL, MARKET, ECOLOGY, WATER])
            unit = self.lead_for(place, dept, rng)
            if unit.pk != not_unit.pk:
                return unit
        return self.street_offices[place.street_code]


def _build_city(root: User, rng: random.Random, log: Callable[[str], Any]) -> City:
    regions = {
        r.code: r
        for r in Region.objects.filter(code__startswith="3399", level__lte=4).only(
            "pk", "code", "name", "level", "path", "population"
        )
    }
    places: list[Place] = []
    weights: list[float] = []
    for region in sorted(regions.values(), key=lambda r: r.code):
        if region.level != 4:
            continue
        parts = [p for p in region.path.strip("/").split("/") if p]
        district = regions[parts[1]]
        places.append(
            Place(region.pk, region.name, region.code, parts[2], district.code, district.name)
        )
        weights.append(float(region.population or 5000))
    units = {
        u.code: u for u in Unit.objects.filter(code__startswith="SG-").select_related("region")
    }
    city_depts = {int(code[4:]) - 1: u for code, u in units.items() if code.startswith("SG-C")}
    district_depts: dict[tuple[str, int], Unit] = {}
    street_offices: dict[str, Unit] = {}
    communities: dict[str, Unit] = {}
    district_govs: list[Unit] = []
    for code, unit in units.items():
        if code.startswith("SG-D") and unit.kind == UnitKind.FUNCTIONAL:
            d_code, j = code[4:].split("-")
            district_depts[(d_code, int(j) - 1)] = unit
        elif code.startswith("SG-D"):
            district_govs.append(unit)
        elif code.startswith("SG-S"):
            street_offices[unit.region.code] = unit
        elif code.startswith("SG-M"):
            communities[unit.region.code] = unit
    # One 承办人 per unit that can receive work orders (the demo's own "handler" and
    # "handler_edu" serve the city 住建局 and 教育局), bound to the unit only; and per street
    # office a street staff member bound to the street and the office, who blows the whistle
    # (吹哨 needs the street role). Handling through the unit-only account also keeps the
    # scoped order look-up cheap (see the report on WorkOrderQuerySet.visible_to).
    handlers: dict[int, User] = {
        u.unit_id: u for u in User.objects.filter(unit__isnull=False, role=Role.HANDLER)
    }
    whistlers: dict[int, User] = {}
    password = DEMO_PASSWORD
    created = 0
    for unit in sorted(units.values(), key=lambda u: u.code):
        if unit.kind in (UnitKind.DEPARTMENT, UnitKind.COMMUNITY):
            continue
        accounts: list[tuple[str, str, int | None]] = []
        if unit.pk not in handlers:
            accounts.append(("h", Role.HANDLER, None))
        if unit.kind == UnitKind.STREET_OFFICE:
            accounts.append(("c", Role.STREET_STAFF, unit.region_id))
        for prefix, role, region_id in accounts:
            user = account_services.create_user(
                actor=root,
                username=prefix + unit.code[3:].lower(),
                full_name=person_name(rng),
                role=role,
                password=password,
                region_id=region_id,
                unit_id=unit.pk,
                phone=mobile(rng),
            )
            (whistlers if prefix == "c" else handlers)[unit.pk] = user
            created += 1
    example = next(iter(street_offices))
    log(
        f"  承办账号 {created} 个（h+单位编码为承办人，如 hc003、hs{example}；"
        f"cs{example} 为街道吹哨）"
    )
    proxies = {
        u.region.code: u
        for u in User.objects.filter(
            role=Role.STREET_STAFF, unit__isnull=True, region__level=3
        ).select_related("region")
    }
    dispatcher = User.objects.get(username="dispatcher")
    return City(
        places=places,
        cum_weights=list(itertools.accumulate(weights)),
        city_depts=city_depts,
        district_depts=district_depts,
        street_offices=street_offices,
        communities=communities,
        handlers=handlers,
        whistlers=whistlers,
        proxies=proxies,
        dispatcher=dispatcher,
        city_name=str(getattr(settings, "SHEGONG_CITY_NAME", "示范市")),
        units_by_id={u.pk: u for u in units.values()},
    )


# --- one appeal's life ----------------------------------------------------------------------


@dataclass(eq=False)
class Case:
    """The decisions for one appeal and the ids the simulation needs along the way."""

    rng: random.Random
    message: Message
    place: Place
    kind: str = AppealKind.HL_COMPLAINT
    channel: str = Channel.PHONE
    urgency: str = Urgency.NORMAL
    dept: int = HOUSING
    returns: int = 0  # planned 退单 (2 = escalated by the service)
    stall: str = ""  # "triage" | "sign" | "reply" | "close": stops there (open / overdue)
    late: bool = False
    appeal_id: int = 0
    title: str = ""
    lead_id: int = 0  # the open 主办 work order
    lead_unit: Unit | None = None
    extra: list[tuple[int, int]] = field(default_factory=list)  # (order id, unit id)

    @property
    def stream(self) -> str:
        return KIND_STREAM[self.kind]


Step = Callable[["Simulation", Case, datetime], None]


def _office_hours(t: datetime, rng: random.Random) -> datetime:
    """Move a handling step that falls at night to the next morning."""
    local = timezone.localtime(t)
    if 8 <= local.hour < 19:
        return t
    morning = local.replace(hour=8, minute=30, second=0, microsecond=0)
    if local.hour >= 19:
        morning += timedelta(days=1)
    return morning + timedelta(minutes=rng.randrange(120))


def _hours(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(hours=rng.uniform(low, high))


class Simulation:
    def __init__(self, city: City, messages: list[Message], now: datetime) -> None:
        self.city = city
        self.messages = messages
        self.now = now
        self.heap: list[tuple[datetime, int, Case, Step]] = []
        self.seq = itertools.count()
        self.people: list[tuple[str, str, str]] = []
        self.created = 0
        self.steps = 0
        self.skipped: Counter[str] = Counter()

    def later(self, case: Case, at: datetime, step: Step) -> None:
        if at < self.now:
            heapq.heappush(self.heap, (at, next(self.seq), case, step))

    def handler(self, unit_id: int) -> User:
        return self.city.handlers[unit_id]

    # -- planning --

    def plan(self, seed: int) -> Case:
        rng = random.Random(seed)
        message = rng.choice(self.messages)
        place = self.city.places[
            rng.choices(range(len(self.city.places)), cum_weights=self.city.cum_weights)[0]
        ]
        case = Case(rng=rng, message=message, place=place)
        title, text = message.title, message.title + message.body[:300]
        r = rng.random()
        if "建议" in title or title.startswith("希望"):
            case.kind = (
                AppealKind.HL_SUGGEST
                if r < 0.5
                else AppealKind.PEOPLE_SUGGESTION
                if r < 0.8
                else AppealKind.XF_SUGGESTION
            )
        elif "咨询" in title or "请问" in title or title.endswith(("？", "?")):
            case.kind = AppealKind.HL_CONSULT
        elif "举报" in title:
            case.kind = AppealKind.HL_REPORT if r < 0.8 else AppealKind.XF_ACCUSATION
        elif message.category == "劳动和社会保障" and any(
            w in text for w in ("工资", "欠薪", "补偿", "赔偿", "待遇")
        ):
            case.kind = AppealKind.XF_CLAIM if r < 0.5 else AppealKind.HL_HELP
        elif "求助" in title or "请求" in title:
            case.kind = AppealKind.HL_HELP
        else:
            case.kind = (
                AppealKind.HL_COMPLAINT
                if r < 0.75
                else AppealKind.XF_CLAIM
                if r < 0.9
                else AppealKind.HL_HELP
            )
        stream = case.stream
        r = rng.random()
        if stream == Stream.PETITION:
            case.channel = (
                Channel.LETTER
                if r < 0.25
                else Channel.VISIT
                if r < 0.55
                else Channel.PORTAL
                if r < 0.9
                else Channel.WEB
                if r < 0.98
                else Channel.FAX
            )
        elif stream == Stream.HOTLINE:
            case.channel = Channel.PHONE if r < 0.7 else Channel.PORTAL if r < 0.95 else Channel.WEB
        else:
            case.channel = (
                Channel.PORTAL if r < 0.7 else Channel.LETTER if r < 0.9 else Channel.VISIT
            )
        if stream == Stream.HOTLINE:
            if any(w in text for w in UTILITY_WORDS):
                case.urgency = Urgency.UTILITY
            elif any(w in text for w in URGENT_WORDS) and rng.random() < 0.3:
                case.urgency = Urgency.URGENT
            elif len(message.body) > 600 and rng.random() < 0.4:
                case.urgency = Urgency.COMPLEX
        for category, words, dept in ROUTING:
            if (not category or category == message.category) and (
                not words or any(w in text for w in words)
            ):
                if dept == STREET and category == "" and rng.random() < 0.2:
                    continue  # some neighbourhood matters still go to a department
                case.dept = dept
                break
        if case.kind == AppealKind.XF_ACCUSATION and case.dept == STREET:
            # The accused community's street office may not see the matter (see the report on
            # AppealQuerySet.visible_to), so accusations go to a department and stay there.
            case.dept = HOUSING
        r = rng.random()
        case.returns = (
            0 if r < 0.9 or case.kind == AppealKind.XF_ACCUSATION else 1 if r < 0.985 else 2
        )
        r = rng.random()
        case.stall = (
            "triage"
            if r < 0.015
            else "sign"
            if r < 0.035
            else "reply"
            if r < 0.075
            else "close"
            if r < 0.085
            else ""
        )
        case.late = rng.random() < 0.08
        return case

    def intake_data(self, case: Case) -> tuple[IntakeData, User | None, bool]:
        rng, place, message = case.rng, case.place, case.message
        city, district = self.city.city_name, place.district_name
        title = localise(message.title, city, district)
        data = IntakeData(
            kind=case.kind,
            channel=case.channel,
            urgency=case.urgency,
            title=title if len(title) >= 2 else "群众诉求",
            body=localise(message.body, city, district),
            region_id=place.region_id,
            address=f"{place.name}{rng.randint(1, 40)}号楼附近" if rng.random() < 0.6 else "",
        )
        petition = case.stream == Stream.PETITION
        if petition or rng.random() > 0.06:
            if self.people and rng.random() < 0.12:
                name, phone, idn = rng.choice(self.people)  # the same person again
            else:
                name, phone = person_name(rng), mobile(rng)
                idn = id_number(rng, place.district_code, self.now) if rng.random() < 0.5 else ""
                self.people.append((name, phone, idn))
            data.name, data.phone = name, phone
            if petition or case.channel in (Channel.VISIT, Channel.LETTER):
                data.id_number = idn
            if rng.random() < 0.4:
                data.petitioner_address = (
                    f"{city}{district}{place.name}{rng.randint(1, 30)}栋"
                    f"{rng.randint(1, 6)}单元{rng.randint(1, 28)}{rng.randint(1, 4):02d}室"
                )
            data.identity_confidential = rng.random() < 0.05
            data.phone_verified = case.channel == Channel.PORTAL
        if (
            case.kind == AppealKind.XF_CLAIM
            and case.channel == Channel.VISIT
            and rng.random() < 0.1
        ):
            data.is_group = True
            data.headcount = rng.randint(5, 40)
            data.representatives = [
                {"name": person_name(rng), "phone": mobile(rng)} for _ in range(rng.randint(2, 5))
            ]
        if case.kind == AppealKind.XF_ACCUSATION and rng.random() < 0.5:
            accused = self.city.communities.get(place.code)
            if accused is not None:
                data.accused_unit_ids = [accused.pk]
        if case.channel == Channel.WEB:
            data.source_ref = f"网上留言板#{rng.randrange(10**6):06d}"
        actor: User | None = self.city.dispatcher
        proxied = False
        if case.channel in (Channel.PORTAL, Channel.WEB):
            actor = None
        elif case.channel == Channel.VISIT and rng.random() < 0.25:
            actor = self.city.proxies.get(place.street_code)
            proxied = actor is not None
            if proxied:
                data.proxy_note = "诉求人年事已高，由街道工作人员代为填写"
            else:
                actor = self.city.dispatcher
        return data, actor, proxied

    # -- steps --

    def register(self, case: Case, t: datetime) -> None:
        data, actor, proxied = self.intake_data(case)
        appeal, _code = submit_appeal(actor=actor, data=data, now=t, proxied=proxied)
        case.appeal_id = appeal.pk
        case.title = appeal.title
        self.created += 1
        if case.stall == "triage":
            return
        rng = case.rng
        if case.stream == Stream.HOTLINE:
            delay = _hours(rng, 0.1, 1.6) if rng.random() < 0.88 else _hours(rng, 2, 8)
        else:
            delay = _hours(rng, 4, 24 * 9) if rng.random() < 0.95 else _hours(rng, 24 * 15, 24 * 20)
        at = t + delay
        if case.stream != Stream.HOTLINE:  # the 12345 centre works around the clock
            at = _office_hours(at, rng)
        self.later(case, at, Simulation.triage)

    def triage(self, case: Case, t: datetime) -> None:
        rng, dispatcher = case.rng, self.city.dispatcher
        r = rng.random()
        if r < 0.02:
            wf.reject_appeal(
                actor=dispatcher, appeal_id=case.appeal_id, reason=rng.choice(REJECT_REASONS), now=t
            )
            return
        if r < 0.06 and case.kind != AppealKind.HL_CONSULT:
            channel, reason = REDIRECTS.get(case.message.category, DEFAULT_REDIRECT)
            wf.redirect_appeal(
                actor=dispatcher, appeal_id=case.appeal_id, channel=channel, reason=reason, now=t
            )
            return
        if r < 0.07 and case.stream == Stream.PETITION:
            wf.forward_appeal(
                actor=dispatcher,
                appeal_id=case.appeal_id,
                organ=rng.choice(FORWARD_ORGANS),
                reason="所反映事项属该机关职责范围",
                now=t,
            )
            return
        if case.stream == Stream.HOTLINE and rng.random() < 0.7:
            self.dispatch(case, t)  # 即时派单
            return
        wf.accept_appeal(actor=dispatcher, appeal_id=case.appeal_id, now=t)
        delay = _hours(rng, 0.1, 2) if case.stream == Stream.HOTLINE else _hours(rng, 2, 60)
        at = t + delay if case.stream == Stream.HOTLINE else _office_hours(t + delay, rng)
        self.later(case, at, Simulation.dispatch)

    def dispatch(self, case: Case, t: datetime) -> None:
        rng = case.rng
        if case.lead_unit is None:
            lead = self.city.lead_for(case.place, case.dept, rng)
        else:  # after a return: another unit
            lead = self.city.other_unit(case.place, case.lead_unit, rng)
        assist: list[int] = []
        if rng.random() < 0.12 and case.kind != AppealKind.XF_ACCUSATION:
            assist = [self.city.other_unit(case.place, lead, rng).pk]
        wf.dispatch_appeal(
            actor=self.city.dispatcher,
            appeal_id=case.appeal_id,
            lead_unit_id=lead.pk,
            assist_unit_ids=assist,
            instructions="请按时限办理并及时联系诉求人" if rng.random() < 0.5 else "",
            now=t,
            # The dispatcher's category: the message's real label (what triage learns from).
            category_l1=case.message.category if case.lead_unit is None else "",
        )
        self._follow_new_orders(case, t)

    def _follow_new_orders(self, case: Case, t: datetime) -> None:
        """Pick up the orders the last service call opened and schedule their signing."""
        rng = case.rng
        known = {case.lead_id, *(oid for oid, _ in case.extra)}
        orders = list(
            WorkOrder.objects.filter(appeal_id=case.appeal_id, status=WorkOrderStatus.PENDING)
            .exclude(pk__in=known)
            .values_list("pk", "role", "unit_id", "dispatched_at", "due_at", "sign_due_at")
        )
        for pk, role, unit_id, dispatched, due, sign_due in orders:
            if role == WorkOrderRole.LEAD:
                case.lead_id = pk
                case.lead_unit = self.city_unit(unit_id)
                if case.stall == "sign":
                    continue
                window = (due or dispatched + timedelta(days=7)) - dispatched
                at = dispatched + min(window * rng.uniform(0.02, 0.2), _hours(rng, 0.2, 20))
                if rng.random() < 0.05 and sign_due is not None:
                    at = sign_due + _hours(rng, 1, 30)  # signed late
                if case.urgency not in (Urgency.URGENT, Urgency.UTILITY):
                    at = _office_hours(at, rng)
                self.later(case, at, Simulation.sign)
            else:
                case.extra.append((pk, unit_id))
                self.later(case, dispatched + _hours(rng, 0.5, 24), _sign_extra(pk, unit_id))

    def city_unit(self, unit_id: int) -> Unit:
        return self.city.units_by_id[unit_id]

    def sign(self, case: Case, t: datetime) -> None:
        rng = case.rng
        assert case.lead_unit is not None
        wf.sign_order(actor=self.handler(case.lead_unit.pk), order_id=case.lead_id, now=t)
        if case.returns > 0:
            case.returns -= 1
            self.later(case, t + _hours(rng, 0.5, 20), Simulation.return_order)
            return
        if rng.random() < 0.4:
            self.later(case, _office_hours(t + _hours(rng, 0.2, 6), rng), Simulation.contact)
        if case.lead_unit.kind == UnitKind.STREET_OFFICE and rng.random() < 0.15:
            self.later(case, t + _hours(rng, 1, 30), Simulation.whistle)
        if case.stall == "reply":
            return
        due = self._lead_due(case, t)
        if rng.random() < 0.07 and due - t > timedelta(days=2):
            self.later(case, t + (due - t) * rng.uniform(0.3, 0.7), Simulation.ask_extension)
            return
        self._plan_reply(case, t, due)

    def _lead_due(self, case: Case, t: datetime) -> datetime:
        due = WorkOrder.objects.filter(pk=case.lead_id).values_list("due_at", flat=True).first()
        return due or t + timedelta(days=7)

    def _plan_reply(self, case: Case, t: datetime, due: datetime) -> None:
        rng = case.rng
        at = due + _hours(rng, 2, 24 * 6) if case.late else t + (due - t) * rng.uniform(0.1, 0.95)
        if case.urgency not in (Urgency.URGENT, Urgency.UTILITY):
            at = min(_office_hours(at, rng), max(at, due - timedelta(minutes=5)))
        self.later(case, at, Simulation.reply)

    def return_order(self, case: Case, t: datetime) -> None:
        assert case.lead_unit is not None
        wf.return_order(
            actor=self.handler(case.lead_unit.pk),
            order_id=case.lead_id,
            reason=case.rng.choice(RETURN_REASONS),
            now=t,
        )
        status = Appeal.objects.filter(pk=case.appeal_id).values_list("status", flat=True).get()
        if status == AppealStatus.DISPATCHED:  # the service escalated it (属地兜底)
            self._follow_new_orders(case, t)
        else:
            self.later(case, t + _hours(case.rng, 0.5, 8), Simulation.dispatch)

    def lead_signed(self, case: Case) -> bool:
        """The lead order is still being handled (not replied, returned or withdrawn)."""
        status = WorkOrder.objects.filter(pk=case.lead_id).values_list("status", flat=True).get()
        return status == WorkOrderStatus.SIGNED

    def contact(self, case: Case, t: datetime) -> None:
        assert case.lead_unit is not None
        if not self.lead_signed(case):
            return
        wf.add_handling_note(
            actor=self.handler(case.lead_unit.pk),
            order_id=case.lead_id,
            note=case.rng.choice(CONTACT_NOTES),
            contacted=True,
            now=t,
        )

    def whistle(self, case: Case, t: datetime) -> None:
        rng, place = case.rng, case.place
        if not self.lead_signed(case):
            return
        units = {
            self.city.lead_for(place, d, rng).pk
            for d in rng.sample([CITY_MGMT, HOUSING, ECOLOGY, MARKET, POLICE], rng.randint(1, 2))
        }
        assert case.lead_unit is not None
        wf.blow_whistle(
            actor=self.city.whistlers[case.lead_unit.pk],
            appeal_id=case.appeal_id,
            unit_ids=sorted(units),
            note=rng.choice(WHISTLE_NOTES),
            now=t,
        )
        self._follow_new_orders(case, t)

    def ask_extension(self, case: Case, t: datetime) -> None:
        rng = case.rng
        assert case.lead_unit is not None
        limit = 10 if case.stream == Stream.HOTLINE else 30
        request = wf.request_extension(
            actor=self.handler(case.lead_unit.pk),
            order_id=case.lead_id,
            days=rng.randint(3, limit),
            reason=rng.choice(EXTENSION_REASONS),
            now=t,
        )
        self.later(case, t + _hours(rng, 1, 20), _decide_extension(request.pk))

    def reply(self, case: Case, t: datetime) -> None:
        rng, message = case.rng, case.message
        assert case.lead_unit is not None
        unit = case.lead_unit.name
        if case.kind == AppealKind.HL_CONSULT:
            text = CONSULT_REPLY.format(title=case.title, unit=unit)
        elif case.kind in (
            AppealKind.HL_SUGGEST,
            AppealKind.PEOPLE_SUGGESTION,
            AppealKind.XF_SUGGESTION,
        ):
            text = SUGGEST_REPLY.format(unit=unit)
        elif rng.random() < 0.08:
            text = UNRESOLVED_REPLY.format(unit=unit)
        else:
            text = rng.choice(REPLY_TEMPLATES).format(
                title=case.title, unit=unit, fragment=REPLY_FRAGMENTS[message.category]
            )
        wf.reply_order(
            actor=self.handler(case.lead_unit.pk), order_id=case.lead_id, text=text, now=t
        )
        if case.stall != "close":
            self.later(case, _office_hours(t + _hours(rng, 2, 24 * 4), rng), Simulation.close)

    def close(self, case: Case, t: datetime) -> None:
        wf.close_appeal(
            actor=self.city.dispatcher,
            appeal_id=case.appeal_id,
            note=case.rng.choice(CLOSE_NOTES),
            now=t,
        )

    # -- the loop --

    def run_clocks(self, at: datetime) -> None:
        clocks.escalate_breached(now=at)
        clocks.warn_due_soon(now=at)
        clocks.flag_triage_breaches(now=at)

    def run(self, arrivals: list[tuple[datetime, int]], log: Callable[[str], Any]) -> None:
        started = time.monotonic()
        next_clock = arrivals[0][0] + CLOCK_EVERY if arrivals else self.now
        total, done = len(arrivals), 0
        report_every = max(1, total // 10)
        arrivals_iter: Iterator[tuple[datetime, int]] = iter(arrivals)
        pending = next(arrivals_iter, None)
        while pending is not None or self.heap:
            with transaction.atomic():
                for _ in range(BATCH_STEPS):
                    if pending is not None and (not self.heap or pending[0] <= self.heap[0][0]):
                        at, seed = pending
                        pending = next(arrivals_iter, None)
                        step: Step = Simulation.register
                        case = self.plan(seed)
                        done += 1
                        if done % report_every == 0:
                            rate = done / max(time.monotonic() - started, 1e-9)
                            log(f"  诉求 {done:,}/{total:,}（{rate:,.0f} 件/秒）")
                    elif self.heap:
                        at, _, case, step = heapq.heappop(self.heap)
                    else:
                        break
                    while next_clock <= at:
                        self.run_clocks(next_clock)
                        next_clock += CLOCK_EVERY
                    self.steps += 1
                    try:
                        with transaction.atomic():
                            step(self, case, at)
                    except DomainError as exc:
                        self.skipped[f"{getattr(step, '__name__', 'step')}: {exc}"] += 1
        with transaction.atomic():
            while next_clock <= self.now:
                self.run_clocks(next_clock)
                next_clock += CLOCK_EVERY
            self.run_clocks(self.now)


def _sign_extra(order_id: int, unit_id: int) -> Step:
    """协办 / 报到 orders: sign, then report back before the lead's deadline."""

    def sign_extra(sim: Simulation, case: Case, t: datetime) -> None:
        status = WorkOrder.objects.filter(pk=order_id).values_list("status", flat=True).get()
        if status != WorkOrderStatus.PENDING:
            return  # withdrawn meanwhile (return, 改派 or 办结)
        wf.sign_order(actor=sim.handler(unit_id), order_id=order_id, now=t)
        due = WorkOrder.objects.filter(pk=order_id).values_list("due_at", flat=True).get()
        at = t + ((due or t + timedelta(days=3)) - t) * case.rng.uniform(0.1, 0.8)
        sim.later(case, at, _report_extra(order_id, unit_id))

    return sign_extra


def _report_extra(order_id: int, unit_id: int) -> Step:
    def report_extra(sim: Simulation, case: Case, t: datetime) -> None:
        status = WorkOrder.objects.filter(pk=order_id).values_list("status", flat=True).get()
        if status != WorkOrderStatus.SIGNED:
            return  # withdrawn meanwhile (return, 改派 or 办结)
        wf.reply_order(
            actor=sim.handler(unit_id),
            order_id=order_id,
            text="已按要求到场，配合主办单位完成现场处置，相关情况已反馈。",
            now=t,
        )

    return report_extra


def _decide_extension(request_id: int) -> Step:
    def decide_extension(sim: Simulation, case: Case, t: datetime) -> None:
        approve = case.rng.random() < 0.85
        wf.decide_extension(
            actor=sim.city.dispatcher,
            request_id=request_id,
            approve=approve,
            note="" if approve else "理由不充分，请按原期限办结",
            now=t,
        )
        if case.stall != "reply":
            sim._plan_reply(case, t, sim._lead_due(case, t))

    return decide_extension


# --- entry point ----------------------------------------------------------------------------


def arrivals(
    count: int, rng: random.Random, now: datetime, days: int = HISTORY_DAYS
) -> list[tuple[datetime, int]]:
    """Registration moments over the last ``days`` days (busier by day, quieter at
    weekends), each with the seed of that appeal's own generator."""
    start = timezone.localtime(now) - timedelta(days=days)
    out: list[tuple[datetime, int]] = []
    hours = list(range(24))
    while len(out) < count:
        day = start + timedelta(days=rng.randrange(days + 1))
        if day.weekday() >= 5 and rng.random() < 0.35:
            continue
        hour = rng.choices(hours, weights=HOURS)[0]
        at = day.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))
        if now - timedelta(days=days) <= at < now - timedelta(minutes=10):
            out.append((at, rng.getrandbits(63)))
    out.sort(key=lambda item: item[0])
    return out


def generate_appeals(
    size_name: str,
    *,
    rng: random.Random,
    log: Callable[[str], Any] = print,
    count: int | None = None,
    now: datetime | None = None,
) -> int:
    """Create the demo appeals for a demo city of ``size_name``; returns how many."""
    count = APPEAL_COUNTS[size_name] if count is None else count
    now = (now or timezone.now()).replace(second=0, microsecond=0)
    started = time.monotonic()
    log("诉求 …")
    messages, source = load_messages()
    log(f"  诉求文本：{source}")
    root = User.objects.get(username="admin")
    city = _build_city(root, rng, log)
    sim = Simulation(city, messages, now)
    plan = arrivals(count, rng, now)
    # Citizens' SMS go to the console sender's log: keep the demo output readable.
    notify_logger = logging.getLogger("shegong.notify")
    level = notify_logger.level
    notify_logger.setLevel(logging.WARNING)
    try:
        sim.run(plan, log)
    finally:
        notify_logger.setLevel(level)
    seconds = time.monotonic() - started
    statuses = Counter(Appeal.objects.values_list("status", flat=True))
    log(
        f"  诉求 {sim.created:,} 件，服务调用 {sim.steps:,} 次，用时 {seconds:.1f} 秒"
        f"（每件 {1000 * seconds / max(sim.created, 1):.1f} 毫秒）；"
        + "，".join(f"{AppealStatus(s).label} {n:,}" for s, n in statuses.most_common())
    )
    for message, n in sim.skipped.most_common(5):
        log(f"  未执行 {n} 次：{message}")
    return sim.created
