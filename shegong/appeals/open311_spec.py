"""Open311 GeoReport v2 (docs/open311.md): what the spec and this city promise — the
service catalogue (one service per kind of appeal, its definition), the jurisdiction check,
and the error every Open311 answer may carry. No HTTP here: ``open311_wire.py`` writes the
answers, ``open311_intake.py`` reads a submission, ``open311.py`` has the views and the
public reads."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from .choices import KIND_STREAM, AppealKind, Stream, Urgency


class Open311Error(Exception):
    """An error answered in the spec's format: ``[{"code": status, "description": …}]`` in
    JSON, ``<errors><error><code/><description/></error></errors>`` in XML."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


SERVICE_DESCRIPTIONS: dict[str, str] = {
    AppealKind.XF_SUGGESTION: (
        "对国家机关及其工作人员的工作提出建议、意见（信访工作条例 第十七条）。"
        "须填写姓名（first_name/last_name）和联系电话（phone）。"
    ),
    AppealKind.XF_ACCUSATION: (
        "检举、控告国家机关及其工作人员的违法失职行为。诉求人身份严格保密，"
        "办理情况不在公开接口中显示，请凭编号和查询码在群众门户查询。"
    ),
    AppealKind.XF_CLAIM: (
        "维护自身合法权益的申诉、求决事项。须填写姓名（first_name/last_name）和联系电话"
        "（phone）；依法应通过诉讼、仲裁、行政复议等途径解决的，将告知相应途径。"
    ),
    AppealKind.HL_CONSULT: "咨询政策规定、办事流程等（12345热线）。",
    AppealKind.HL_HELP: "生活中遇到困难、需要帮助的事项（12345热线）。",
    AppealKind.HL_COMPLAINT: "对公共服务、城市管理、市场秩序等问题的投诉（12345热线）。",
    AppealKind.HL_REPORT: "举报违法违规行为（12345热线）；如需身份保密请选择 confidential=true。",
    AppealKind.HL_SUGGEST: "对城市管理和公共服务的建议（12345热线）。",
    AppealKind.PEOPLE_SUGGESTION: "围绕经济社会发展和民生改善提出的人民建议。",
}

SERVICE_KEYWORDS: dict[str, str] = {
    AppealKind.XF_SUGGESTION: "信访,建议,意见",
    AppealKind.XF_ACCUSATION: "信访,检举,控告",
    AppealKind.XF_CLAIM: "信访,申诉,求决",
    AppealKind.HL_CONSULT: "12345,咨询,政策",
    AppealKind.HL_HELP: "12345,求助,困难",
    AppealKind.HL_COMPLAINT: "12345,投诉",
    AppealKind.HL_REPORT: "12345,举报",
    AppealKind.HL_SUGGEST: "12345,建议",
    AppealKind.PEOPLE_SUGGESTION: "人民建议,建言献策",
}

# Every kind may be submitted publicly. Accusations are accepted but never listed publicly.
PUBLIC_SERVICE_CODES: tuple[str, ...] = tuple(AppealKind.values)

TRUE_VALUES = {"true", "1", "yes", "是"}
FALSE_VALUES = {"false", "0", "no", "否", ""}


def service_list() -> list[dict[str, Any]]:
    return [
        {
            "service_code": code,
            "service_name": AppealKind(code).label,
            "description": SERVICE_DESCRIPTIONS[code],
            "metadata": True,
            "type": "realtime",
            "keywords": SERVICE_KEYWORDS[code],
            "group": Stream(KIND_STREAM[code]).label,
        }
        for code in PUBLIC_SERVICE_CODES
    ]


def service_definition(code: str) -> dict[str, Any]:
    return {
        "service_code": code,
        "attributes": [
            {
                "variable": True,
                "code": "region_code",
                "datatype": "string",
                "required": False,
                "datatype_description": (
                    "区划代码，如 339901001001；也可用 address_id 传入。不填时按经纬度"
                    "（lat/long，已载入区划边界时）或地址（address_string）中的社区、街道名称确定"
                ),
                "order": 1,
                "description": "发生地所在的行政区划（社区/村或街道）代码",
            },
            {
                "variable": True,
                "code": "urgency",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": None,
                "order": 2,
                "description": "紧急程度（默认：一般）",
                "values": [{"key": key, "name": label} for key, label in Urgency.choices],
            },
            {
                "variable": True,
                "code": "confidential",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": None,
                "order": 3,
                "description": "身份保密：保密的诉求不在公开接口中显示"
                + ("（检举控告类始终保密）" if code == AppealKind.XF_ACCUSATION else ""),
                "values": [{"key": "true", "name": "是"}, {"key": "false", "name": "否"}],
            },
            {
                "variable": True,
                "code": "title",
                "datatype": "string",
                "required": False,
                "datatype_description": "2–200字；不填时取诉求内容的前30个字",
                "order": 4,
                "description": "标题（公开显示，请勿填写姓名、电话等个人信息）",
            },
            {
                "variable": True,
                "code": "submission_id",
                "datatype": "string",
                "required": False,
                "datatype_description": "不超过100个字符；也可用 Idempotency-Key 请求头传入",
                "order": 5,
                "description": "提交编号：重试同一提交时使用相同编号，不会重复登记",
            },
        ],
    }


def check_service(code: str) -> None:
    if code not in PUBLIC_SERVICE_CODES:
        raise Open311Error(404, f"未知的服务类型：{code[:50]}")


def check_jurisdiction(value: str | None) -> None:
    value = (value or "").strip()
    if value and value != settings.SHEGONG_CITY_NAME:
        raise Open311Error(404, f"未知的 jurisdiction_id：{value[:50]}")
