"""Segmentation with jieba, the domain dictionary and stop words."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from shegong.textmining import segment
from shegong.textmining.segment import (
    Segmenter,
    default_segmenter,
    load_policy_terms,
    load_stopwords,
)


@pytest.fixture(scope="module")
def seg() -> Segmenter:
    return Segmenter(["幸福家园小区", "东城区住建局"])


def test_domain_words_stay_whole(seg: Segmenter) -> None:
    words = seg.cut("幸福家园小区的业主向东城区住建局反映加装电梯问题")
    assert "幸福家园小区" in words
    assert "东城区住建局" in words
    assert "加装电梯" in words  # a shipped policy term


def test_tokens_drop_stopwords_punctuation_and_numbers(seg: Segmenter) -> None:
    tokens = seg.tokens("您好，请问我们小区的公积金提取2019年怎么办理？谢谢！")
    assert "公积金提取" in tokens
    for dropped in ("您好", "请问", "我们", "谢谢", "，", "2019"):
        assert dropped not in tokens


def test_input_is_normalised_first(seg: Segmenter) -> None:
    assert seg.cut("醫保報銷") == seg.cut("医保报销")
    assert seg.cut("") == []
    assert seg.tokens(None) == []


def test_shipped_lists_are_loaded() -> None:
    assert "的" in load_stopwords()
    assert "最低生活保障" in load_policy_terms()
    assert default_segmenter() is default_segmenter()


def test_unwritable_cache_dir_does_not_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A regular file where the cache and temp directories should be: no directory can be
    # made below it, whoever runs the test (root ignores permission bits, not file types).
    blocked = tmp_path / "blocked"
    blocked.write_text("")
    monkeypatch.setenv("SHEGONG_TEXTMINING_CACHE", str(blocked / "cache"))
    monkeypatch.setattr(tempfile, "tempdir", str(blocked))
    assert segment._cache_dir() is None
    tok = segment._load_tokenizer(None)  # what happens when no directory is writable
    assert list(tok.cut("小区噪音扰民"))  # type: ignore[attr-defined]
    assert blocked.read_text() == ""
    assert list(tmp_path.iterdir()) == [blocked]
