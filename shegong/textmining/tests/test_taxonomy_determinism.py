"""The level-2 guess is the same in every process: it must not depend on the order in
which a ``set`` of strings iterates, which changes with ``PYTHONHASHSEED``."""

from __future__ import annotations

import json
import os
import subprocess
import sys

SCRIPT = """
import json
from shegong.textmining.taxonomy import _default_taxonomy
from shegong.textmining.tests.samples import SAMPLES
tax = _default_taxonomy()
out = {"profiles": {}, "guesses": []}
for l1 in sorted(tax.tree):
    out["profiles"][l1] = {l2: list(terms) for l2, terms in tax._profile(l1).items()}
    for _, title, body, _ in SAMPLES:
        text = title + body
        guess = tax.guess_l2(l1, text)
        row = None if guess is None else [guess.category_l2, guess.score, list(guess.matched)]
        out["guesses"].append(row)
print(json.dumps(out, ensure_ascii=False))
"""


def _run(seed: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_term_order_does_not_depend_on_the_hash_seed() -> None:
    assert _run("1")["profiles"] == _run("2")["profiles"]


def test_guesses_do_not_depend_on_the_hash_seed() -> None:
    assert _run("3")["guesses"] == _run("4")["guesses"]
