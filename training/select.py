"""Compare training settings by cross-validation over the pool's non-test agencies.

    python -m training.select --variant shipped= --variant epochs3=train.epochs=3 [--folds 3] [--out FILE]

The dev split (15 excerpts) is small: two settings can trade places on it by
a few spans. Here each variant (a name and its ``--set`` overrides, joined by
commas) is trained once per fold. The training and dev agencies of the pool are
split into ``--folds`` groups; each fold trains on the seed reports, the other
groups and synthetic data, and is scored on its held-out group. Decoding is the
same for every variant (the thresholds in training/RESULTS.json, i.e. the
shipped ones), so only the networks differ. The pool's test split takes no
part. Scores are pooled over the folds (micro average).
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path
from typing import Any

from extractor.annotations import load_gold
from extractor.tagger.model import DecodeSettings, ModelTagger
from extractor.types import CLAIM_LABEL, VALUE_LABELS
from training.data import build_vocab, from_gold, synthetic_examples
from training.evaluate import evaluate_documents
from training.results import RESULTS, _pooled, pooled_bare_recall
from training.train import TrainConfig, finetune_examples, pool_split, save_model, train_two_stage


def agency_folds(groups: list[str], folds: int, seed: int) -> list[set[str]]:
    """``folds`` disjoint sets of agencies, as even as the count allows."""
    shuffled = sorted(groups)
    random.Random(seed).shuffle(shuffled)
    return [set(shuffled[i::folds]) for i in range(folds)]


def cross_validate(config_path: str, overrides: list[str], folds: int, work_dir: Path, decoding: DecodeSettings, log=print) -> dict[str, Any]:
    config = TrainConfig.load(config_path, overrides)
    loaded = load_gold(config.data.get("gold_dirs", ["annotations"])[0])
    for message in loaded.skipped:
        log(f"skipped: {message}")
    seeds = [from_gold(d) for d in loaded.documents if d.origin != "pool"]
    pool_docs = {d.doc_id: d for d in loaded.documents if d.origin == "pool"}
    split = pool_split(config, [from_gold(d) for d in pool_docs.values()])
    candidates = split.train + split.dev  # never the test split
    groups = sorted({e.group for e in candidates})
    if len(groups) < folds:
        raise SystemExit(
            f"training.select: {len(groups)} pool agencies outside the test split, too few for {folds} folds"
            + ("; the pool excerpts were skipped: ../shared/corpus/pool.jsonl is missing, or EXTRACTOR_SHARED points elsewhere" if not groups else "; pass a smaller --folds")
        )
    synthetic = synthetic_examples(int(config.data.get("synthetic_docs", 0)), int(config.data.get("synthetic_seed", 0)))
    vocab = build_vocab([e.text for e in candidates + synthetic + seeds], int(config.data.get("vocab_min_jieba_freq", 50)))
    scores = []
    for k, held_out in enumerate(agency_folds(groups, folds, config.seed)):
        train_pool = [e for e in candidates if e.group not in held_out]
        test_docs = [pool_docs[e.doc_id] for e in candidates if e.group in held_out]
        out = work_dir / f"fold-{k}"
        started = time.time()
        net, _, _ = train_two_stage(config, train_pool + synthetic, finetune_examples(config, seeds + train_pool, synthetic), vocab, log=lambda _: None)
        save_model(net, vocab, config, out, name=out.name, training_data={"pool_train": [e.doc_id for e in train_pool]})
        fold = evaluate_documents(ModelTagger(out, decoding=decoding), test_docs)
        log(f"fold {k}: {len(test_docs)} excerpts held out, trained in {time.time() - started:.0f}s; values F1 {fold['values_micro']['f1']:.3f}, CLAIM {fold['labels'][CLAIM_LABEL]['f1']:.3f}")
        scores.append(fold)
    return {label: _pooled(scores, label) for label in (*VALUE_LABELS, CLAIM_LABEL)} | {"bare_cells": pooled_bare_recall([s["bare_cells"] for s in scores])[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="training/config.yaml")
    parser.add_argument("--variant", action="append", required=True, help="NAME=section.key=value,section.key=value (empty: the config as it is)")
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--work-dir", default="/tmp/extractor-select")
    parser.add_argument("--out", default=None, help="also write the table here (Markdown)")
    args = parser.parse_args()
    decoding = DecodeSettings.from_config({"decode": json.loads(RESULTS.with_suffix(".json").read_text(encoding="utf-8"))["decoding"]})
    rows = {}
    for variant in args.variant:
        name, _, sets = variant.partition("=")
        overrides = [s for s in sets.split(",") if s]
        print(f"variant {name}: {overrides or 'the config as it is'}")
        rows[name] = cross_validate(args.config, overrides, args.folds, Path(args.work_dir) / name, decoding)
    labels = (*VALUE_LABELS, CLAIM_LABEL)
    lines = [
        f"Cross-validation over the pool's training and dev agencies ({args.folds} folds by agency), F1 pooled over folds, decoding fixed:",
        "",
        "| variant | " + " | ".join(labels) + " | bare-cell recall |",
        "|---|" + "---|" * (len(labels) + 1),
    ]
    for name, row in rows.items():
        lines.append(f"| {name} | " + " | ".join(f"{row[label][2]:.3f}" for label in labels) + f" | {row['bare_cells']:.3f} |")
    table = "\n".join(lines) + "\n"
    print(table)
    if args.out:
        Path(args.out).write_text(table, encoding="utf-8")


if __name__ == "__main__":
    main()
