"""Exact look-ups by number and tracking code, and text search over the masked title and
body through the backend's text index (issue 13): FTS5 trigram on SQLite, pg_trgm on
PostgreSQL. Personal data is never indexed in clear; scope still applies."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shegong.accounts.models import User
from shegong.appeals import search
from shegong.appeals.filters import AppealFilterSet
from shegong.appeals.models import Appeal
from shegong.appeals.services.intake import find_by_tracking

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
SQLITE = connection.vendor == "sqlite"
POSTGRES = connection.vendor == "postgresql"


def full_width(text: str) -> str:
    """ASCII letters and digits as their full-width forms (what a Chinese IME types)."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isalnum() and c.isascii() else c for c in text)


class Viewer:
    def __init__(self, user: User) -> None:
        self.user = user


def found(user: User, **params: str) -> set[int]:
    filterset = AppealFilterSet(
        params, queryset=Appeal.objects.visible_to(user), request=Viewer(user)
    )
    return set(filterset.qs.values_list("pk", flat=True))


def sql_of(user: User, **params: str) -> str:
    with CaptureQueriesContext(connection) as ctx:
        found(user, **params)
    return "\n".join(q["sql"] for q in ctx.captured_queries)


@pytest.fixture
def lamp(world, make_appeal) -> Appeal:
    appeal, _ = make_appeal(title="北一社区路灯不亮", body=f"3号楼前路灯坏了两周，请回电{PHONE}。")
    return appeal


@pytest.fixture
def noise(world, make_appeal) -> Appeal:
    appeal, _ = make_appeal(title="噪音扰民", body="楼下商铺夜间施工。")
    return appeal


# --- exact look-ups ----------------------------------------------------------------------------


def test_number_as_typed_finds_the_appeal(world, lamp, noise) -> None:
    typed = " " + full_width(lamp.number.lower()) + " "
    assert found(world.dispatcher, number=typed) == {lamp.pk}


def test_an_unknown_number_finds_nothing(world, lamp) -> None:
    assert found(world.dispatcher, number="RX209901010000001") == set()


@pytest.mark.parametrize("number", ["RX209901010000001", "rx209901010000001"])
def test_number_look_up_reads_no_pattern(world, lamp, number) -> None:
    sql = sql_of(world.dispatcher, number=number).upper()
    assert ("LIKE" in sql, "UPPER(" in sql) == (False, False)


def test_a_number_typed_as_keyword_is_the_exact_look_up(world, lamp, noise) -> None:
    assert found(world.dispatcher, q=lamp.number.lower()) == {lamp.pk}


def test_a_missing_number_typed_as_keyword_reads_no_pattern(world, lamp) -> None:
    sql = sql_of(world.dispatcher, q="RX209901010000001").upper()
    assert ("LIKE" in sql, "MATCH" in sql) == (False, False)


def test_the_number_look_up_stays_in_scope(world, lamp) -> None:
    assert found(world.street_south, number=lamp.number) == set()


def test_tracking_accepts_full_width_and_spaces(world, make_appeal) -> None:
    appeal, code = make_appeal()
    assert (
        find_by_tracking(full_width(appeal.number) + " ", " " + full_width(code.lower())) == appeal
    )


def test_normalise_code_folds_width_space_and_case() -> None:
    assert search.normalise_code(" ｒｘ２０２６ 0301\u30000000001 ") == "RX202603010000001"


# --- text --------------------------------------------------------------------------------------


def test_a_word_of_three_characters_or_more_is_found(world, lamp, noise) -> None:
    assert found(world.leader, q="路灯坏了") == {lamp.pk}


def test_a_two_character_word_is_found(world, lamp, noise) -> None:
    assert found(world.leader, q="噪音") == {noise.pk}


def test_a_one_character_word_is_found(world, lamp, noise) -> None:
    assert found(world.leader, q="铺") == {noise.pk}


def test_a_word_in_the_title_is_found(world, lamp, noise) -> None:
    assert found(world.leader, q="北一社区") == {lamp.pk}


def test_a_word_nobody_wrote_finds_nothing(world, lamp, noise) -> None:
    assert found(world.leader, q="垃圾清运") == set()


def test_latin_letters_match_either_case(world, make_appeal) -> None:
    appeal, _ = make_appeal(title="小区WiFi信号差", body="物业的WiFi经常断。")
    assert found(world.leader, q="wifi") == {appeal.pk}


def test_a_quote_in_the_query_is_a_character(world, make_appeal) -> None:
    appeal, _ = make_appeal(title='"幸福里"小区停水', body="已经停水两天。")
    assert found(world.leader, q='"幸福里"') == {appeal.pk}


@pytest.mark.parametrize("query", [PHONE, "91234", "12345678", "3912345"])
def test_masked_digits_are_never_matched_in_clear(world, lamp, query) -> None:
    # the leader may not see the petitioner's identity: only the masked text counts
    assert found(world.leader, q=query) == set()


def test_the_masked_form_is_found(world, lamp) -> None:
    assert found(world.leader, q="139****5678") == {lamp.pk}


def test_whoever_may_see_the_identity_finds_the_full_number(world, lamp) -> None:
    assert found(world.dispatcher, q=PHONE) == {lamp.pk}


def test_a_user_outside_the_scope_finds_nothing(world, lamp, noise) -> None:
    assert found(world.street_south, q="路灯坏了") == set()


def test_a_user_inside_the_scope_finds_it(world, lamp) -> None:
    assert found(world.street_north, q="路灯坏了") == {lamp.pk}


def test_an_edited_body_is_searched_as_it_now_reads(world, lamp) -> None:
    lamp.body = "井盖丢失，很危险。"
    lamp.save(update_fields=["body"])
    assert (found(world.leader, q="路灯坏了"), found(world.leader, q="井盖丢失")) == (
        set(),
        {lamp.pk},
    )


# --- the index ---------------------------------------------------------------------------------


@pytest.mark.skipif(not SQLITE, reason="the FTS5 table is SQLite's")
def test_sqlite_words_of_three_characters_go_through_fts(world, lamp) -> None:
    assert "appeals_appeal_fts" in sql_of(world.leader, q="路灯坏了")


@pytest.mark.skipif(not SQLITE, reason="the FTS5 table is SQLite's")
def test_sqlite_fts_holds_only_masked_text(world, lamp) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rowid FROM appeals_appeal_fts WHERE appeals_appeal_fts MATCH %s",
            [f'"{PHONE}"'],
        )
        assert cursor.fetchall() == []


@pytest.mark.skipif(not SQLITE, reason="the FTS5 table is SQLite's")
def test_sqlite_fts_forgets_a_deleted_appeal(world, noise) -> None:
    Appeal.objects.filter(pk=noise.pk).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM appeals_appeal_fts WHERE appeals_appeal_fts MATCH %s",
            ['"商铺夜间"'],
        )
        assert cursor.fetchone()[0] == 0


@pytest.mark.skipif(not SQLITE, reason="the FTS5 triggers are SQLite's")
def test_sqlite_triggers_come_back_after_a_table_rebuild(world) -> None:
    with connection.cursor() as cursor:
        cursor.execute('DROP TRIGGER "appeals_appeal_fts_ai"')
    search.ensure_text_index(using="default")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
            ["appeals_appeal_fts_%"],
        )
        assert {r[0] for r in cursor.fetchall()} == {
            "appeals_appeal_fts_ai",
            "appeals_appeal_fts_ad",
            "appeals_appeal_fts_au",
        }


@pytest.mark.skipif(not POSTGRES, reason="pg_trgm is PostgreSQL's")
def test_postgres_keyword_can_use_the_trigram_index(world, lamp) -> None:
    queryset = Appeal.objects.filter(search.masked_text_q("路灯坏了"))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: prove it *can*
        plan = queryset.explain()
    assert "appeal_masked_trgm" in plan


@pytest.mark.skipif(not SQLITE, reason="the FTS5 triggers are SQLite's")
def test_sqlite_rows_written_without_the_triggers_are_indexed_when_they_come_back(
    world, make_appeal
) -> None:
    with connection.cursor() as cursor:
        for trigger in ("appeals_appeal_fts_ai", "appeals_appeal_fts_ad", "appeals_appeal_fts_au"):
            cursor.execute(f'DROP TRIGGER "{trigger}"')
    appeal, _ = make_appeal(title="井盖丢失很危险", body="南一社区井盖丢失，夜里有人差点掉进去。")
    search.ensure_text_index(using="default")
    assert found(world.leader, q="井盖丢失") == {appeal.pk}


@pytest.mark.skipif(not SQLITE, reason="the FTS5 table is SQLite's")
def test_sqlite_search_without_the_text_index_reads_the_masked_column(world, lamp) -> None:
    search.uninstall_sqlite_fts(connection)
    assert found(world.leader, q="路灯坏了") == {lamp.pk}
