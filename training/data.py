"""Training data: gold and synthetic documents as windows of tag ids (HF datasets).

Synthetic documents only ever enter training sets; ``split_gold`` builds the
evaluation splits from gold alone.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extractor.annotations import GoldDocument, is_bare_cell, load_gold
from extractor.normalise import normalise
from extractor.tagger.encoding import CLAIM_TAGS, VALUE_TAGS, CharVocab, spans_to_tags, windows
from extractor.tagger.model import rule_features
from extractor.tagger.rules import RuleTagger
from extractor.types import CLAIM_LABEL


@dataclass
class TextExample:
    """A document reduced to what training needs: text, spans, whether it is synthetic."""

    doc_id: str
    text: str
    spans: list[tuple[int, int, str]]  # original offsets, both layers
    group: str
    origin: str = "seed"  # seed | pool | import | synthetic
    synthetic: bool = False


def from_gold(doc: GoldDocument) -> TextExample:
    return TextExample(doc.doc_id, doc.text, [(s.start, s.end, s.label) for s in doc.spans], doc.group, origin=doc.origin)


def synthetic_examples(n_docs: int, seed: int) -> list[TextExample]:
    from training.synth import generate

    examples = []
    for doc in generate(n_docs, seed=seed):
        spans = [(s["start"], s["end"], s["label"]) for s in doc["spans"]]
        spans += [(c["start"], c["end"], CLAIM_LABEL) for c in doc.get("claims", [])]
        examples.append(TextExample(doc["id"], doc["text"], spans, group="synthetic", origin="synthetic", synthetic=True))
    return examples


def load_gold_examples(gold_dirs: list[str]) -> tuple[list[TextExample], list[str]]:
    examples, skipped = [], []
    for directory in gold_dirs:
        loaded = load_gold(directory)
        skipped.extend(loaded.skipped)
        examples.extend(from_gold(d) for d in loaded.documents)
    return examples, skipped


@dataclass
class PoolSplit:
    """Pool excerpts split by source agency: training, development (for tuning decision
    thresholds) and test. No agency is in two of them."""

    train: list[TextExample]
    dev: list[TextExample]
    test: list[TextExample]


def split_pool(pool: list[TextExample], test_fraction: float, dev_fraction: float, seed: int) -> PoolSplit:
    """Test agencies first (``test_fraction`` of all), then dev agencies (``dev_fraction`` of
    the rest), in one seeded shuffle: adding a dev split leaves the test split as it was.
    The dev split is stratified: it takes the same fraction of the agencies whose excerpts
    hold bare table cells as of the others, so the thresholds for bare cells are chosen on
    some."""
    groups = sorted({e.group for e in pool})
    random.Random(seed).shuffle(groups)
    n_test = max(1, round(len(groups) * test_fraction)) if groups else 0
    test_groups = set(groups[:n_test])
    with_tables = {e.group for e in pool if any(label != CLAIM_LABEL and is_bare_cell(e.text[s:t]) for s, t, label in e.spans)}
    rest = groups[n_test:]
    dev_groups: set[str] = set()
    for stratum in ([g for g in rest if g in with_tables], [g for g in rest if g not in with_tables]):
        dev_groups.update(stratum[: round(len(stratum) * dev_fraction)])
    return PoolSplit(
        train=[e for e in pool if e.group not in test_groups | dev_groups],
        dev=[e for e in pool if e.group in dev_groups],
        test=[e for e in pool if e.group in test_groups],
    )


def build_vocab(texts: list[str], min_jieba_freq: int) -> CharVocab:
    """Characters of the training texts plus the common characters of jieba's dictionary."""
    import jieba

    dictionary = Path(os.path.dirname(jieba.__file__)) / "dict.txt"
    counts: dict[str, int] = {}
    with dictionary.open(encoding="utf-8") as handle:
        for line in handle:
            word, freq, *_ = line.split()
            for ch in word:
                counts[ch] = counts.get(ch, 0) + int(freq)
    common = "".join(ch for ch, n in counts.items() if n >= min_jieba_freq)
    ascii_chars = "".join(chr(c) for c in range(32, 127))
    return CharVocab.build([common, ascii_chars, "\n\t", *(normalise(t).text for t in texts)])


def example_windows(example: TextExample, vocab: CharVocab, window: int, overlap: int, rules: RuleTagger) -> list[dict[str, Any]]:
    """One training row per window of the working text."""
    work = normalise(example.text)
    mapped: list[tuple[int, int, str]] = []
    for start, end, label in example.spans:
        w_start, w_end = work.to_working(start), work.to_working(end)
        if w_start < w_end:
            mapped.append((w_start, w_end, label))
    n = len(work.text)
    value_tags = spans_to_tags(n, [s for s in mapped if s[2] != CLAIM_LABEL], VALUE_TAGS)
    claim_tags = spans_to_tags(n, [s for s in mapped if s[2] == CLAIM_LABEL], CLAIM_TAGS)
    ids = vocab.encode(work.text)
    features = rule_features(work, rules, VALUE_TAGS)
    rows = []
    for start, end in windows(n, window, overlap):
        rows.append(
            {
                "input_ids": ids[start:end],
                "rule_ids": features[start:end],
                "value_tags": value_tags[start:end],
                "claim_tags": claim_tags[start:end],
            }
        )
    return rows


def to_dataset(examples: list[TextExample], vocab: CharVocab, window: int, overlap: int, repeat_gold: int = 1):
    """An HF ``datasets.Dataset`` of windows; gold windows repeated ``repeat_gold`` times."""
    from datasets import Dataset

    rules = RuleTagger()
    rows: list[dict[str, Any]] = []
    for example in examples:
        windows_ = example_windows(example, vocab, window, overlap, rules)
        rows.extend(windows_ * (1 if example.synthetic else repeat_gold))
    return Dataset.from_list(rows)
