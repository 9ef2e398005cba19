"""The cockpit's daily rollup of appeals (issue 17, docs/cockpit.md).

One row per Beijing registration day × region (the appeal's own region) × 一级 category,
counting only the appeals the cockpit counts (``rollup.COUNTED``: not a 检举控告, not
merged into another). A cache of a ``GROUP BY`` over ``Appeal``, never a source of its
own: ``appeals.rollup.sync`` recomputes every day touched by an appeal written since the
last run (``updated_at``), ``shegong appeals_rollup --rebuild`` recomputes all of it, and
tests compare it with the direct query.

``region_path`` is a copy of the region's ``path``, written with the row: the cockpit limits
the rows to a region's subtree by a range of it (``core.tree.subtree_q``) with no join to
the regions and no list of region ids. ``region_path`` follows a region move in the move's
own transaction (``core.tree.register_path_copy``, registered in ``AppealsConfig.ready``).
"""

from __future__ import annotations

from django.db import models

# The columns the cockpit reads from a rollup row besides its date and path.
ROLLUP_READS = ("category", "registered", "open", "closed", "group", "headcount")


class AppealDayStat(models.Model):
    day = models.DateField("登记日期")
    region = models.ForeignKey(
        "regions.Region", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    region_path = models.CharField("区划路径", max_length=255, default="")
    category = models.CharField("诉求类别（一级）", max_length=50, blank=True)
    registered = models.PositiveIntegerField("登记件数", default=0)
    open = models.PositiveIntegerField("在办件数", default=0)
    closed = models.PositiveIntegerField("办结件数", default=0)
    group = models.PositiveIntegerField("集体访/联名件数", default=0)
    headcount = models.PositiveIntegerField("集体访/联名人数", default=0)

    class Meta:
        verbose_name = "诉求日汇总"
        verbose_name_plural = "诉求日汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "region", "category"], name="appeal_day_stat_once"
            )
        ]
        indexes = [
            models.Index(fields=["region", "day"], name="appeal_day_stat_region"),
            # A subtree's rows (a path range) of a period (a day range, checked in the index)
            # without reading the table: the index holds every column the cockpit reads
            # (SQLite picks the (day, …) unique index instead when this one is not covering;
            # docs/cockpit.md). The whole tree (the city) reads the day range instead.
            models.Index(fields=["region_path", "day", *ROLLUP_READS], name="appeal_day_stat_path"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.region_id} {self.category}: {self.registered}"


class AppealMonthStat(models.Model):
    """The same counts per Beijing calendar month × region × 一级 category: the sum of the
    month's ``AppealDayStat`` rows, rewritten whenever one of its days is (``rollup``). A
    year's figures read twelve months of it instead of 365 days of the daily table, and
    当前在办 sums its ``open`` (docs/cockpit.md, bench/README.md)."""

    month = models.DateField("月份")  # the month's first day
    region = models.ForeignKey(
        "regions.Region", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    region_path = models.CharField("区划路径", max_length=255, default="")
    category = models.CharField("诉求类别（一级）", max_length=50, blank=True)
    registered = models.PositiveIntegerField("登记件数", default=0)
    open = models.PositiveIntegerField("在办件数", default=0)
    closed = models.PositiveIntegerField("办结件数", default=0)
    group = models.PositiveIntegerField("集体访/联名件数", default=0)
    headcount = models.PositiveIntegerField("集体访/联名人数", default=0)

    class Meta:
        verbose_name = "诉求月汇总"
        verbose_name_plural = "诉求月汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["month", "region", "category"], name="appeal_month_stat_once"
            )
        ]
        indexes = [
            models.Index(fields=["region", "month"], name="appeal_month_stat_region"),
            models.Index(
                fields=["region_path", "month", *ROLLUP_READS], name="appeal_month_stat_path"
            ),
            # 当前在办 sums ``open`` over every month (``cockpit.open_now``), but only the
            # rows of recent months hold open appeals: the city's sum read all ~790,000 month
            # rows of the metro world with 1,000,000 appeals (117 ms), a district's 44 ms;
            # this index holds the ~5,000 rows with open appeals (0.3 ms each).
            models.Index(
                fields=["region_path", "open"],
                condition=models.Q(open__gt=0),
                name="appeal_month_stat_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.region_id} {self.category}: {self.registered}"


class RollupMark(models.Model):
    """How far ``appeals.rollup.sync`` has read (``Appeal.updated_at``); one row per rollup."""

    name = models.CharField(max_length=40, unique=True)
    synced_to = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "汇总进度"
        verbose_name_plural = "汇总进度"

    def __str__(self) -> str:
        return f"{self.name}: {self.synced_to}"
