"""``shegong triage train --output DIR [...]``: retrain the category model on closed appeals.

Labels: the dispatcher's final category of closed appeals (``Appeal.category_l1``, set when
dispatching, by accepting a triage suggestion, or corrected later) — the city's own practice.
Appeals closed without a category are left out. If there are none, nothing is trained.
``evaluate-routing`` measures how often the top routing suggestion was the unit that finally
handled the appeal. Any other subcommand (``classify``, ``triage`` …) is passed to
``python -m shegong.textmining.cli``.
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
    from shegong.appeals.models import Appeal

    rows = (
        Appeal.objects.filter(status=AppealStatus.CLOSED)
        .exclude(category_l1="")
        .values_list("title", "body", "category_l1")
        .order_by("pk")
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
    help = "智能分拣：train（按最终类别重新训练）、evaluate-routing（分拨命中率）或其他批处理子命令"

    def handle(self, *args: Any, **options: Any) -> None:
        argv = [*args, *options.get("argv", [])]
        if not argv:
            self.stderr.write("用法：shegong triage train --output 模型目录 [--no-cv] …")
            return
        if argv[0] == "evaluate-routing":
            self.evaluate_routing()
            return
        if argv[0] != "train":
            self.run_cli(argv)
            return
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "closed.csv"
            n = export_training_csv(path)
            if n == 0:
                self.stdout.write("没有已办结且确定了类别的诉求，未训练。")
                return
            self.stdout.write(f"导出 {n} 件已办结诉求用于训练。")
            self.run_cli(["train", "--input", str(path), *argv[1:]])

    def evaluate_routing(self) -> None:
        """Top-1/top-3 of the stored suggestions against the final 主办 unit (last 90 days,
        whole city), printed as JSON."""
        import json

        from shegong.triage.services import routing_accuracy

        figures = routing_accuracy(None)
        figures["since"] = figures["since"].isoformat()
        self.stdout.write(json.dumps(figures, ensure_ascii=False))
