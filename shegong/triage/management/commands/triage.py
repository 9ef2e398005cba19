"""``shegong triage train --output DIR [...]``: retrain the category model on closed appeals.

Labels: only closed appeals whose triage suggestion a dispatcher accepted are exported (their
``TriageResult.category_l1``); the appeals app records no final category of its own, so
unaccepted appeals have no trustworthy label. If there are none, nothing is trained. Any other
subcommand (``classify``, ``triage`` …) is passed to ``python -m shegong.textmining.cli``.
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path
from typing import Any

from shegong.triage.management.passthrough import PassThroughCommand


def export_training_csv(path: Path) -> int:
    """Write ``title,body,category_l1`` of labelled closed appeals; returns the row count."""
    from shegong.appeals.choices import AppealStatus
    from shegong.triage.models import TriageResult

    rows = (
        TriageResult.objects.filter(appeal__status=AppealStatus.CLOSED, accepted_at__isnull=False)
        .exclude(category_l1="")
        .values_list("appeal__title", "appeal__body", "category_l1")
        .order_by("appeal_id")
    )
    n = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["title", "body", "category_l1"])
        for row in rows.iterator():
            writer.writerow(row)
            n += 1
    return n


class Command(PassThroughCommand):
    help = "智能分拣：train（用已办结且采纳建议的诉求重新训练分类模型）或其他批处理子命令"

    def handle(self, *args: Any, **options: Any) -> None:
        argv = [*args, *options.get("argv", [])]
        if not argv:
            self.stderr.write("用法：shegong triage train --output 模型目录 [--no-cv] …")
            return
        if argv[0] != "train":
            self.run_cli(argv)
            return
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "closed.csv"
            n = export_training_csv(path)
            if n == 0:
                self.stdout.write("没有已办结且采纳了分拣建议的诉求，未训练。")
                return
            self.stdout.write(f"导出 {n} 件已办结诉求用于训练。")
            self.run_cli(["train", "--input", str(path), *argv[1:]])
