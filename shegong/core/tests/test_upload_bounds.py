"""Uploads cannot exhaust the server, and staged files are private and short-lived
(issue 16 item 4)."""

from __future__ import annotations

import io
import os
import stat
import struct
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import override_settings
from openpyxl import Workbook

from shegong.accounts.models import User
from shegong.core import spreadsheet_limits, staging
from shegong.core.tabular import TableError, read_table


def _xlsx(far_row: int = 0, far_column: int = 0) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"] = "姓名"
    sheet["A2"] = "张三"
    if far_row:
        sheet.cell(row=far_row, column=far_column or 1, value="x")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _bomb(unpacked: int) -> bytes:
    """An .xlsx-shaped archive whose worksheet inflates to ``unpacked`` bytes of spaces."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<worksheet>" + b" " * unpacked)
    return out.getvalue()


def _forge_sizes(data: bytes, declared: int) -> bytes:
    """Rewrite every declared uncompressed size (local and central headers) to ``declared``."""
    patched = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := patched.find(signature, start)) != -1:
            struct.pack_into("<I", patched, start + offset, declared)
            start += 4
    return bytes(patched)


def _read(data: bytes) -> str:
    with pytest.raises(TableError) as caught:
        read_table(io.BytesIO(data), "名单.xlsx", required=["姓名"])
    return caught.value.message


def test_an_ordinary_workbook_reads() -> None:
    table = read_table(io.BytesIO(_xlsx()), "名单.xlsx", required=["姓名"])
    assert table.rows == [(2, {"姓名": "张三"})]


def test_a_zip_bomb_is_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spreadsheet_limits, "MAX_UNPACKED_BYTES", 1024 * 1024)
    assert "解压后超过 1 MB" in _read(_bomb(3 * 1024 * 1024))


def test_a_bomb_that_declares_small_sizes_is_still_measured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(spreadsheet_limits, "MAX_UNPACKED_BYTES", 1024 * 1024)
    assert "解压后超过" in _read(_forge_sizes(_bomb(3 * 1024 * 1024), 100))


def test_the_forged_archive_declares_small_sizes() -> None:
    archive = zipfile.ZipFile(io.BytesIO(_forge_sizes(_bomb(3 * 1024 * 1024), 100)))
    assert {info.file_size for info in archive.infolist()} == {100}


def test_a_cell_far_down_the_sheet_is_refused() -> None:
    message = _read(_xlsx(far_row=1_048_576, far_column=3))
    assert "第 1,048,576 行" in message


def test_a_cell_far_to_the_right_is_refused() -> None:
    message = _read(_xlsx(far_row=3, far_column=16_384))
    assert "第 16,384 列" in message


def test_a_sheet_within_the_bounds_reads() -> None:
    table = read_table(io.BytesIO(_xlsx(far_row=5000, far_column=30)), "名单.xlsx")
    assert table.rows[-1][0] == 5000


@pytest.mark.parametrize(
    ("letters", "number"), [(b"A", 1), (b"Z", 26), (b"AA", 27), (b"XFD", 16384)]
)
def test_column_letters(letters: bytes, number: int) -> None:
    assert spreadsheet_limits.column_number(letters) == number


def _user() -> User:
    return User(pk=424242, username="clerk")


@pytest.fixture
def media(tmp_path: Path) -> Iterator[Path]:
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        yield tmp_path


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_staged_file_is_readable_by_the_server_account_only(media: Path) -> None:
    token = staging.stage(_user(), io.BytesIO(b"a,b\n1,2\n"), "名单.csv")
    assert {_mode(p) for p in (media / "imports" / "424242").glob(f"{token}.*")} == {0o600}


def test_the_staging_folders_are_private(media: Path) -> None:
    staging.stage(_user(), io.BytesIO(b"a,b\n1,2\n"), "名单.csv")
    assert {_mode(media / "imports"), _mode(media / "imports" / "424242")} == {0o700}


def test_the_hourly_sweep_removes_every_users_old_files(media: Path) -> None:
    old = media / "imports" / "7"
    old.mkdir(parents=True)
    (old / "stale.csv").write_bytes(b"id\n")
    now = time.time()
    day_ago = now - 86_401
    os.utime(old / "stale.csv", (day_ago, day_ago))
    (old / "fresh.csv").write_bytes(b"id\n")
    # Both times from the process clock: the file system stamps files with the machine's
    # clock, which a dated run (libfaketime) does not move.
    os.utime(old / "fresh.csv", (now, now))
    assert staging.sweep_staged() == 1
    assert [p.name for p in old.iterdir()] == ["fresh.csv"]


def test_the_sweep_without_a_staging_folder_removes_nothing(media: Path) -> None:
    assert staging.sweep_staged() == 0


def test_staging_refuses_anonymous_users(media: Path) -> None:
    with pytest.raises(PermissionDenied):
        staging.stage(AnonymousUser(), io.BytesIO(b"a\n"), "名单.csv")


@pytest.mark.django_db
def test_the_embedded_database_file_is_private() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the embedded database is SQLite")
    connection.ensure_connection()
    name = Path(str(connection.settings_dict["NAME"]))
    if not name.exists():
        pytest.skip("an in-memory test database has no file")
    assert _mode(name) == 0o600


@pytest.mark.django_db
def test_a_refused_upload_is_not_kept(media: Path) -> None:
    from django.test import RequestFactory

    from shegong.core.importing import read_posted_table
    from shegong.core.tabular import Column

    request = RequestFactory().post("/", {"file": io.BytesIO(b"\xef\xbb\xbf")}, format="multipart")
    request.user = _user()
    request.FILES["file"].name = "名单.csv"
    with pytest.raises(TableError):
        read_posted_table(request, [Column("姓名", required=True)])
    assert list((media / "imports" / "424242").iterdir()) == []
