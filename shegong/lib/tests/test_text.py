"""Properties of the text entry rule and of the writers' last line of defence."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from shegong.lib.text import (
    InvalidText,
    has_controls,
    normalise_text,
    parse_id,
    printable_for_xml,
)

ANY_TEXT = st.text(alphabet=st.characters(codec=None, exclude_categories=()))


@given(st.text(alphabet=st.characters(exclude_categories=("Cs",))))
def test_normalised_text_has_no_controls_and_keeps_everything_else(text: str) -> None:
    result = normalise_text(text)
    assert not has_controls(result)
    assert result == "".join(c for c in text if not has_controls(c))


def _invalid_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


@given(st.text(alphabet=st.characters(exclude_categories=("Cs",))))
def test_utf8_bytes_decode_like_text(text: str) -> None:
    assert normalise_text(text.encode("utf-8")) == normalise_text(text)


@given(st.binary().filter(_invalid_utf8))
def test_bytes_that_are_not_utf8_are_refused(data: bytes) -> None:
    with pytest.raises(InvalidText) as info:
        normalise_text(data, field="字段 x ")
    assert info.value.message.startswith("字段 x 包含无效的 UTF-8 编码")


@given(ANY_TEXT)
def test_any_string_survives_the_xml_and_xlsx_writers(text: str) -> None:
    clean = printable_for_xml(text)
    element = ET.Element("a")
    element.text = clean
    ET.fromstring(ET.tostring(element, encoding="utf-8"))  # noqa: S314 — our own output
    workbook = Workbook(write_only=True)
    workbook.create_sheet().append([clean])
    workbook.save(io.BytesIO())


# --- parse_id ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("42", 42),
        (" 42 ", 42),
        (7, 7),
        ("9223372036854775807", 2**63 - 1),
    ],
)
def test_parse_id_reads_an_id(value: object, expected: int) -> None:
    assert parse_id(value) == expected


@pytest.mark.parametrize(
    "value",
    ["", None, "²", "１２", "4.2", "-1", "1e3", "abc", "9223372036854775808", "9" * 40, "٣"],
)
def test_parse_id_refuses_what_is_not_a_storable_id(value: object) -> None:
    assert parse_id(value) is None
