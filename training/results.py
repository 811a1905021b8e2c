"""Regenerate training/RESULTS.md: model against rules on held-out gold.

    python -m training.results [--config training/config.yaml] [--set train.epochs=2] [--ship models/default]

The pool excerpts are split by source agency into train, dev and test.

1. Pool split: train on all seeds + the pool training split + synthetic data.
2. Decoding thresholds (training/tune.py) are chosen on the pool's dev split.
3. Leave-one-report-out over the seed reports: for each seed, train on the
   other seeds + the pool training split + synthetic data, test on that seed.
4. Test: the pool-split model on the pool's test split, each fold on its seed.
5. With --ship (or --final): the same settings trained on every gold document
   are installed with the chosen thresholds and these scores in the card.

Synthetic data never enters a dev or test split. Bare table cells (value spans
with no unit of their own) are scored apart.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from extractor.annotations import GoldDocument, load_gold
from extractor.tagger.model import DecodeSettings, ModelTagger
from extractor.tagger.rules import RuleTagger
from extractor.types import CLAIM_LABEL, VALUE_LABELS
from training.data import build_vocab, from_gold, synthetic_examples
from training.evaluate import evaluate_documents
from training.train import TrainConfig, finetune_examples, pool_split, save_model, train_two_stage
from training.tune import tune_decoding

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def run(
    config_path: str, overrides: list[str], work_dir: Path, log=print, *, splits: str = "all", reuse: bool = False, final: bool = False, train_only: bool = False
) -> dict[str, Any]:
    config = TrainConfig.load(config_path, overrides)
    loaded = load_gold(config.data.get("gold_dirs", ["annotations"])[0])
    for message in loaded.skipped:
        log(f"skipped: {message}")
    seeds = [d for d in loaded.documents if d.origin != "pool"]
    pool = [d for d in loaded.documents if d.origin == "pool"]
    pool_by_id = {d.doc_id: d for d in pool}
    split = pool_split(config, [from_gold(d) for d in pool])
    pool_dev = [pool_by_id[e.doc_id] for e in split.dev]
    pool_test = [pool_by_id[e.doc_id] for e in split.test]
    synthetic = synthetic_examples(int(config.data.get("synthetic_docs", 0)), int(config.data.get("synthetic_seed", 0)))
    min_freq = int(config.data.get("vocab_min_jieba_freq", 50))
    # One vocabulary and one base model (synthetic + pool training split, no seed
    # report) serve every fold; each fold then fine-tunes on its training seeds.
    vocab = build_vocab([e.text for e in split.train + synthetic] + [d.text for d in seeds], min_freq)
    base_state: dict[str, Any] | None = None

    def train_fold(name: str, train_docs: list[GoldDocument]) -> Path:
        nonlocal base_state
        out = work_dir / name
        if not (reuse and (out / "model.safetensors").exists()):
            started = time.time()
            tune = finetune_examples(config, [from_gold(d) for d in train_docs] + split.train, synthetic)
            net, base_state, _ = train_two_stage(config, split.train + synthetic, tune, vocab, base_state=base_state, log=log)
            save_model(net, vocab, config, out, name=name, training_data={"train": [d.doc_id for d in train_docs], "pool_train": [e.doc_id for e in split.train]})
            log(f"{name}: trained in {time.time() - started:.0f}s")
        return out

    pool_model = train_fold("pool-split", seeds) if splits in ("all", "pool") else None
    fold_models = {held_out.doc_id: train_fold(f"loso-{held_out.doc_id[:3]}", [d for d in seeds if d is not held_out]) for held_out in (seeds if splits in ("all", "seeds") else [])}
    if final:
        train_final(config, [from_gold(d) for d in seeds], [from_gold(d) for d in pool], synthetic, work_dir / "final", reuse=reuse, log=log)
    if train_only:
        return {}

    # Decoding thresholds are chosen on the pool's dev split (agencies in neither training
    # nor test) tagged by the pool-split model, then used unchanged on both test splits.
    prior = DecodeSettings.from_config({"decode": config.raw.get("decode", {})})
    dev_sets = [(ModelTagger(pool_model), pool_dev)] if pool_model and pool_dev else []
    decoding, dev_report = tune_decoding(dev_sets, prior, log=log) if dev_sets else (prior, {})

    def score(model_dir: Path, name: str, test_docs: list[GoldDocument]) -> dict[str, Any]:
        model_scores = evaluate_documents(ModelTagger(model_dir, decoding=replace(decoding, combine="model")), test_docs)
        hybrid_scores = evaluate_documents(ModelTagger(model_dir, decoding=decoding), test_docs)
        rule_scores = evaluate_documents(RuleTagger(), test_docs)
        log(
            f"{name}: values F1 model {model_scores['values_micro']['f1']:.3f}, model+rules {hybrid_scores['values_micro']['f1']:.3f},"
            f" rules {rule_scores['values_micro']['f1']:.3f}; CLAIM {hybrid_scores['labels'][CLAIM_LABEL]['f1']:.3f}"
        )
        return {"model": model_scores, "hybrid": hybrid_scores, "rules": rule_scores, "test": [d.doc_id for d in test_docs]}

    folds = {doc_id: score(path, path.name, [d for d in seeds if d.doc_id == doc_id]) for doc_id, path in fold_models.items()}
    pool_result = score(pool_model, "pool-split", pool_test) if pool_model and pool_test else None
    return {
        "folds": folds,
        "pool": pool_result,
        "pool_train": [e.doc_id for e in split.train],
        "pool_dev": [e.doc_id for e in split.dev],
        "dev": dev_report,
        "dev_documents": [d.doc_id for _, docs in dev_sets for d in docs],
        "decoding": decoding.to_config(),
        "synthetic_docs": len(synthetic),
        "settings": config.raw,
    }


def train_final(config: TrainConfig, seeds: list, pool: list, synthetic: list, out: Path, *, reuse: bool, log=print) -> Path:
    """The model to ship: the same settings trained on every gold document (the pool's dev
    and test splits too). Its scores are the pool-split model's, measured before."""
    if reuse and (out / "model.safetensors").exists():
        return out
    started = time.time()
    vocab = build_vocab([e.text for e in pool + synthetic + seeds], int(config.data.get("vocab_min_jieba_freq", 50)))
    net, _, _ = train_two_stage(config, pool + synthetic, finetune_examples(config, seeds + pool, synthetic), vocab, log=log)
    training_data = {"train": [e.doc_id for e in seeds], "pool_train": [e.doc_id for e in pool], "training_seconds": round(time.time() - started)}
    save_model(net, vocab, config, out, name="final", training_data=training_data)
    log(f"final: trained on all gold in {training_data['training_seconds']}s")
    return out


def _pooled(fold_scores: list[dict[str, Any]], label: str) -> tuple[float, float, float, int]:
    """Micro-average one label over folds from per-fold precision/recall/support."""
    tp = pred = gold = 0.0
    for scores in fold_scores:
        row = scores["labels"][label]
        fold_tp = row["recall"] * row["support"]
        tp += fold_tp
        gold += row["support"]
        pred += fold_tp / row["precision"] if row["precision"] else 0.0
    p = tp / pred if pred else 0.0
    r = tp / gold if gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0), int(gold)


TAGGERS = (("model", "model"), ("hybrid", "model+rules"), ("rules", "rules"))


def _row(label: str, rows: list[tuple[float, float, float]], support: int) -> str:
    cells = " | ".join(f"{p:.3f} / {r:.3f} / **{f:.3f}**" for p, r, f in rows)
    return f"| {label} | {cells} | {support} |"


def render(results: dict[str, Any]) -> str:
    header = "| label | " + " | ".join(f"{title} P / R / F1" for _, title in TAGGERS) + " | support |"
    rule = "|---|" + "---|" * (len(TAGGERS) + 1)
    lines = [
        "# Tagger results: trained model against the rule labeler",
        "",
        "Generated by `python -m training.results` (do not edit by hand). Strict span match",
        "(seqeval, IOB2, mode strict) over characters of the original text. Synthetic",
        f"data ({results['synthetic_docs']} documents) is only ever in training folds.",
        "",
        "Three taggers: **model** (the network alone), **model+rules** (`combine: rules-first`: the rule",
        "labeler's spans stand, the model adds the values they do not cover when it is sure enough, and",
        "all claims; this is what `extractor extract` uses) and **rules** (the rule labeler, no claims).",
        "Claims are decided clause by clause (`extractor/tagger/clauses.py`): a comma-level clause is a",
        "claim when the claim head's mean probability over it reaches a threshold.",
        "",
        *_dev_section(results),
        "## Leave one seed report out",
        "",
        "Training has two stages: a base model on synthetic data and the pool training split (no seed",
        "report), then fine-tuning on seed reports with the pool training split and a little synthetic",
        "data. Each fold fine-tunes the shared base on the other four seed reports and tests on the",
        "held-out report (the vocabulary lists the characters of all five reports, so an unseen",
        "report's characters have untrained embeddings rather than the unknown id).",
        "",
        "F1 per fold (model / model+rules / rules):",
        "",
        "| held-out report | " + " | ".join(VALUE_LABELS + (CLAIM_LABEL,)) + " |",
        "|---|" + "---|" * (len(VALUE_LABELS) + 1),
    ]
    for doc_id, fold in results["folds"].items():
        cells = [" / ".join(f"{fold[key]['labels'][l]['f1']:.3f}" for key, _ in TAGGERS) for l in (*VALUE_LABELS, CLAIM_LABEL)]
        lines.append(f"| {doc_id[:3]} | " + " | ".join(cells) + " |")
    folds = list(results["folds"].values())
    if folds:
        lines += ["", "Pooled over the five folds (micro average):", "", header, rule]
        for label in (*VALUE_LABELS, CLAIM_LABEL):
            pooled = [_pooled([f[key] for f in folds], label) for key, _ in TAGGERS]
            lines.append(_row(label, [p[:3] for p in pooled], pooled[0][3]))
        lines += ["", _bare_line({key: [f[key]["bare_cells"] for f in folds] for key, _ in TAGGERS})]
    else:
        lines += ["", "(not run)"]
    if results["pool"]:
        pool = results["pool"]
        lines += [
            "",
            "## Held-out pool excerpts (other agencies and provinces)",
            "",
            f"Test: {len(pool['test'])} excerpts whose source agencies are in no training set ({', '.join(pool['test'])}).",
            f"Training: all seed reports, {len(results['pool_train'])} pool excerpts of other agencies (not the dev split), synthetic data.",
            "The shipped model has these settings and thresholds, trained on all gold (dev and test splits too).",
            "",
            header,
            rule,
        ]
        for label in (*VALUE_LABELS, CLAIM_LABEL):
            rows = [pool[key]["labels"][label] for key, _ in TAGGERS]
            lines.append(_row(label, [(r["precision"], r["recall"], r["f1"]) for r in rows], rows[0]["support"]))
        micro = [pool[key]["values_micro"] for key, _ in TAGGERS]
        lines.append(_row("all values", [(m["precision"], m["recall"], m["f1"]) for m in micro], micro[0]["support"]))
        lines += ["", _bare_line({key: [pool[key]["bare_cells"]] for key, _ in TAGGERS})]
        accuracy = ", ".join(f"{title} {pool[key]['value_accuracy']:.3f}" for key, title in TAGGERS if pool[key]["value_accuracy"] is not None)
        lines.append(f"Exact-value accuracy of matched value spans: {accuracy}.")
    lines += ["", "Settings:", "", "```json", json.dumps(results["settings"], ensure_ascii=False, indent=1), "```", ""]
    return "\n".join(lines)


def _dev_section(results: dict[str, Any]) -> list[str]:
    dev = results.get("dev") or {}
    if not dev:
        return ["Decoding thresholds: the config's starting values (no dev predictions).", ""]
    lines = [
        "## Decoding thresholds, chosen on a dev split",
        "",
        f"Dev: {len(results['pool_dev'])} pool excerpts of agencies in neither training nor test ({', '.join(results['pool_dev'])}),",
        "tagged by the pool-split model; stratified so that it holds table excerpts with bare cells. Neither",
        "test split takes part. Per value label, the model adds a value the rules lack when its probability",
        "reaches the first threshold (a figure with its own unit, or a bare number in prose) or the second",
        "(a bare number that ends a table cell); above 1 means never. Among equal dev scores the config's",
        "starting value stands.",
        "",
        "| label | add at (unit / bare) | dev F1 model+rules | dev F1 rules | support |",
        "|---|---|---|---|---|",
    ]
    for label in VALUE_LABELS:
        row = dev[label]
        lines.append(f"| {label} | {row['min_added'][0]} / {row['min_added'][1]} | {row['dev_f1']:.3f} | {row['rules_dev_f1']:.3f} | {row['support']} |")
    claim = dev[CLAIM_LABEL]
    lines += [f"| CLAIM | clause threshold {claim['claim_threshold']} | {claim['dev_f1']:.3f} | 0.000 | {claim['support']} |", ""]
    return lines


def pooled_bare_recall(rows: list[dict[str, Any]]) -> tuple[float, int]:
    """Bare-cell recall over several evaluations' ``bare_cells`` rows, and their support."""
    support = sum(r["support"] for r in rows)
    found = sum((r["recall"] or 0) * r["support"] for r in rows)
    return (found / support if support else 0.0), support


def _bare_line(by_tagger: dict[str, list[dict[str, Any]]]) -> str:
    recalls = {key: pooled_bare_recall(by_tagger[key]) for key, _ in TAGGERS}
    support = recalls[TAGGERS[-1][0]][1]
    parts = [f"{title} {recalls[key][0]:.3f}" for key, title in TAGGERS]
    return f"Bare table cells (value spans with no unit of their own, {support} in the test data), recall: " + ", ".join(parts) + "."


def ship(results: dict[str, Any], work_dir: Path, target: Path) -> Path:
    """Install the final model (same settings, trained on all gold; else the pool-split model)
    as ``target``, with the dev-tuned decoding and the held-out scores in its card."""
    import shutil

    source = work_dir / "final" if (work_dir / "final" / "model.safetensors").exists() else work_dir / "pool-split"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target)
    config_path = target / "config.json"
    settings = json.loads(config_path.read_text(encoding="utf-8"))
    settings["decode"] = results["decoding"]
    config_path.write_text(json.dumps(settings, indent=1), encoding="utf-8")
    meta_path = target / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["name"] = target.name
    scores: dict[str, Any] = {"combine": "rules-first", "decode": results["decoding"], "scored_model": "pool-split (the same settings without the dev and test excerpts)"}
    if results["pool"]:
        for key in ("hybrid", "model"):
            scores[f"held_out_pool_{key}"] = {
                "labels": results["pool"][key]["labels"],
                "values_micro": results["pool"][key]["values_micro"],
                "bare_cells": results["pool"][key]["bare_cells"],
                "value_accuracy": results["pool"][key]["value_accuracy"],
                "test_excerpts": results["pool"]["test"],
            }
    folds = list(results["folds"].values())
    if folds:
        for key in ("hybrid", "model"):
            scores[f"leave_one_report_out_f1_{key}"] = {label: round(_pooled([f[key] for f in folds], label)[2], 4) for label in (*VALUE_LABELS, CLAIM_LABEL)}
    meta["scores"] = scores
    meta["training_data"]["synthetic_docs"] = results["synthetic_docs"]
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    (target / "MODEL_CARD.md").write_text(model_card(meta), encoding="utf-8")
    return source


def model_card(meta: dict[str, Any]) -> str:
    net = meta["settings"]["model"]
    lines = [
        f"# Model card: {meta['name']}",
        "",
        "A character-level token classifier (a small BERT encoder from HF transformers, trained from scratch here;",
        "no pretrained weights) with two heads: values (AMOUNT, PERCENT, SCORE, QUANTITY; IOB2) and CLAIMs (IOB2).",
        "Input per character: its id and the rule labeler's tag for it. Values are read by `extractor.numbers`.",
        "As shipped (`combine: rules-first` in config.json) the rule labeler's unit-bearing spans stand and the",
        "network adds the values they do not cover (bare table cells, figures the rules miss) when it is sure",
        "enough (per label: `decode.min_added`, chosen on a dev split) and all claims (a clause is a claim when",
        "the claim head's mean probability over it reaches `decode.claim_threshold`).",
        "",
        f"- parameters: {meta['parameters']:,}; hidden {net['hidden_size']}, layers {net['num_layers']}, heads {net['num_heads']},"
        f" window {net['window']} characters with {net['overlap']} of context each side",
        f"- extractor {meta['extractor_version']}, git {meta.get('git_commit')}, torch {meta['libraries']['torch']}, transformers {meta['libraries']['transformers']}",
        "",
        "## Training data",
        "",
        f"- seed reports: {', '.join(d[:3] for d in meta['training_data'].get('train', []))}",
        f"- pool excerpts: {len(meta['training_data'].get('pool_train', []))}",
        f"- synthetic documents (training/synth.py): {meta['training_data'].get('synthetic_docs')}",
        "",
        "## Scores",
        "",
        f"Strict span match (seqeval IOB2 strict). Full tables: training/RESULTS.md. Scored model: {meta['scores'].get('scored_model', 'this one')};",
        "its held-out pool excerpts are listed in meta.json (their agencies were in none of its training data).",
        "",
    ]
    pool = meta["scores"].get("held_out_pool_hybrid")
    if pool:
        lines += ["Held-out pool excerpts (as shipped: rules-first combination):", "", "| label | P | R | F1 | support |", "|---|---|---|---|---|"]
        for label, row in pool["labels"].items():
            lines.append(f"| {label} | {row['precision']:.3f} | {row['recall']:.3f} | {row['f1']:.3f} | {row['support']} |")
        bare = pool["bare_cells"]
        if bare["recall"] is not None:
            lines += ["", f"Bare table cells: recall {bare['recall']:.3f} of {bare['support']}."]
    for key, title in (("hybrid", "as shipped"), ("model", "network alone")):
        loso = meta["scores"].get(f"leave_one_report_out_f1_{key}")
        if loso:
            lines += ["", f"Leave one seed report out, pooled F1 ({title}): " + ", ".join(f"{k} {v:.3f}" for k, v in loso.items()) + "."]
    lines += ["", "## Settings", "", "```json", json.dumps(meta["settings"], ensure_ascii=False, indent=1), "```", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="training/config.yaml")
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    parser.add_argument("--work-dir", default="/tmp/extractor-results")
    parser.add_argument("--out", default=str(RESULTS))
    parser.add_argument("--ship", default=None, help="install the pool-split model here (e.g. models/default)")
    parser.add_argument("--reuse", action="store_true", help="evaluate models already in --work-dir instead of training them again")
    parser.add_argument("--splits", choices=["all", "seeds", "pool"], default="all", help="which held-out evaluations to run")
    parser.add_argument("--final", action="store_true", help="also train the model to ship on every gold document (work-dir/final)")
    parser.add_argument("--train-only", action="store_true", help="train (or reuse) the models, evaluate nothing")
    args = parser.parse_args()
    results = run(args.config, args.overrides, Path(args.work_dir), splits=args.splits, reuse=args.reuse, final=args.final or bool(args.ship), train_only=args.train_only)
    if args.train_only:
        return
    Path(args.out).write_text(render(results), encoding="utf-8")
    Path(args.out).with_suffix(".json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {args.out}")
    if args.ship:
        source = ship(results, Path(args.work_dir), Path(args.ship))
        print(f"shipped {source} to {args.ship}")


if __name__ == "__main__":
    main()
