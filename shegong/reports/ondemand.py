"""On-demand generation (``Cap.REPORTS_MANAGE``): a pending archive row, audited, and the
generation enqueued after commit (``tasks.generate_report`` runs ``services.generate``)."""

from __future__ import annotations

from django.db import transaction

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap
from shegong.regions.models import Region

from .choices import ReportKind, Trigger
from .models import Report
from .periods import parse_period
from .services import REPORT_LEVELS, new_row
from .tasks import generate_report


def request_report(*, actor: User, kind: str, period: str, region_id: int | str) -> Report:
    """On demand: checks, a pending row, generation after commit."""
    require_capability(actor, Cap.REPORTS_MANAGE, "您的角色不能生成统计报告")
    if kind not in ReportKind.values:
        raise DomainError("请选择报告类型")
    parsed = parse_period(kind, period)
    try:
        region = Region.objects.visible_to(actor).get(pk=int(region_id), level__in=REPORT_LEVELS)
    except (Region.DoesNotExist, ValueError, TypeError):
        raise DomainError("请选择全市或您辖区内的一个区县") from None
    with transaction.atomic():
        report = new_row(kind, parsed, region, Trigger.MANUAL, actor)
        audit.record(
            "report_requested",
            actor=actor,
            target=report,
            target_repr=f"{region.name} {report}",
            changes={
                "kind": str(ReportKind(kind).label),
                "period": parsed.key,
                "region": region.code,
            },
        )
        report_id = report.pk
        transaction.on_commit(lambda: generate_report.enqueue(report_id))
    return report
