"""Headers read against an import's declared columns: what the file holds that the import
does not use is said, not silently dropped (issue #12 item 7)."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from shegong.core.tabular import Column, TableError, parse_count, read_table

SPEC = (
    Column("统一社会信用代码", required=True),
    Column("名称", required=True),
    Column("正式党员数", aliases=("正式党员人数",)),
    Column("预备党员数"),
)


def _xlsx(rows: list[list[object]], merges: tuple[str, ...] = ()) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    for cells in merges:
        ws.merge_cells(cells)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _csv(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode("utf-8"))


def test_unknown_column_is_reported_with_its_letter_and_a_guess() -> None:
    table = read_table(_csv("统一社会信用代码,名称,正式党员总数\nX,甲,5\n"), "a.csv", columns=SPEC)
    assert table.unknown == [("C", "正式党员总数")]
    assert table.warnings == [
        "第 C 列“正式党员总数”不是本导入使用的列，该列的内容不会导入（是否应为“正式党员数”？）"
    ]
    assert table.rows == [(2, {"统一社会信用代码": "X", "名称": "甲"})]


def test_alias_and_required_marks_map_to_the_declared_name() -> None:
    table = read_table(
        _csv("统一社会信用代码*,名称（必填）, 正式党员人数 \nX,甲,5\n"), "a.csv", columns=SPEC
    )
    assert table.rows == [(2, {"统一社会信用代码": "X", "名称": "甲", "正式党员数": "5"})]
    assert table.warnings == []


def test_a_column_with_data_but_no_header_is_reported() -> None:
    table = read_table(_csv("统一社会信用代码,名称,\nX,甲,备注\n"), "a.csv", columns=SPEC)
    assert table.warnings == ["第 C 列没有列名，该列的内容不会导入"]


def test_missing_required_column_refuses_the_file_and_names_a_look_alike() -> None:
    with pytest.raises(TableError) as info:
        read_table(_csv("统一社会信用代码,单位名称\nX,甲\n"), "a.csv", columns=SPEC)
    assert info.value.message.startswith("缺少必填列：名称")
    assert "“单位名称”是否应为“名称”" in info.value.message


def test_header_only_file_has_no_data_rows() -> None:
    with pytest.raises(TableError) as info:
        read_table(_csv("统一社会信用代码,名称\n,\n"), "a.csv", columns=SPEC)
    assert info.value.message.startswith("文件中没有数据行")


def test_a_column_given_twice_is_refused() -> None:
    with pytest.raises(TableError) as info:
        read_table(
            _csv("统一社会信用代码,名称,正式党员数,正式党员人数\nX,甲,1,2\n"), "a.csv", columns=SPEC
        )
    assert "第 C 列和第 D 列" in info.value.message


def test_two_row_header_with_cells_merged_down_and_a_group_over_two_columns() -> None:
    data = _xlsx(
        [
            ["统一社会信用代码", "名称", "党员数", None],
            [None, None, "正式", "预备"],
            ["X", "甲", 5, 1],
        ],
        merges=("A1:A2", "B1:B2", "C1:D1"),
    )
    table = read_table(io.BytesIO(data), "a.xlsx", columns=SPEC)
    assert table.rows == [
        (3, {"统一社会信用代码": "X", "名称": "甲", "正式党员数": "5", "预备党员数": "1"})
    ]
    assert table.warnings == []


def test_group_titles_over_column_names() -> None:
    data = _xlsx(
        [
            ["基本情况", None, "党员情况", None],
            ["统一社会信用代码", "名称", "正式党员数", "预备党员数"],
            ["X", "甲", 5, 1],
        ],
        merges=("A1:B1", "C1:D1"),
    )
    table = read_table(io.BytesIO(data), "a.xlsx", columns=SPEC)
    assert table.rows == [
        (3, {"统一社会信用代码": "X", "名称": "甲", "正式党员数": "5", "预备党员数": "1"})
    ]


def test_two_row_header_in_csv_without_merge_information() -> None:
    text = "统一社会信用代码,名称,党员情况,\n,,正式党员数,预备党员数\nX,甲,5,1\n"
    table = read_table(_csv(text), "a.csv", columns=SPEC)
    assert table.rows == [
        (3, {"统一社会信用代码": "X", "名称": "甲", "正式党员数": "5", "预备党员数": "1"})
    ]


def test_a_header_followed_by_data_is_not_read_as_two_rows() -> None:
    table = read_table(
        _csv("统一社会信用代码,名称,正式党员数\nX,甲,\nY,乙,3\n"), "a.csv", columns=SPEC
    )
    assert [n for n, _ in table.rows] == [2, 3]


def test_an_unknown_sub_column_of_a_two_row_header_names_its_group() -> None:
    data = _xlsx(
        [
            ["统一社会信用代码", "名称", "党员情况", None],
            [None, None, "正式党员数", "流动党员"],
            ["X", "甲", 5, 1],
        ],
        merges=("A1:A2", "B1:B2", "C1:D1"),
    )
    table = read_table(io.BytesIO(data), "a.xlsx", columns=SPEC)
    assert table.unknown == [("D", "党员情况/流动党员")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", (12, None)),
        ("1,200", (1200, None)),
        ("５.0", (5, None)),
        ("", (None, None)),
        ("-3", (None, "正式党员数不能为负数（填写的是“-3”）")),
        ("\u22122", (None, "正式党员数不能为负数（填写的是“\u22122”）")),
        ("3.5", (None, "正式党员数应为整数（填写的是“3.5”）")),
        ("五", (None, "正式党员数应为整数（填写的是“五”）")),
    ],
)
def test_parse_count(text: str, expected: tuple[int | None, str | None]) -> None:
    assert parse_count(text, "正式党员数") == expected


def test_a_title_merged_wider_than_the_header_is_not_a_column() -> None:
    data = _xlsx(
        [["示范市两新组织名录"], ["统一社会信用代码", "名称"], ["X", "甲"]],
        merges=("A1:E1",),
    )
    table = read_table(io.BytesIO(data), "a.xlsx", columns=SPEC)
    assert table.rows == [(3, {"统一社会信用代码": "X", "名称": "甲"})]
    assert table.warnings == []


def test_a_group_title_written_once_over_unmerged_columns() -> None:
    text = "统一社会信用代码,名称,党员数,\n,,正式,预备\nX,甲,5,1\n"
    table = read_table(_csv(text), "a.csv", columns=SPEC)
    assert table.rows == [
        (3, {"统一社会信用代码": "X", "名称": "甲", "正式党员数": "5", "预备党员数": "1"})
    ]


def test_parse_count_refuses_more_than_an_integer_column_holds() -> None:
    assert parse_count("3000000000", "人数") == (
        None,
        "人数不能超过2147483647（填写的是“3000000000”）",
    )


def test_parse_count_keeps_a_per_column_cap() -> None:
    assert parse_count("1,001", "联合党支部单位数", max_value=1000) == (
        None,
        "联合党支部单位数不能超过1000（填写的是“1,001”）",
    )
