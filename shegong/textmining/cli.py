"""Batch command line: ``python -m shegong.textmining.cli SUBCOMMAND ...``.

Subcommands: ``classify``, ``near-duplicates``, ``hotspots``, ``triage``, ``train``,
``taxonomy``. Inputs are CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) or XLSX; outputs are UTF-8
CSV with BOM. Errors and row warnings go to stderr in Chinese; a bad row is flagged in the
output, never a reason to stop. Exit codes: 0 done, 1 unreadable input or model, 2 wrong
usage or missing columns.

:func:`main` takes ``argv`` and text streams, so the project's own CLI can delegate to it.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from shegong.textmining.tabular import Table, TableError, read_table, write_csv

__all__ = ["main", "parse_time"]

EXIT_OK = 0
EXIT_INPUT = 1
EXIT_USAGE = 2

_TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日",
)


def parse_time(value: str | None) -> datetime | None:
    """Parse the date-time forms seen in appeal exports (None when it cannot)."""
    if not value:
        return None
    v = value.strip()
    v = re.sub(r"\.\d+$", "", v)
    try:
        return datetime.fromisoformat(v).replace(tzinfo=None)
    except ValueError:
        pass
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(v, fmt)
        except ValueError:
            continue
    return None


class _Ctx:
    def __init__(self, err: TextIO) -> None:
        self.err = err
        self.flagged = 0

    def say(self, msg: str) -> None:
        print(msg, file=self.err)

    def flag(self, row_no: int, row_id: str, msg: str) -> None:
        self.flagged += 1
        if self.flagged <= 50:
            self.say(f"第 {row_no} 行（id={row_id}）：{msg}")
        elif self.flagged == 51:
            self.say("……更多有问题的行不再逐条列出")


def _load(ctx: _Ctx, path: str, required: Sequence[str]) -> Table | None:
    try:
        table = read_table(path)
    except TableError as exc:
        ctx.say(f"错误：{exc}")
        return None
    for w in table.warnings:
        ctx.say(f"注意：{w}")
    missing = table.missing(required)
    if missing:
        ctx.say(
            f"错误：输入文件缺少必需的列：{', '.join(missing)}"
            f"（需要 {', '.join(required)}；现有列：{', '.join(table.columns) or '无'}）"
        )
        return None
    return table


def _row_ids(table: Table) -> list[str]:
    ids = []
    for i, row in enumerate(table.rows, start=2):
        ids.append(row.get("id", "").strip() or f"row{i}")
    return ids


def _cmd_classify(args: argparse.Namespace, ctx: _Ctx) -> int:
    from shegong.textmining.classify import ModelLoadError, compose_text, load_model
    from shegong.textmining.triage import FLAG_EMPTY, FLAG_MESSAGES, text_flags

    table = _load(ctx, args.input, ("id", "title", "body"))
    if table is None:
        return EXIT_USAGE if Path(args.input).is_file() else EXIT_INPUT
    try:
        model = load_model(args.model)
    except ModelLoadError as exc:
        ctx.say(f"错误：无法加载分类模型：{exc}")
        return EXIT_INPUT
    ids = _row_ids(table)
    texts: list[str] = []
    todo: list[int] = []
    flags: list[tuple[str, ...]] = []
    for i, row in enumerate(table.rows):
        f = text_flags(row.get("title"), row.get("body"))
        flags.append(f)
        for name in f:
            ctx.flag(i + 2, ids[i], FLAG_MESSAGES[name])
        if FLAG_EMPTY not in f:
            texts.append(compose_text(row.get("title"), row.get("body")))
            todo.append(i)
    preds = model.predict_texts(texts)
    by_row = dict(zip(todo, preds, strict=True))
    out = []
    for i in range(len(table.rows)):
        p = by_row.get(i)
        out.append(
            {
                "id": ids[i],
                "category_l1": p.category_l1 if p else "",
                "category_l2": (p.category_l2 or "") if p else "",
                "confidence": f"{p.confidence:.4f}" if p else "0",
                "flag": ";".join(flags[i]),
            }
        )
    n = write_csv(args.output, ["id", "category_l1", "category_l2", "confidence", "flag"], out)
    ctx.say(f"已分类 {n} 行，其中 {sum(1 for f in flags if f)} 行有标记；结果写入 {args.output}")
    return EXIT_OK


def _cmd_near_duplicates(args: argparse.Namespace, ctx: _Ctx) -> int:
    from shegong.textmining.duplicates import NearDuplicateIndex
    from shegong.textmining.normalize import match_key

    table = _load(ctx, args.input, ("id", "body"))
    if table is None:
        return EXIT_USAGE if Path(args.input).is_file() else EXIT_INPUT
    ids = _row_ids(table)
    index = NearDuplicateIndex(threshold=args.threshold)
    seen: set[str] = set()
    items = []
    for i, row in enumerate(table.rows):
        text = f"{row.get('title', '')}\n{row.get('body', '')}"
        if not match_key(text):
            ctx.flag(i + 2, ids[i], "文本为空，已跳过")
            continue
        if ids[i] in seen:
            ctx.flag(i + 2, ids[i], "id 重复，后一行覆盖前一行")
        seen.add(ids[i])
        items.append((ids[i], text))
    index.add_many(items)
    pairs: dict[tuple[str, str], float] = {}
    for key, text in items:
        for m in index.query(text, limit=None, exclude=key):
            a, b = sorted((key, m.key))
            pairs[(a, b)] = max(pairs.get((a, b), 0.0), m.similarity)
    rows = [
        {"id_a": a, "id_b": b, "similarity": f"{s:.4f}"}
        for (a, b), s in sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    write_csv(args.output, ["id_a", "id_b", "similarity"], rows)
    ctx.say(f"{len(items)} 条文本中找到 {len(rows)} 对近似重复；结果写入 {args.output}")
    return EXIT_OK


def _cmd_hotspots(args: argparse.Namespace, ctx: _Ctx) -> int:
    from shegong.textmining.hotspots import HotspotRecord, detect_hotspots

    table = _load(ctx, args.input, ("id", "body", "created_at"))
    if table is None:
        return EXIT_USAGE if Path(args.input).is_file() else EXIT_INPUT
    ids = _row_ids(table)
    matcher = _place_matcher(args.regions, ctx) if args.regions else None
    if args.regions and matcher is None:
        return EXIT_INPUT
    records = []
    for i, row in enumerate(table.rows):
        t = parse_time(row.get("created_at"))
        text = f"{row.get('title', '')}\n{row.get('body', '')}".strip()
        if t is None:
            ctx.flag(i + 2, ids[i], f"时间“{row.get('created_at', '')}”无法识别，已跳过")
            continue
        if not text:
            ctx.flag(i + 2, ids[i], "文本为空，已跳过")
            continue
        place = (row.get("place") or row.get("region_code") or "").strip() or None
        if place is None:
            place = _guess_place(text, matcher)
        records.append(HotspotRecord(ids[i], t, place, text, row.get("category_l1") or None))
    topic = args.topic
    if topic == "category" and not any(r.category for r in records):
        ctx.say("注意：输入没有 category_l1 列，按关键词聚类划分话题")
        topic = "keywords"
    at = parse_time(args.at) if args.at else None
    if args.at and at is None:
        ctx.say(f"错误：--at 时间“{args.at}”无法识别")
        return EXIT_USAGE
    spots = detect_hotspots(
        records,
        now=at,
        window=timedelta(days=args.window_days),
        baseline_windows=args.baseline_windows,
        topic=topic,
        min_count=args.min_count,
        z_threshold=args.z,
        limit=args.limit,
    )
    rows = [
        {
            "rank": n,
            "topic": h.topic,
            "place": h.place,
            "count": h.count,
            "expected": f"{h.expected:.2f}",
            "z": f"{h.z:.2f}",
            "p_value": f"{h.p_value:.3g}",
            "trend": " ".join(map(str, h.trend)),
            "keywords": "、".join(h.keywords),
            "representative_ids": " ".join(h.representative_ids),
            "places": "、".join(f"{p}({c})" for p, c in h.places),
            "first": h.first.isoformat(sep=" "),
            "last": h.last.isoformat(sep=" "),
            "ids": " ".join(h.ids),
        }
        for n, h in enumerate(spots, start=1)
    ]
    cols = ["rank", "topic", "place", "count", "expected", "z", "p_value", "trend", "keywords"]
    cols += ["representative_ids", "places", "first", "last", "ids"]
    write_csv(args.output, cols, rows)
    ctx.say(f"{len(records)} 条记录中发现 {len(rows)} 个热点；结果写入 {args.output}")
    return EXIT_OK


# Fallback when no regions table is given: the anonymised public data names places "A市",
# "A3区", "A7县"; real text "东城区" etc. The most specific (区/县) mention wins.
_PLACE_RE = re.compile(
    r"[A-Z]\d+[区县]|[A-Z]市|[\u4e00-\u9fa5]{2,3}(?:区|县)(?![\u4e00-\u9fa5]{0,1}[域长委])"
)


def _guess_place(text: str, matcher: Any) -> str | None:
    if matcher is not None:
        m = matcher.locate(text)
        return m.name if m else None
    found = _PLACE_RE.findall(text[:200])
    specific = [f for f in found if f.endswith(("区", "县"))]
    if specific:
        return specific[0]
    return found[0] if found else None


def _place_matcher(path: str, ctx: _Ctx) -> Any:
    from shegong.textmining.places import PlaceMatcher, Region

    table = _load(ctx, path, ("code", "name"))
    if table is None:
        return None
    return PlaceMatcher(
        Region(r["code"], r["name"], r.get("parent") or None) for r in table.rows if r["code"]
    )


def _cmd_triage(args: argparse.Namespace, ctx: _Ctx) -> int:
    from shegong.textmining.classify import ModelLoadError, load_model
    from shegong.textmining.duplicates import NearDuplicateIndex
    from shegong.textmining.routing import HistoryRecord, Router, RoutingHistory, rules_from_rows
    from shegong.textmining.triage import FLAG_MESSAGES, AppealInput, TriageEngine

    table = _load(ctx, args.input, ("id", "title", "body"))
    if table is None:
        return EXIT_USAGE if Path(args.input).is_file() else EXIT_INPUT
    try:
        model = load_model(args.model)
    except ModelLoadError as exc:
        ctx.say(f"错误：无法加载分类模型：{exc}")
        return EXIT_INPUT
    rules = []
    if args.rules:
        rt = _load(ctx, args.rules, ("unit", "category"))
        if rt is None:
            return EXIT_USAGE
        rules = rules_from_rows(rt.rows)
    history = RoutingHistory()
    if args.history:
        ht = _load(ctx, args.history, ("id", "body", "unit"))
        if ht is None:
            return EXIT_USAGE
        history.add_many(
            HistoryRecord(
                r["id"],
                f"{r.get('title', '')}\n{r['body']}",
                r["unit"],
                r.get("category_l1") or None,
                r.get("region_code") or None,
            )
            for r in ht.rows
            if r.get("unit")
        )
    matcher = _place_matcher(args.regions, ctx) if args.regions else None
    engine = TriageEngine(
        model=model,
        router=Router(rules, history),
        duplicates=NearDuplicateIndex(),
        places=matcher,
    )
    ids = _row_ids(table)
    out = []
    for i, row in enumerate(table.rows):
        appeal = AppealInput(
            ids[i],
            row.get("title", ""),
            row.get("body", ""),
            region_code=row.get("region_code") or None,
            address=row.get("address") or None,
            person_key=row.get("person_key") or None,
            time=parse_time(row.get("created_at")),
        )
        res = engine.triage(appeal)
        for name in res.flags:
            ctx.flag(i + 2, ids[i], FLAG_MESSAGES[name])
        engine.record_intake(appeal)
        units = list(res.units) + [None] * 3
        rec: dict[str, Any] = {
            "id": ids[i],
            "category_l1": res.category.category_l1 if res.category else "",
            "category_l2": (res.category.category_l2 or "") if res.category else "",
            "confidence": f"{res.category.confidence:.4f}" if res.category else "0",
            "region_code": res.region_code or "",
            "duplicates": " ".join(f"{d.key}:{d.similarity:.2f}" for d in res.duplicates),
            "repeats": " ".join(d.key for d in res.repeats),
            "group_people": res.group.people if res.group else "",
            "flag": ";".join(res.flags),
        }
        for n in range(3):
            u = units[n]
            rec[f"unit_{n + 1}"] = u.unit if u else ""
            rec[f"score_{n + 1}"] = f"{u.score:.3f}" if u else ""
            rec[f"reasons_{n + 1}"] = " | ".join(r.message for r in u.reasons) if u else ""
        out.append(rec)
    cols = ["id", "category_l1", "category_l2", "confidence", "region_code"]
    for n in range(1, 4):
        cols += [f"unit_{n}", f"score_{n}", f"reasons_{n}"]
    cols += ["duplicates", "repeats", "group_people", "flag"]
    write_csv(args.output, cols, out)
    ctx.say(f"已处理 {len(out)} 件诉求；结果写入 {args.output}")
    return EXIT_OK


def _cmd_train(args: argparse.Namespace, ctx: _Ctx) -> int:
    from shegong.textmining.classify import CANDIDATES, train
    from shegong.textmining.taxonomy import Taxonomy

    table = _load(ctx, args.input, ("title", "body", "category_l1"))
    if table is None:
        return EXIT_USAGE if Path(args.input).is_file() else EXIT_INPUT
    rows = [r for r in table.rows if (r.get("category_l1") or "").strip()]
    skipped = len(table.rows) - len(rows)
    if skipped:
        ctx.say(f"注意：{skipped} 行没有 category_l1，已跳过")
    if len({r["category_l1"] for r in rows}) < 2:
        ctx.say("错误：训练至少需要两个不同的 category_l1 类别")
        return EXIT_USAGE
    if args.candidate and args.candidate not in CANDIDATES:
        ctx.say(f"错误：未知的候选模型 {args.candidate}；可选：{', '.join(CANDIDATES)}")
        return EXIT_USAGE
    taxonomy = None
    if args.taxonomy:
        try:
            taxonomy = Taxonomy.from_csv(args.taxonomy)
        except (OSError, KeyError, ValueError) as exc:
            ctx.say(f"错误：无法读取分类体系文件 {args.taxonomy}：{exc}")
            return EXIT_INPUT
    command = "python -m shegong.textmining.cli " + shlex.join(args.argv)
    model = train(
        rows,
        taxonomy=taxonomy,
        candidate=args.candidate,
        evaluate=not args.no_cv,
        nested=args.nested,
        folds=args.folds,
        n_jobs=args.jobs,
        provenance={
            "training_file": Path(args.input).name,
            "training_command": command,
            "encoding": table.encoding,
            "note": args.note or "",
        },
        log=ctx.say,
    )
    out = model.save(args.output)
    cv = model.card.get("cross_validation", {})
    if "macro_f1" in cv:
        ctx.say(
            f"交叉验证：准确率 {cv['accuracy']:.4f}，宏平均 F1 {cv['macro_f1']:.4f}"
            f"（所选模型 {cv['selected']}）"
        )
        if "nested" in cv:
            ctx.say(f"嵌套交叉验证：宏平均 F1 {cv['nested']['macro_f1']:.4f}")
    ctx.say(f"模型已写入 {out}")
    return EXIT_OK


def _cmd_taxonomy(args: argparse.Namespace, ctx: _Ctx) -> int:
    from shegong.textmining.taxonomy import Taxonomy

    table = _load(ctx, args.input, ("category_l1", "category_l2", "category_l3"))
    if table is None:
        return EXIT_USAGE if Path(args.input).is_file() else EXIT_INPUT
    tax = Taxonomy.from_rows(table.rows)
    payload = {"source": args.source or Path(args.input).name, "tree": tax.tree}
    Path(args.output).write_text(json.dumps(payload, ensure_ascii=False, indent=1), "utf-8")
    ctx.say(f"分类体系：{len(tax.tree)} 个一级类，写入 {args.output}")
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m shegong.textmining.cli",
        description="诉求智能分拣批处理：分类、近似重复、热点、分拣建议、模型训练",
    )
    sub = p.add_subparsers(dest="command", required=True)

    c = sub.add_parser("classify", help="批量分类（输入列 id,title,body）")
    c.add_argument("--input", required=True)
    c.add_argument("--output", required=True)
    c.add_argument("--model", help="模型目录（默认：随包发布的模型）")
    c.set_defaults(func=_cmd_classify)

    d = sub.add_parser("near-duplicates", help="找出近似重复的诉求对（输入列 id,[title,]body）")
    d.add_argument("--input", required=True)
    d.add_argument("--output", required=True)
    d.add_argument("--threshold", type=float, default=0.5)
    d.set_defaults(func=_cmd_near_duplicates)

    h = sub.add_parser("hotspots", help="热点发现（输入列 id,[title,]body,created_at[,place]）")
    h.add_argument("--input", required=True)
    h.add_argument("--output", required=True)
    h.add_argument("--regions", help="区划表 CSV（列 code,name[,parent]），用于识别地点")
    h.add_argument("--topic", choices=("keywords", "category"), default="keywords")
    h.add_argument("--window-days", type=float, default=7)
    h.add_argument("--baseline-windows", type=int, default=8)
    h.add_argument("--min-count", type=int, default=3)
    h.add_argument("--z", type=float, default=3.0)
    h.add_argument("--limit", type=int, default=20)
    h.add_argument("--at", help="评估时点（默认：最新一条记录的时间）")
    h.set_defaults(func=_cmd_hotspots)

    t = sub.add_parser("triage", help="分类 + 地点 + 承办单位建议 + 重复检查")
    t.add_argument("--input", required=True)
    t.add_argument("--output", required=True)
    t.add_argument("--model")
    t.add_argument(
        "--rules", help="分拣规则 CSV（列 rule_id,unit,category,region_prefix,priority）"
    )
    t.add_argument(
        "--history", help="历史派单 CSV（列 id,[title,]body,unit[,category_l1,region_code]）"
    )
    t.add_argument("--regions", help="区划表 CSV（列 code,name[,parent]）")
    t.set_defaults(func=_cmd_triage)

    r = sub.add_parser("train", help="训练分类模型（输入列 title,body,category_l1[,category_l2]）")
    r.add_argument("--input", required=True)
    r.add_argument("--output", required=True, help="模型输出目录")
    r.add_argument("--taxonomy", help="分类体系 CSV（默认：随包发布的体系）")
    r.add_argument("--candidate", help="固定使用的候选模型（默认：交叉验证选优）")
    r.add_argument("--no-cv", action="store_true", help="不做交叉验证（快，但模型卡无指标）")
    r.add_argument("--nested", action="store_true", help="另做嵌套交叉验证（慢，结果最诚实）")
    r.add_argument("--folds", type=int, default=5)
    r.add_argument("--jobs", type=int, default=1)
    r.add_argument("--note", help="写入模型卡的说明")
    r.set_defaults(func=_cmd_train)

    x = sub.add_parser("taxonomy", help="把分类体系 CSV 转为模型目录用的 JSON")
    x.add_argument("--input", required=True)
    x.add_argument("--output", required=True)
    x.add_argument("--source", help="写入 JSON 的来源说明")
    x.set_defaults(func=_cmd_taxonomy)
    return p


def main(
    argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Run one subcommand; returns the exit code (never raises on bad input files)."""
    err = stderr or sys.stderr
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = _parser()
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # argparse already printed its message
        return int(exc.code or 0) if isinstance(exc.code, int) else EXIT_USAGE
    args.argv = args_list
    ctx = _Ctx(err)
    try:
        return int(args.func(args, ctx))
    except OSError as exc:
        ctx.say(f"错误：读写文件失败：{exc}")
        return EXIT_INPUT


if __name__ == "__main__":
    raise SystemExit(main())
