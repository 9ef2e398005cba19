"""``AreaQuarter``: the ``BranchQuarter`` counters summed per quarter × street × 两新,
rebuilt from the branch rows after every engine run (the citywide table reads them)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import transaction
from django.db.models import Count, Max, Q, Sum

from shegong.regions.models import Region

from ..models import AreaQuarter, BranchQuarter, CompliancePolicy

COUNTERS = ("missing", "kinds_short", "quorum_failed", "minutes_missing", "minutes_late")


def refresh_area_quarters(quarters: Iterable[int] | None = None) -> int:
    """Rebuild the ``AreaQuarter`` rows of ``quarters`` (default: every quarter with
    ``BranchQuarter`` rows) from the branch rows; returns the rows written. Refreshes are
    serialised on the policy row (two runs finishing together cannot both insert)."""
    wanted = sorted(
        set(quarters)
        if quarters is not None
        else set(BranchQuarter.objects.values_list("quarter", flat=True).distinct())
    )
    with transaction.atomic():
        CompliancePolicy.current()
        CompliancePolicy.objects.select_for_update().filter(pk=1).first()
        AreaQuarter.objects.filter(quarter__in=wanted).delete()
        groups = list(
            BranchQuarter.objects.filter(quarter__in=wanted)
            .values("quarter", "district_id", "street_id", "two_new")
            .annotate(
                n=Count("pk"),
                compliant_n=Count("pk", filter=Q(compliant=True)),
                lapse_n=Sum("lapse_risks"),
                last=Max("computed_at"),
                **{f"{c}_n": Sum(c) for c in COUNTERS},
            )
            .order_by()
        )
        ids = {g["street_id"] or g["district_id"] for g in groups} - {None}
        paths = dict(Region.objects.filter(pk__in=ids).values_list("pk", "path"))
        AreaQuarter.objects.bulk_create(
            [
                AreaQuarter(
                    quarter=g["quarter"],
                    region_path=paths.get(g["street_id"] or g["district_id"], ""),
                    district_id=g["district_id"],
                    street_id=g["street_id"],
                    two_new=g["two_new"],
                    branches=g["n"],
                    compliant=g["compliant_n"],
                    lapse_risks=_int(g, "lapse_n"),
                    computed_at=g["last"],
                    **{c: _int(g, f"{c}_n") for c in COUNTERS},
                )
                for g in groups
            ],
            batch_size=1000,
        )
    return len(groups)


def _int(group: Mapping[str, object], key: str) -> int:
    value = group[key]
    return int(value) if isinstance(value, int) else 0
