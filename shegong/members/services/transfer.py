"""The roster spreadsheet: import (dry run, then all-or-nothing commit, like the 两新
registry import), its template and error file, and the masked export."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date

from django.db import transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.pii import blind_index
from shegong.core.roles import Cap
from shegong.core.tabular import SAMPLE_COLUMN, SAMPLE_NOTE, Column, ImportReport, without_samples
from shegong.lib.masking import mask_id_number, mask_name, mask_phone
from shegong.organizations.choices import EntityKind, OrgStatus
from shegong.organizations.models import Entity, PartyOrganization

from ..choices import Education, Stage, WorkerGroup
from ..models import Member
from .common import parse_identity
from .people import MemberInput, check_profile, create_member

IMPORT_SPEC = (
    Column("姓名", required=True),
    Column("身份证号", required=True, aliases=("身份证号码", "公民身份号码")),
    Column("党组织编码", required=True, aliases=("所在党组织编码", "党支部编码")),
    Column("人员类别", required=True, aliases=("发展阶段", "党员类别")),
    Column("入党日期", aliases=("入党时间",)),
    Column("转正日期", aliases=("转正时间",)),
    Column("递交入党申请日期", aliases=("申请入党日期",)),
    Column("手机号码", aliases=("手机号", "联系电话")),
    Column("民族"),
    Column("学历"),
    Column("转入本支部日期"),
    Column("流动党员", aliases=("是否流动党员",)),
    Column("外出去向", aliases=("流入地",)),
    Column("外出日期"),
    Column("新就业群体"),
    Column("所属平台信用代码", aliases=("平台统一社会信用代码",)),
    Column("工作单位信用代码", aliases=("工作单位统一社会信用代码",)),
    Column("工作单位"),
    SAMPLE_COLUMN,
)
IMPORT_COLUMNS = [c.name for c in IMPORT_SPEC if c is not SAMPLE_COLUMN]
TEMPLATE_COLUMNS = [c.name for c in IMPORT_SPEC]
REQUIRED_COLUMNS = [c.name for c in IMPORT_SPEC if c.required]
ERROR_COLUMNS = ["行号", "列", "填写的内容", "问题"]
STAGE_BY_LABEL = {
    "正式党员": Stage.FULL,
    "正式": Stage.FULL,
    "预备党员": Stage.PROBATIONARY,
    "预备": Stage.PROBATIONARY,
    "入党申请人": Stage.APPLICANT,
}
EDUCATION_BY_LABEL = {label: value for value, label in Education.choices if value}
GROUP_BY_LABEL = {label: value for value, label in WorkerGroup.choices if value}
YES = {"是", "1", "y", "yes", "true", "√"}
_MASKED = {"姓名": mask_name, "身份证号": mask_id_number, "手机号码": mask_phone}


def parse_date(text: str) -> date | None:
    text = text.strip().replace("/", "-").replace(".", "-").split(" ")[0]
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def template_example(*, actor: User) -> list[list[str]]:
    """One sample row (never imported), with a branch code the user can see."""
    org = (
        PartyOrganization.objects.visible_to(actor)
        .filter(status=OrgStatus.ACTIVE)
        .order_by("-depth", "pk")
        .first()
    )
    return [
        [
            "张三",
            "33990119900101123X",
            org.code if org else "",
            "正式党员",
            "2015-07-01",
            "2016-07-01",
            "",
            "13800001111",
            "汉族",
            "本科",
            "2020-03-01",
            "否",
            "",
            "",
            "",
            "",
            "",
            "某某科技有限公司",
            SAMPLE_NOTE,
        ]
    ]


def _row_input(
    number: int,
    row: dict[str, str],
    report: ImportReport,
    orgs: dict[str, int],
    platforms: dict[str, int],
    employers: dict[str, int],
) -> MemberInput | None:
    bad: list[tuple[str, str]] = []

    def day(column: str) -> date | None:
        text = row.get(column, "").strip()
        value = parse_date(text)
        if text and value is None:
            bad.append((column, "日期格式应为 2024-07-01"))
        return value

    code = row.get("党组织编码", "").strip()
    org_id = orgs.get(code)
    if org_id is None:
        bad.append(("党组织编码", f"党组织编码 {code} 不存在、已撤销或不在您的管辖范围内"))
    stage_text = row.get("人员类别", "").strip()
    stage = STAGE_BY_LABEL.get(stage_text)
    if stage is None:
        bad.append(("人员类别", "人员类别应为 正式党员、预备党员 或 入党申请人"))
    education = row.get("学历", "").strip()
    if education and education not in EDUCATION_BY_LABEL:
        bad.append(("学历", f"学历“{education}”不在可选范围内"))
    group = row.get("新就业群体", "").strip()
    if group and group not in GROUP_BY_LABEL:
        bad.append(("新就业群体", f"新就业群体“{group}”不在可选范围内"))
    platform_code = row.get("所属平台信用代码", "").strip()
    if platform_code and platform_code not in platforms:
        bad.append(("所属平台信用代码", "该平台不在两新组织名录的平台企业中"))
    employer_code = row.get("工作单位信用代码", "").strip()
    if employer_code and employer_code not in employers:
        bad.append(("工作单位信用代码", "该单位不在两新组织名录中或不在您的管辖范围内"))
    data = MemberInput(
        name=row.get("姓名", ""),
        id_number=row.get("身份证号", ""),
        organization_id=org_id or 0,
        stage=stage or Stage.FULL,
        phone=row.get("手机号码", ""),
        ethnicity=row.get("民族", ""),
        education=EDUCATION_BY_LABEL.get(education, ""),
        applied_on=day("递交入党申请日期"),
        admitted_on=day("入党日期"),
        confirmed_on=day("转正日期"),
        joined_branch_on=day("转入本支部日期"),
        is_floating=row.get("流动党员", "").strip().lower() in YES,
        floating_destination=row.get("外出去向", ""),
        floating_since=day("外出日期"),
        worker_group=GROUP_BY_LABEL.get(group, ""),
        platform_id=platforms.get(platform_code),
        employer_id=employers.get(employer_code),
        employer_name=row.get("工作单位", ""),
    )
    known = {column for column, _ in bad}
    for label, message in check_profile(data, today=timezone.localdate()):
        if label in ("发展阶段",) and "人员类别" in known:
            continue
        column = {"外出去向": "外出去向", "所属平台": "所属平台信用代码"}.get(label, label)
        if column not in known:
            bad.append((column, message))
    for column, message in bad:
        report.add(number, column, message)
    return None if bad else data


def import_members(
    *, actor: User, rows: Sequence[tuple[int, dict[str, str]]], commit: bool
) -> ImportReport:
    """Check every row (all problems at once); with ``commit`` and no problem, create every
    record in one transaction. A 身份证号 already on file, or twice in the file, is an error."""
    require_capability(actor, Cap.MEMBERS_IMPORT, "您的角色不能导入党员名册")
    report = ImportReport(total=len(rows))
    rows = without_samples(rows, report)
    orgs = dict(
        PartyOrganization.objects.visible_to(actor)
        .filter(status=OrgStatus.ACTIVE)
        .values_list("code", "pk")
    )
    codes = {r.get("所属平台信用代码", "").strip() for _, r in rows} - {""}
    platforms = dict(
        Entity.objects.filter(kind=EntityKind.PLATFORM, credit_code__in=codes).values_list(
            "credit_code", "pk"
        )
    )
    codes = {r.get("工作单位信用代码", "").strip() for _, r in rows} - {""}
    employers = dict(
        Entity.objects.visible_to(actor)
        .filter(credit_code__in=codes)
        .values_list("credit_code", "pk")
    )
    valid: list[tuple[int, MemberInput]] = []
    seen: dict[str, int] = {}
    index: dict[str, int] = {}
    today = timezone.localdate()
    for number, row in rows:
        data = _row_input(number, row, report, orgs, platforms, employers)
        try:
            normalised = parse_identity(row.get("身份证号", ""), today=today).number
        except DomainError:
            normalised = ""
        if normalised:
            first = seen.setdefault(normalised, number)
            if first != number:
                report.add(number, "身份证号", f"身份证号与第 {first} 行重复")
                data = None
            else:
                index[blind_index("id_number", normalised)] = number
        if data is not None:
            valid.append((number, data))
    duplicates = {index[b] for b in _on_file(list(index))}
    for number in sorted(duplicates):
        report.add(number, "身份证号", "该身份证号已有党员档案（同一人只能有一份档案）")
    report.errors.sort(key=lambda e: e.row)
    valid = [(n, d) for n, d in valid if n not in duplicates]
    report.created = len(valid)
    if not commit or not report.ok:
        return report
    failing = 0  # the row being created, for the report
    try:
        with transaction.atomic():  # all rows or none
            for row_number, data in valid:
                failing = row_number
                create_member(actor=actor, data=data)
            audit.record(
                "members_imported",
                actor=actor,
                target_type="members.member",
                target_repr=f"导入党员名册 {len(valid)} 人",
                changes={"rows": report.total, "created": len(valid)},
            )
    except DomainError as exc:
        # What changed since the dry run (a record entered meanwhile, …): a report error
        # naming the row, nothing imported.
        column = "身份证号" if exc.code == "duplicate" else "（整行）"
        report.add(failing, column, f"{exc.message}（未导入任何记录，请修改后重新导入）")
        report.created = 0
        return report
    report.committed = True
    return report


#: ids per ``IN (…)`` query, under SQLite's bound-variable limit
LOOKUP_CHUNK = 5000


def _on_file(indexes: list[str]) -> set[str]:
    """The blind indexes among ``indexes`` that a record already has."""
    found: set[str] = set()
    for start in range(0, len(indexes), LOOKUP_CHUNK):
        chunk = indexes[start : start + LOOKUP_CHUNK]
        found.update(
            Member.objects.filter(id_number_bidx__in=chunk).values_list("id_number_bidx", flat=True)
        )
    return found


def import_error_rows(*, actor: User, rows: list[tuple[int, dict[str, str]]]) -> list[list[object]]:
    """Every problem of a dry run (row, column, the value as written — personal data masked —,
    message) for the 下载全部错误 file; audited."""
    report = import_members(actor=actor, rows=rows, commit=False)
    raw = dict(rows)
    out = []
    for e in report.errors:
        value = (raw.get(e.row, {}).get(e.column) or "").strip()
        masker = _MASKED.get(e.column)
        out.append([e.row, e.column, masker(value) if masker else value, e.message])
    audit.record(
        "members_import_errors_downloaded",
        actor=actor,
        target_type="members.member",
        target_repr=f"导入检查错误 {len(out)} 处",
        changes={"rows": report.total, "errors": len(out)},
    )
    return out


EXPORT_HEADERS = [
    "姓名",
    "性别",
    "出生日期",
    "身份证号",
    "手机号码",
    "所在党组织",
    "党组织编码",
    "人员类别",
    "在册状态",
    "入党日期",
    "转正日期",
    "党龄（年）",
    "流动党员",
    "外出去向",
    "新就业群体",
    "所属平台",
    "工作单位",
]


def export_rows(members: Iterable[Member], today: date) -> Iterator[list[object]]:
    """Roster rows with personal data masked (``str(Sensitive)`` masks)."""
    for m in members:
        years = m.party_standing_years(today)
        yield [
            str(m.name),
            m.get_gender_display(),
            m.birth_date or "",
            str(m.id_number),
            str(m.phone) if m.phone else "",
            m.organization.name,
            m.organization.code,
            m.get_stage_display(),
            m.get_standing_display(),
            m.admitted_on or "",
            m.confirmed_on or "",
            "" if years is None else years,
            "是" if m.is_floating else "否",
            m.floating_destination,
            m.get_worker_group_display() if m.worker_group else "",
            m.platform.name if m.platform_id and m.platform else "",
            m.employer.name if m.employer_id and m.employer else m.employer_name,
        ]
