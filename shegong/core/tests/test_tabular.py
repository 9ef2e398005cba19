from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from shegong.core.tabular import TableError, csv_bytes, read_table, xlsx_bytes

REQ = ["区划代码", "名称"]


def test_csv_utf8_bom_and_gbk() -> None:
    text = "区划代码,名称\n339901,东城区\n"
    for data in (("\ufeff" + text).encode("utf-8"), text.encode("gbk")):
        table = read_table(io.BytesIO(data), "a.csv", required=REQ)
        assert table.rows == [(2, {"区划代码": "339901", "名称": "东城区"})]


def test_xlsx_with_title_row_in_merged_cells_and_numeric_codes() -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["示范市行政区划表"])
    ws.merge_cells("A1:B1")
    ws.append(["区划代码", "名称"])
    ws.append([339901, "东城区"])
    ws.append([None, None])
    ws.append([339902, "西城区"])
    out = io.BytesIO()
    wb.save(out)
    table = read_table(io.BytesIO(out.getvalue()), "a.xlsx", required=REQ)
    assert table.rows == [
        (3, {"区划代码": "339901", "名称": "东城区"}),
        (5, {"区划代码": "339902", "名称": "西城区"}),
    ]


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "a.csv", "文件是空的"),
        (b"x,y\n1,2\n", "a.csv", "缺少必填列：区划代码、名称"),
        (b"PK\x03\x04garbage", "a.xlsx", "无法读取表格文件"),
        (b"hello", "a.txt", "文件格式不支持"),
    ],
)
def test_bad_files_get_clear_chinese_errors(data: bytes, name: str, message: str) -> None:
    with pytest.raises(TableError) as info:
        read_table(io.BytesIO(data), name, required=REQ)
    assert message in info.value.message


def test_exports_neutralise_formula_injection() -> None:
    body = csv_bytes(["a"], [['=HYPERLINK("http://x")'], ["+1"], ["正常"]]).decode("utf-8-sig")
    assert "'=HYPERLINK" in body
    assert "'+1" in body
    data = xlsx_bytes(["a"], [["=1+1"]])
    table = read_table(io.BytesIO(data), "x.xlsx", required=["a"])
    assert table.rows[0][1]["a"] == "'=1+1"


def test_no_stored_text_can_break_an_export() -> None:
    # An anonymous post once stored NUL and other control characters; openpyxl refused the
    # whole workbook (IllegalCharacterError) for every user whose scope held the row.
    text = "路灯\x00不亮\x07，\x1b见附件\ttab\n换行\ufffe"
    data = xlsx_bytes(["标题\x0b"], [[text], ["=\x001+1"]])
    table = read_table(io.BytesIO(data), "x.xlsx", required=["标题"])
    assert table.rows[0][1]["标题"] == "路灯不亮，见附件\ttab\n换行"
    assert table.rows[1][1]["标题"] == "'=1+1"
    body = csv_bytes(["标题\x00"], [[text]]).decode("utf-8-sig")
    assert "\x00" not in body
    assert "路灯不亮，见附件" in body
