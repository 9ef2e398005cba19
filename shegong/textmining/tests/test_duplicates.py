"""Near-duplicates on edited copies, repeats by person, group appeals, persistence."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from shegong.textmining.duplicates import NearDuplicateIndex, detect_groups, lsh_parameters
from shegong.textmining.evaluation import edit_text, evaluate_near_duplicates
from shegong.textmining.tests.samples import SAMPLES

TEXTS = [(i, f"{t}\n{b}") for i, t, b, _ in SAMPLES]


@pytest.fixture
def index() -> NearDuplicateIndex:
    idx = NearDuplicateIndex()
    idx.add_many(TEXTS)
    return idx


def test_edited_copies_are_found(index: NearDuplicateIndex) -> None:
    rng = random.Random(7)
    for key, text in TEXTS:
        for _ in range(5):
            copy, ops = edit_text(text, rng)
            found = index.query(copy)
            assert found, (ops, copy)
            assert found[0].key == key, (ops, copy)
            assert 0.0 <= found[0].similarity <= 1.0


def test_unrelated_text_is_not_a_duplicate(index: NearDuplicateIndex) -> None:
    assert index.query("市图书馆周末开放时间能否延长到晚上九点，方便上班族借书") == []


def test_remove_and_replace(index: NearDuplicateIndex) -> None:
    assert index.remove("s1")
    assert not index.remove("s1")
    assert "s1" not in index
    assert len(index) == len(TEXTS) - 1
    assert all(m.key != "s1" for m in index.query(TEXTS[0][1]))
    index.add("s2", TEXTS[0][1])  # same key, new text: replaced
    assert [m.key for m in index.query(TEXTS[0][1])] == ["s2"]
    assert len(index) == len(TEXTS) - 1


def test_save_and_load(index: NearDuplicateIndex, tmp_path: Path) -> None:
    index.remove("s3")
    index.save(tmp_path / "idx")
    again = NearDuplicateIndex.load(tmp_path / "idx")
    assert len(again) == len(index)
    assert "s3" not in again
    assert again.query(TEXTS[0][1])[0].key == "s1"
    assert again.bands == index.bands
    assert again.rows == index.rows


def test_repeats_by_person_key() -> None:
    idx = NearDuplicateIndex()
    t0 = datetime(2026, 3, 1)
    idx.add("a1", TEXTS[0][1], person_key="blind-1", time=t0)
    idx.add("a2", TEXTS[1][1], person_key="blind-1", time=t0)
    idx.add("a3", TEXTS[0][1], person_key="blind-2", time=t0)
    rephrased = TEXTS[0][1][:60] + "现在情况更严重了，晚上根本睡不着。"
    reps = idx.repeats(rephrased, "blind-1")
    assert [m.key for m in reps] == ["a1"]
    assert idx.repeats(rephrased, "blind-3") == []
    assert idx.repeats(rephrased, "blind-1", since=t0 + timedelta(days=1)) == []


def test_group_check_counts_distinct_people() -> None:
    idx = NearDuplicateIndex()
    now = datetime(2026, 3, 10)
    rng = random.Random(1)
    base = TEXTS[3][1]
    for n in range(6):
        copy, _ = edit_text(base, rng, operations=1)
        idx.add(f"g{n}", copy, person_key=f"p{n % 4}", time=now - timedelta(days=n))
    sig = idx.group_check(base, time=now, person_key="p9", min_people=5)
    assert sig is not None
    assert sig.people == 5
    assert idx.group_check(base, time=now, window=timedelta(days=1), min_people=5) is None


def test_detect_groups_batch() -> None:
    t = datetime(2026, 5, 1)
    rng = random.Random(2)
    records = []
    for n in range(5):
        copy, _ = edit_text(TEXTS[4][1], rng, operations=1)
        records.append((f"bus{n}", t + timedelta(hours=n), f"person{n}", copy))
    records.append(("late", t + timedelta(days=60), "person9", TEXTS[4][1]))
    records.append(("same-person", t, "person0", TEXTS[4][1]))
    records += [(k, t, f"x{k}", txt) for k, txt in TEXTS if k != "s5"]
    groups = detect_groups(records, min_people=3)
    assert len(groups) == 1
    assert set(groups[0].keys) == {f"bus{n}" for n in range(5)} | {"same-person"}
    assert groups[0].people == 5


def test_lsh_parameters_reach_threshold() -> None:
    bands, rows = lsh_parameters(0.5, 128)
    assert bands * rows <= 128
    assert 1 - (1 - 0.5**rows) ** bands >= 0.99


def test_evaluation_helper_on_samples() -> None:
    ev = evaluate_near_duplicates(TEXTS, seed=3)
    assert ev.queries == len(TEXTS)
    assert ev.recall == 1.0
    assert ev.precision == 1.0


def _group_index() -> tuple[NearDuplicateIndex, datetime]:
    idx = NearDuplicateIndex()
    now = datetime(2026, 3, 10)
    rng = random.Random(1)
    for n in range(6):
        copy, _ = edit_text(TEXTS[3][1], rng, operations=1)
        idx.add(f"g{n}", copy, person_key=f"p{n % 4}", time=now - timedelta(days=n))
    return idx, now


def test_check_finds_what_query_finds() -> None:
    idx, now = _group_index()
    found, _group = idx.check(TEXTS[3][1], time=now, person_key="p9", exclude="g0")
    assert found == idx.query(TEXTS[3][1], exclude="g0")


def test_check_signals_what_group_check_signals() -> None:
    idx, now = _group_index()
    _found, group = idx.check(TEXTS[3][1], time=now, person_key="p9", min_people=5)
    assert group == idx.group_check(TEXTS[3][1], time=now, person_key="p9", min_people=5)


def test_check_of_an_empty_index_finds_nothing() -> None:
    assert NearDuplicateIndex().check(TEXTS[0][1], time=datetime(2026, 3, 10)) == ([], None)
