"""Word segmentation with jieba, a domain dictionary and stop words.

Pure Python, no Django. One :class:`Segmenter` owns one ``jieba.Tokenizer`` (jieba's global
tokenizer is never touched, so two segmenters with different place names do not see each
other's words). Building a tokenizer costs about a second and ~60 MB, so a process should
keep one per dictionary: :func:`default_segmenter` is the shared one with the shipped policy
terms.

jieba caches its prefix dictionary with ``marshal`` in a temp directory and, by default,
writes it to the shared system temp dir. Here the cache goes to a private directory
(``$SHEGONG_TEXTMINING_CACHE`` or ``<tmp>/shegong-textmining-<uid>``, mode 0700, reused
only when owned by this user). When no directory is writable (read-only container), the
dictionary is built in memory and nothing is written: initialisation never fails for want of
a writable disk.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Final

from shegong.textmining.normalize import normalize

__all__ = [
    "Segmenter",
    "default_segmenter",
    "load_policy_terms",
    "load_stopwords",
]

_TOKEN_RE: Final = re.compile(r"[\u3400-\u9fffa-z0-9]")
_NUMBER_RE: Final = re.compile(r"^[0-9.]+$")
DEFAULT_WORD_FREQ: Final = 200_000  # high enough that a domain term wins over its parts


def _resource_lines(name: str) -> list[str]:
    text = resources.files(__package__).joinpath(f"resources/{name}").read_text("utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


@cache
def load_stopwords() -> frozenset[str]:
    """The shipped stop-word list (``resources/stopwords.txt``)."""
    return frozenset(_resource_lines("stopwords.txt"))


@cache
def load_policy_terms() -> tuple[str, ...]:
    """The shipped default policy terms (``resources/policy_terms.txt``), without frequencies."""
    return tuple(ln.split("\t")[0] for ln in _resource_lines("policy_terms.txt"))


def _cache_dir() -> str | None:
    """A private writable directory for jieba's cache, or ``None`` when there is none."""
    candidates = []
    if env := os.environ.get("SHEGONG_TEXTMINING_CACHE"):
        candidates.append(Path(env))
    uid = os.getuid() if hasattr(os, "getuid") else 0
    candidates.append(Path(tempfile.gettempdir()) / f"shegong-textmining-{uid}")
    for path in candidates:
        try:
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
            st = path.stat()
            if hasattr(os, "getuid") and st.st_uid != os.getuid():
                continue  # someone else's directory: never load a marshal file from it
            if os.access(path, os.W_OK):
                return str(path)
        except OSError:
            continue
    return None


_init_lock = threading.Lock()


def _load_tokenizer(cache_dir: str | None) -> object:
    """A fresh, initialised jieba tokenizer (reads or writes the cache in ``cache_dir``)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    if cache_dir is None:
        # jieba would fall back to the system temp dir; point it at a path that cannot exist
        # so the dump fails (jieba catches that) and nothing is read from a shared location.
        tok.tmp_dir = os.path.join(os.sep, "nonexistent-shegong-textmining")
    else:
        tok.tmp_dir = cache_dir
    logger = logging.getLogger("jieba")
    previous = logger.level
    logger.setLevel(logging.CRITICAL)  # a failed cache dump is logged as an error: expected
    try:
        tok.initialize()
    finally:
        logger.setLevel(previous)
    return tok


_base: object | None = None


def _new_tokenizer() -> object:
    """A tokenizer with its own dictionary, copied from a per-process base (~30 ms instead of
    ~1 s for loading jieba's dictionary again)."""
    global _base
    with _init_lock:
        if _base is None:
            _base = _load_tokenizer(_cache_dir())
    import jieba

    tok = jieba.Tokenizer()
    tok.FREQ = dict(_base.FREQ)  # type: ignore[attr-defined]
    tok.total = _base.total  # type: ignore[attr-defined]
    tok.initialized = True
    return tok


class Segmenter:
    """Segment normalised Chinese text into words, keeping domain terms whole.

    ``user_words`` are place names, unit names and policy terms of the deployment; each may be
    a word or a ``(word, frequency)`` pair. The shipped policy terms are added unless
    ``policy_terms=False``. ``stopwords`` replaces the shipped list when given.

    Invariants: :meth:`cut` returns the tokens of ``normalize(text)`` in order, without
    whitespace tokens; :meth:`tokens` is :meth:`cut` minus stop words, punctuation-only
    tokens and bare numbers. Both accept any string, including the empty one.
    """

    def __init__(
        self,
        user_words: Iterable[str | tuple[str, int]] = (),
        *,
        stopwords: Iterable[str] | None = None,
        policy_terms: bool = True,
        hmm: bool = True,
    ) -> None:
        self._tok: object = _new_tokenizer()
        self.hmm = hmm
        self.stopwords: frozenset[str] = (
            load_stopwords() if stopwords is None else frozenset(normalize(w) for w in stopwords)
        )
        self.user_words: set[str] = set()
        if policy_terms:
            self.add_words(load_policy_terms())
        self.add_words(user_words)

    def add_words(self, words: Iterable[str | tuple[str, int]]) -> None:
        """Add domain words (normalised) to this segmenter's dictionary."""
        add = self._tok.add_word  # type: ignore[attr-defined]
        for item in words:
            word, freq = (item, DEFAULT_WORD_FREQ) if isinstance(item, str) else item
            word = normalize(word).replace(" ", "")
            if len(word) >= 2 and word not in self.user_words:
                add(word, freq)
                self.user_words.add(word)

    def cut(self, text: str | None, *, normalized: bool = False) -> list[str]:
        """All tokens of the text (normalised first unless ``normalized``), in order."""
        norm = (text or "") if normalized else normalize(text)
        if not norm:
            return []
        words = self._tok.cut(norm, HMM=self.hmm)  # type: ignore[attr-defined]
        return [w for w in words if not w.isspace()]

    def tokens(self, text: str | None, *, normalized: bool = False) -> list[str]:
        """Content words: :meth:`cut` without stop words, punctuation and bare numbers."""
        stop = self.stopwords
        return [
            w
            for w in self.cut(text, normalized=normalized)
            if w not in stop and _TOKEN_RE.search(w) and not _NUMBER_RE.match(w)
        ]


_default: Segmenter | None = None
_default_lock = threading.Lock()


def default_segmenter() -> Segmenter:
    """The process-wide segmenter with the shipped policy terms (built on first use)."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Segmenter()
    return _default
