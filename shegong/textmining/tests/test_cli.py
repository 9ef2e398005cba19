"""The batch CLI on good and broken files."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from shegong.textmining.cli import main, parse_time
from shegong.textmining.tests.samples import SAMPLES


def _write(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _run(*argv: str) -> tuple[int, str]:
    err = io.StringIO()
    code = main(list(argv), stderr=err)
    return code, err.getvalue()


@pytest.fixture
def good(tmp_path: Path) -> Path:
    rows = [["id", "title", "body"]] + [[i, t, b] for i, t, b, _ in SAMPLES]
    return _write(tmp_path / "in.csv", rows)


def test_classify_good_file(good: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    code, err = _run("classify", "--input", str(good), "--output", str(out))
    assert code == 0, err
    rows = _read(out)
    assert [r["id"] for r in rows] == [s[0] for s in SAMPLES]
    assert list(rows[0]) == ["id", "category_l1", "category_l2", "confidence", "flag"]
    assert all(0 <= float(r["confidence"]) <= 1 for r in rows)
    assert "已分类 7 行" in err


def test_missing_columns_is_a_clear_chinese_error(tmp_path: Path) -> None:
    bad = _write(tmp_path / "bad.csv", [["id", "text"], ["1", "小区噪音"]])
    code, err = _run("classify", "--input", str(bad), "--output", str(tmp_path / "o.csv"))
    assert code == 2
    assert "缺少必需的列" in err
    assert "title" in err
    assert "body" in err
    code, err = _run("classify", "--input", str(tmp_path / "nope.csv"), "--output", "x.csv")
    assert code == 1
    assert "找不到输入文件" in err


def test_gbk_file_empty_rows_and_english_text(tmp_path: Path) -> None:
    rows = [
        ["id", "title", "body"],
        ["1", "小区夜间施工噪音扰民", "工地每天晚上施工，影响休息"],
        ["", "", ""],
        ["2", "", ""],
        ["3", "Noise", "The construction site is noisy every night, please help."],
    ]
    src = _write(tmp_path / "gbk.csv", rows, encoding="gbk")
    out = tmp_path / "o.csv"
    code, err = _run("classify", "--input", str(src), "--output", str(out))
    assert code == 0, err
    got = {r["id"]: r for r in _read(out)}
    assert set(got) == {"1", "2", "3"}  # the fully empty line is skipped
    assert got["1"]["category_l1"]
    assert not got["1"]["flag"]
    assert got["2"]["flag"] == "empty"
    assert got["2"]["category_l1"] == ""
    assert got["3"]["flag"] == "not_chinese"
    assert "标题和内容均为空" in err
    assert "不是中文" in err


def test_undecodable_bytes_do_not_crash(tmp_path: Path) -> None:
    src = tmp_path / "junk.csv"
    src.write_bytes(b"id,title,body\n1,\xff\xfe\xfa,\x80\x81\n2,abc,\xe5\xb0\x8f\n")
    code, err = _run("classify", "--input", str(src), "--output", str(tmp_path / "o.csv"))
    assert code == 0, err


def test_xlsx_input(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["id", "title", "body"])
    for i, t, b, _ in SAMPLES[:3]:
        ws.append([i, t, b])
    ws.append([99, None, None])
    wb.save(tmp_path / "in.xlsx")
    out = tmp_path / "o.csv"
    code, err = _run("classify", "--input", str(tmp_path / "in.xlsx"), "--output", str(out))
    assert code == 0, err
    assert [r["id"] for r in _read(out)] == ["s1", "s2", "s3", "99"]


def test_near_duplicates(tmp_path: Path) -> None:
    t, b = SAMPLES[0][1], SAMPLES[0][2]
    rows = [["id", "title", "body"], ["a", t, b], ["b", t, b.replace("，", ",") + "谢谢！"]]
    rows += [[i, tt, bb] for i, tt, bb, _ in SAMPLES[1:]] + [["e", "", ""]]
    src = _write(tmp_path / "d.csv", rows)
    out = tmp_path / "pairs.csv"
    code, err = _run("near-duplicates", "--input", str(src), "--output", str(out))
    assert code == 0, err
    pairs = _read(out)
    assert [(p["id_a"], p["id_b"]) for p in pairs] == [("a", "b")]
    assert float(pairs[0]["similarity"]) > 0.8


def test_hotspots_and_bad_times(tmp_path: Path) -> None:
    rows = [["id", "title", "body", "created_at", "category_l1"]]
    for n in range(10):
        rows.append(
            [
                f"x{n}",
                "烧烤油烟扰民",
                f"东城区幸福小区烧烤店油烟扰民第{n}次",
                f"2026/6/{20 + n % 5} 10:00:00",
                "环境保护",
            ]
        )
    rows.append(["bad", "时间不对", "内容", "昨天", "环境保护"])
    src = _write(tmp_path / "h.csv", rows)
    out = tmp_path / "hot.csv"
    code, err = _run("hotspots", "--input", str(src), "--output", str(out), "--topic", "category")
    assert code == 0, err
    assert "无法识别" in err
    hot = _read(out)
    assert hot
    assert hot[0]["topic"] == "环境保护"
    assert hot[0]["place"] == "东城区"


def test_train_and_triage(tmp_path: Path) -> None:
    rows = [["title", "body", "category_l1"]]
    for n in range(3):
        rows += [[t, b[n:], c] for _, t, b, c in SAMPLES]
    src = _write(tmp_path / "train.csv", rows)
    code, err = _run("train", "--input", str(src), "--output", str(tmp_path / "model"), "--no-cv")
    assert code == 0, err
    assert (tmp_path / "model" / "category_l1.card.json").is_file()
    rules = _write(
        tmp_path / "rules.csv",
        [["rule_id", "unit", "category"], ["R1", "市人社局", "劳动和社会保障"]],
    )
    appeals = _write(
        tmp_path / "a.csv", [["id", "title", "body"]] + [[i, t, b] for i, t, b, _ in SAMPLES]
    )
    out = tmp_path / "triage.csv"
    code, err = _run(
        "triage",
        "--input",
        str(appeals),
        "--output",
        str(out),
        "--rules",
        str(rules),
        "--model",
        str(tmp_path / "model"),
    )
    assert code == 0, err
    got = {r["id"]: r for r in _read(out)}
    assert got["s2"]["unit_1"] == "市人社局"
    assert "规则 R1" in got["s2"]["reasons_1"]


def test_usage_errors() -> None:
    code, _ = _run("classify")
    assert code == 2
    assert parse_time("2019/2/28 11:25:05") is not None
    assert parse_time("2017-06-08 17:31:20") is not None
    assert parse_time("昨天") is None
