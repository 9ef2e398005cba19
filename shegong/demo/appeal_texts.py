"""The demo appeals' data: citizen messages, routing words, reply texts, people."""

from __future__ import annotations

import csv
import os
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings

from shegong.appeals.choices import (
    RedirectChannel,
)
from shegong.lib.validators import id_check_digit

from .people import random_name

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
    """``../shared/data/appeals`` relative to the project root, or ``SHEGONG_DEMO_TEXTS``
    (a checkout elsewhere, e.g. a git worktree)."""
    configured = os.environ.get("SHEGONG_DEMO_TEXTS", "")
    if configured:
        return Path(configured)
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
