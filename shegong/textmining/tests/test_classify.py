"""The shipped classifier: loading, predictions, model card; a tiny training run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from shegong.textmining.classify import (
    CARD_FILE,
    CategoryModel,
    ModelLoadError,
    compose_text,
    default_model_dir,
    load_model,
    train,
)
from shegong.textmining.tests.samples import SAMPLES, sample_rows

LABELS = {"交通运输", "劳动和社会保障", "卫生计生", "商贸旅游", "城乡建设", "教育文体", "环境保护"}


@pytest.fixture(scope="module")
def model() -> CategoryModel:
    return load_model()


def test_shipped_model_predicts_known_labels(model: CategoryModel) -> None:
    assert set(model.labels) == LABELS
    preds = model.predict([(t, b) for _, t, b, _ in SAMPLES])
    assert len(preds) == len(SAMPLES)
    for p, _sample in zip(preds, SAMPLES, strict=True):
        assert p.category_l1 in LABELS
        assert 0.0 <= p.confidence <= 1.0
        assert p.alternatives[0] == (p.category_l1, p.confidence)
        assert abs(sum(pr for _, pr in p.alternatives) - 1.0) < 0.3
    with_l2 = [p for p in preds if p.category_l2 is not None]
    assert with_l2  # the shipped taxonomy gives the samples a level-2 category
    for p in with_l2:
        assert p.category_l2 in model.taxonomy.level2(p.category_l1)
    correct = sum(p.category_l1 == s[3] for p, s in zip(preds, SAMPLES, strict=True))
    assert correct >= 6


def test_fast_path_matches_sklearn(model: CategoryModel) -> None:
    texts = [compose_text(t, b) for _, t, b, _ in SAMPLES]
    fast = np.array(
        [[pr for _, pr in sorted(p.alternatives)] for p in model.predict_texts(texts, top=7)]
    )
    ref = model.pipeline.predict_proba(texts)
    assert np.allclose(fast, ref, atol=1e-3)


def test_model_card_has_cv_figures(model: CategoryModel) -> None:
    card = json.loads((default_model_dir() / CARD_FILE).read_text("utf-8"))
    cv = card["cross_validation"]
    assert 0.8 < cv["accuracy"] <= 1
    assert 0.8 < cv["macro_f1"] <= 1
    assert set(cv["per_class"]) == LABELS
    for row in cv["per_class"].values():
        assert {"precision", "recall", "f1", "support"} <= set(row)
    assert "nested" in cv
    assert 0.8 < cv["nested"]["macro_f1"] <= 1
    assert card["sklearn_version"]
    assert card["artifact"]["sha256"]
    assert "training_command" in card["provenance"]


def test_version_mismatch_fails_clearly(tmp_path: Path) -> None:
    dst = tmp_path / "m"
    shutil.copytree(default_model_dir(), dst)
    card = json.loads((dst / CARD_FILE).read_text("utf-8"))
    card["sklearn_version"] = "0.0.1"
    (dst / CARD_FILE).write_text(json.dumps(card), "utf-8")
    with pytest.raises(ModelLoadError, match=r"scikit-learn 0\.0\.1"):
        load_model(dst)


def test_tampered_artifact_is_refused(tmp_path: Path) -> None:
    dst = tmp_path / "m"
    shutil.copytree(default_model_dir(), dst)
    with open(dst / "category_l1.joblib", "ab") as fh:
        fh.write(b"x")
    with pytest.raises(ModelLoadError, match="SHA-256"):
        load_model(dst)
    with pytest.raises(ModelLoadError, match="lacks"):
        load_model(tmp_path / "nowhere")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_tiny_training_run_with_level2(tmp_path: Path) -> None:
    rows = []
    for n in range(4):
        for r in sample_rows():
            rows.append({**r, "body": r["body"][n * 3 :]})
    rows += [
        {
            "title": "小区物业乱收费",
            "body": "物业公司乱收停车费",
            "category_l1": "城乡建设",
            "category_l2": "住房保障与房地产",
        },
        {
            "title": "小区停车乱收费",
            "body": "物业公司每月多收费用",
            "category_l1": "城乡建设",
            "category_l2": "住房保障与房地产",
        },
        {
            "title": "路灯不亮",
            "body": "市政路灯坏了很久",
            "category_l1": "城乡建设",
            "category_l2": "城市建设和市政管理",
        },
        {
            "title": "路灯损坏",
            "body": "道路路灯一直不亮",
            "category_l1": "城乡建设",
            "category_l2": "城市建设和市政管理",
        },
    ]
    model = train(rows, evaluate=False, candidate="char1-3+sgd(modified_huber,alpha=1e-4,balanced)")
    assert model.card["level2"]["source"] == "model"
    p = model.predict_one("小区物业", "物业公司乱收停车费")
    assert p.category_l1 == "城乡建设"
    assert p.l2_source == "model"
    assert p.category_l2 == "住房保障与房地产"
    saved = model.save(tmp_path / "tiny")
    again = load_model(saved)
    assert again.predict_one("小区物业", "物业公司乱收停车费").category_l1 == "城乡建设"


def test_training_rejects_single_class() -> None:
    with pytest.raises(ValueError, match="two"):
        train([{"title": "a", "body": "b", "category_l1": "x"}] * 5, evaluate=False)
