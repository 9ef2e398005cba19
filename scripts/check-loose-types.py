"""Hold the loose types of every app against .ci/loose-types.json: their count only falls.

Counted per app (the top-level package under ``shegong/``; a module directly under
``shegong/`` counts as its own app, e.g. ``urls``), separately for code and for tests
(``tests/`` folders, ``test_*.py``, ``conftest.py``); migrations are left out:

- ``any``: every use of ``typing.Any`` other than importing it (annotations, casts, type
  aliases, type arguments; also inside string annotations);
- ``type_ignore``: every ``# type: ignore`` comment (with or without error codes).

``make lint`` runs this script:

- a count above the baseline: exit 1, naming the app, the count and the lines added since
  the baseline was last committed (found with ``git diff``; when git cannot tell, every
  line of that kind in the app);
- a count below the baseline: exit 0 with a note to lower it (``--write``), so the next
  change cannot spend what this one saved;
- ``--write`` rewrites the baseline from the tree as it is.

Messages are Chinese like every other command output a person reads.
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import re
import shutil
import subprocess
import sys
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = Path(".ci") / "loose-types.json"
PACKAGE = "shegong"
KINDS = ("any", "type_ignore", "tests_any", "tests_type_ignore")
LABELS = {
    "any": "Any（代码）",
    "type_ignore": "# type: ignore（代码）",
    "tests_any": "Any（测试）",
    "tests_type_ignore": "# type: ignore（测试）",
}
_IGNORE = re.compile(r"#\s*type:\s*ignore\b")
_ANY_WORD = re.compile(r"\bAny\b")
MAX_LINES = 40


@dataclass(frozen=True)
class Hit:
    app: str
    kind: str
    path: str  # relative to the root, with "/"
    line: int
    text: str


def app_of(relative: Path) -> str:
    """``shegong/appeals/services/intake.py`` -> ``appeals``; ``shegong/urls.py`` -> ``urls``."""
    parts = relative.parts
    return parts[1] if len(parts) > 2 else Path(parts[1]).stem


def is_test(relative: Path) -> bool:
    return (
        "tests" in relative.parts[:-1]
        or relative.name.startswith("test_")
        or relative.name == "conftest.py"
    )


def python_files(root: Path) -> Iterator[Path]:
    for path in sorted((root / PACKAGE).rglob("*.py")):
        relative = path.relative_to(root)
        if "migrations" in relative.parts[:-1]:
            continue
        yield path


def _any_lines(tree: ast.AST) -> list[int]:
    """Line numbers of every ``Any`` (a name or ``typing.Any``); imports are not names."""
    lines: list[int] = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Name) and node.id == "Any") or (
            isinstance(node, ast.Attribute) and node.attr == "Any"
        ):
            lines.append(node.lineno)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            lines.extend(_string_annotation_any(node))
    return lines


def _string_annotation_any(node: ast.Constant) -> list[int]:
    """``"dict[str, Any]"`` written as a string (a forward reference or a ``cast``)."""
    text = str(node.value)
    if not _ANY_WORD.search(text) or len(text) > 200:
        return []
    try:
        inner = ast.parse(text, mode="eval")
    except SyntaxError:
        return []
    return [node.lineno] * sum(
        1 for n in ast.walk(inner) if isinstance(n, ast.Name) and n.id == "Any"
    )


def _ignore_lines(source: str) -> list[int]:
    lines: list[int] = []
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    for token in tokens:
        if token.type == tokenize.COMMENT and _IGNORE.search(token.string):
            lines.append(token.start[0])
    return lines


def scan(root: Path) -> list[Hit]:
    hits: list[Hit] = []
    for path in python_files(root):
        relative = path.relative_to(root)
        source = path.read_text(encoding="utf-8")
        source_lines = source.splitlines()
        app = app_of(relative)
        prefix = "tests_" if is_test(relative) else ""
        found = [(f"{prefix}any", n) for n in _any_lines(ast.parse(source, str(path)))]
        found += [(f"{prefix}type_ignore", n) for n in _ignore_lines(source)]
        for kind, line in found:
            text = source_lines[line - 1].strip() if line <= len(source_lines) else ""
            hits.append(Hit(app, kind, relative.as_posix(), line, text))
    return hits


def counts(hits: list[Hit]) -> dict[str, dict[str, int]]:
    result: dict[str, dict[str, int]] = {}
    for hit in hits:
        result.setdefault(hit.app, dict.fromkeys(KINDS, 0))[hit.kind] += 1
    return dict(sorted(result.items()))


def read_baseline(path: Path) -> dict[str, dict[str, int]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {app: {k: int(v.get(k, 0)) for k in KINDS} for app, v in data["apps"].items()}


def write_baseline(path: Path, current: dict[str, dict[str, int]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "about": (
            "Loose types per app; scripts/check-loose-types.py fails when one rises. "
            "Lower with: python scripts/check-loose-types.py --write"
        ),
        "apps": current,
    }
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _git(root: Path, *args: str) -> str | None:
    git = shutil.which("git")
    if git is None:
        return None
    try:
        done = subprocess.run(  # noqa: S603 (fixed git arguments, no shell)
            [git, "-C", str(root), *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def added_lines(root: Path, baseline: Path) -> set[tuple[str, int]] | None:
    """(path, line) of every line added since the commit that last wrote the baseline,
    committed or not, and every line of a file git does not track yet; None when git cannot
    tell (no repository, baseline not committed)."""
    base = (_git(root, "log", "-1", "--format=%H", "--", str(baseline)) or "").strip()
    if not base:
        return None
    diff = _git(root, "diff", "-U0", "--no-color", "--no-ext-diff", base, "--", PACKAGE)
    if diff is None:
        return None
    added: set[tuple[str, int]] = set()
    current = ""
    for line in diff.splitlines():
        if line.startswith("+++ "):
            current = line[6:] if line.startswith("+++ b/") else ""
        elif line.startswith("@@") and current:
            match = re.search(r"\+(\d+)(?:,(\d+))?", line)
            if match:
                start, length = int(match.group(1)), int(match.group(2) or "1")
                added.update((current, n) for n in range(start, start + length))
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "--", PACKAGE) or ""
    for name in untracked.splitlines():
        if name.endswith(".py"):
            count = len((root / name).read_text(encoding="utf-8").splitlines())
            added.update((name, n) for n in range(1, count + 1))
    return added


def verdict(
    baseline: dict[str, dict[str, int]],
    current: dict[str, dict[str, int]],
    hits: list[Hit],
    added: set[tuple[str, int]] | None,
) -> tuple[int, str]:
    rises: list[str] = []
    falls: list[str] = []
    for app in sorted(set(baseline) | set(current)):
        before = baseline.get(app, dict.fromkeys(KINDS, 0))
        now = current.get(app, dict.fromkeys(KINDS, 0))
        for kind in KINDS:
            if now[kind] > before[kind]:
                rises.append(_rise(app, kind, before[kind], now[kind], hits, added))
            elif now[kind] < before[kind]:
                falls.append(f"  {app}：{LABELS[kind]} {before[kind]} → {now[kind]}")
    lines: list[str] = []
    if rises:
        lines.append("宽松类型增加了（Any 与 # type: ignore 的数量只能减少）：")
        lines.extend(rises)
        lines.append(
            "请写出具体类型（项目的 User、accounts.http.AuthedHttpRequest、core.scoping.Actor、"
            "Protocol、TypedDict），不要新增 Any 或 # type: ignore。"
        )
    if falls:
        lines.append("宽松类型减少了：")
        lines.extend(falls)
        lines.append(f"请降低基线并提交：python scripts/check-loose-types.py --write（{BASELINE}）")
    if not rises and not falls:
        total = {k: sum(v[k] for v in current.values()) for k in KINDS}
        lines.append(
            "宽松类型与基线一致：" + "，".join(f"{LABELS[k]} {total[k]}" for k in KINDS) + "。"
        )
    return (1 if rises else 0), "\n".join(lines)


def _rise(
    app: str,
    kind: str,
    before: int,
    now: int,
    hits: list[Hit],
    added: set[tuple[str, int]] | None,
) -> str:
    mine = list({(h.path, h.line): h for h in hits if h.app == app and h.kind == kind}.values())
    new = [h for h in mine if added is not None and (h.path, h.line) in added]
    head = f"  {app}：{LABELS[kind]} 基线 {before}，现在 {now}（+{now - before}）"
    if new:
        shown, title = new, "    新增的行："
    else:
        shown, title = mine, "    该类全部位置（无法从 git 判断哪些是新增的）："
    body = [f"      {h.path}:{h.line}: {h.text}" for h in shown[:MAX_LINES]]
    if len(shown) > MAX_LINES:
        body.append(f"      ……另有 {len(shown) - MAX_LINES} 处")
    return "\n".join([head, title, *body])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="宽松类型（Any、# type: ignore）只减不增")
    parser.add_argument("--root", type=Path, default=ROOT, help="仓库根目录")
    parser.add_argument("--write", action="store_true", help="按当前代码重写基线")
    args = parser.parse_args(argv)
    root: Path = args.root.resolve()
    baseline_path = root / BASELINE
    hits = scan(root)
    current = counts(hits)
    if args.write:
        write_baseline(baseline_path, current)
        print(f"已写入基线 {BASELINE}：{len(current)} 个应用。")
        return 0
    if not baseline_path.exists():
        print(
            f"找不到基线 {BASELINE}；请运行 python scripts/check-loose-types.py --write",
            file=sys.stderr,
        )
        return 1
    code, message = verdict(
        read_baseline(baseline_path), current, hits, added_lines(root, BASELINE)
    )
    print(message, file=sys.stderr if code else sys.stdout)
    return code


if __name__ == "__main__":
    sys.exit(main())
