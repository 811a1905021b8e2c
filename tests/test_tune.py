"""Choosing decoding thresholds on a dev split (training/tune.py)."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")

from tests.test_model import TINY, train_tiny  # noqa: E402


def test_tune_decoding_is_never_below_the_rules_on_the_dev_split(tmp_path):
    from extractor.annotations import GoldDocument, GoldSpan
    from extractor.tagger.model import DecodeSettings
    from extractor.tagger.rules import RuleTagger
    from extractor.types import VALUE_LABELS
    from training.tune import ADD_GRID, CLAIM_GRID, tune_decoding

    tagger, _ = train_tiny(tmp_path, steps=20)
    dev = [GoldDocument(f"dev{i}", text, [GoldSpan(s, e, label) for s, e, label in spans], "pool", f"dev{i}") for i, (text, spans) in enumerate(TINY)]
    # A bare table cell the rules cannot see, so adding has something to win.
    table = "项目\t分值\t得分\n预算执行率\t10\t9.5\n"
    cell = table.index("9.5")
    dev.append(GoldDocument("dev-table", table, [GoldSpan(cell - 3, cell - 1, "SCORE"), GoldSpan(cell, cell + 3, "SCORE")], "pool", "dev-table"))

    prior = DecodeSettings(combine="rules-first", min_added={label: (0.95, 0.6) for label in VALUE_LABELS}, claim_threshold=0.5)
    tuned, report = tune_decoding([(tagger, dev[:2]), (tagger, dev[2:])], prior, log=lambda _: None)

    assert tuned.combine == "rules-first" and tuned.claim_decoding == "clause"
    assert tuned.claim_threshold in CLAIM_GRID
    rules = RuleTagger()
    for label, (with_unit, bare) in tuned.min_added.items():
        assert with_unit in ADD_GRID and bare in ADD_GRID
        gold = {(d.doc_id, s.start, s.end) for d in dev for s in d.spans if s.label == label}
        found = {(d.doc_id, s.start, s.end) for d in dev for s in rules.tag(d.text) if s.label == label}
        tp = len(gold & found)
        rules_f1 = 2 * tp / (len(gold) + len(found)) if gold or found else 1.0
        assert report[label]["rules_dev_f1"] == pytest.approx(rules_f1, abs=1e-4)
        assert report[label]["dev_f1"] >= report[label]["rules_dev_f1"]


def test_tune_best_prefers_the_prior_among_equal_scores():
    from training.tune import _best

    candidates = [(0.8, (1.01, 1.01)), (0.8, (0.9, 0.6)), (0.8, (0.5, 0.5)), (0.7, (0.95, 0.6))]
    assert _best(candidates, (0.95, 0.6)) == (0.8, (0.9, 0.6))  # the dev cannot tell: nearest the prior
    assert _best(candidates + [(0.81, (0.5, 0.5))], (0.95, 0.6)) == (0.81, (0.5, 0.5))  # the dev can
