"""Train the tagging model from gold + synthetic data and save a model directory.

    extractor train --config training/config.yaml --out models/NAME [--set train.epochs=2]

Fixed seeds; the loop is plain torch so every step is visible.
"""

from __future__ import annotations

import json
import math
import platform
import random
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml

from extractor.tagger.encoding import CLAIM_TAGS, VALUE_TAGS, CharVocab
from extractor.tagger.model import DecodeSettings
from training.data import TextExample, build_vocab, load_gold_examples, split_pool, synthetic_examples, to_dataset


@dataclass
class TrainConfig:
    raw: dict[str, Any]
    seed: int = 13
    data: dict[str, Any] = field(default_factory=dict)
    model: dict[str, Any] = field(default_factory=dict)
    train: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path, overrides: list[str] | None = None) -> TrainConfig:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        for item in overrides or []:
            key, _, value = item.partition("=")
            section, _, name = key.partition(".")
            target = raw.setdefault(section, {}) if name else raw
            target[name or section] = yaml.safe_load(value)
        config = cls(raw=raw, seed=int(raw.get("seed", 13)), data=raw.get("data", {}), model=raw.get("model", {}), train=raw.get("train", {}))
        config.validate()
        return config

    def validate(self) -> None:
        if self.model.get("window", 256) <= 2 * self.model.get("overlap", 32):
            raise ValueError("model.window must exceed twice model.overlap")
        if self.model.get("hidden_size", 128) % self.model.get("num_heads", 4):
            raise ValueError("model.hidden_size must be divisible by model.num_heads")
        for key in ("epochs", "batch_size"):
            if int(self.train.get(key, 1)) < 1:
                raise ValueError(f"train.{key} must be at least 1")


def set_seed(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def collate(rows: list[dict[str, list[int]]]):
    import torch

    width = max(len(r["input_ids"]) for r in rows)

    def pad(key: str, fill: int) -> torch.Tensor:
        return torch.tensor([r[key] + [fill] * (width - len(r[key])) for r in rows], dtype=torch.long)

    mask = torch.tensor([[1] * len(r["input_ids"]) + [0] * (width - len(r["input_ids"])) for r in rows], dtype=torch.long)
    return pad("input_ids", 0), pad("rule_ids", 0), mask, pad("value_tags", -100), pad("claim_tags", -100)


def train_model(
    config: TrainConfig,
    train_examples: list[TextExample],
    vocab: CharVocab,
    *,
    log: Callable[[str], None] = print,
    max_steps: int | None = None,
    init_state: dict[str, Any] | None = None,
    learning_rate: float | None = None,
):
    """Train a TaggerNet on ``train_examples``; returns (net, losses per step).

    With ``init_state`` the network starts from those weights (fine-tuning a
    base model; the vocabulary must be the base model's).
    """
    import torch
    from torch.utils.data import DataLoader

    from extractor.tagger.net import NetConfig, TaggerNet

    set_seed(config.seed)
    torch.set_num_threads(int(config.train.get("threads", 2)))
    window, overlap = int(config.model.get("window", 256)), int(config.model.get("overlap", 32))
    dataset = to_dataset(train_examples, vocab, window, overlap, repeat_gold=int(config.train.get("gold_repeat", 1)))
    net = TaggerNet(
        NetConfig(
            vocab_size=len(vocab),
            n_value_tags=len(VALUE_TAGS),
            n_claim_tags=len(CLAIM_TAGS),
            n_rule_tags=len(VALUE_TAGS),
            hidden_size=int(config.model.get("hidden_size", 128)),
            num_layers=int(config.model.get("num_layers", 2)),
            num_heads=int(config.model.get("num_heads", 4)),
            intermediate_size=int(config.model.get("intermediate_size", 256)),
            max_positions=max(512, window),
            dropout=float(config.model.get("dropout", 0.1)),
        )
    )
    if init_state is not None:
        net.load_state_dict(init_state)
    batch_size = int(config.train.get("batch_size", 16))
    generator = torch.Generator().manual_seed(config.seed)
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True, collate_fn=collate, generator=generator)
    epochs = int(config.train.get("epochs", 1))
    total_steps = max_steps or epochs * len(loader)
    optimizer = torch.optim.AdamW(net.parameters(), lr=learning_rate or float(config.train.get("learning_rate", 2e-3)), weight_decay=float(config.train.get("weight_decay", 0.01)))
    warmup = max(1, int(total_steps * float(config.train.get("warmup_fraction", 0.05))))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, (step + 1) / warmup) * max(0.05, 0.5 * (1 + math.cos(math.pi * min(step, total_steps) / total_steps)))
    )
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=-100)
    claim_weight = float(config.train.get("claim_loss_weight", 1.0))
    losses: list[float] = []
    step = 0
    started = time.time()
    net.train()
    log(f"training on {len(dataset)} windows ({sum(not e.synthetic for e in train_examples)} gold docs, {sum(e.synthetic for e in train_examples)} synthetic), {total_steps} steps")
    for epoch in range(epochs):
        for input_ids, rule_ids, mask, value_tags, claim_tags in loader:
            value_logits, claim_logits = net(input_ids, rule_ids, mask)
            loss = loss_fn(value_logits.reshape(-1, value_logits.shape[-1]), value_tags.reshape(-1))
            loss = loss + claim_weight * loss_fn(claim_logits.reshape(-1, claim_logits.shape[-1]), claim_tags.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            losses.append(loss.item())
            step += 1
            if step % 50 == 0 or step == total_steps:
                recent = losses[-50:]
                log(f"epoch {epoch + 1} step {step}/{total_steps} loss {sum(recent) / len(recent):.4f} ({time.time() - started:.0f}s)")
            if step >= total_steps:
                net.eval()
                return net, losses
    net.eval()
    return net, losses


def save_model(net, vocab: CharVocab, config: TrainConfig, out: Path, *, name: str, training_data: dict[str, Any], scores: dict[str, Any] | None = None) -> None:
    """Weights (safetensors), settings, vocab, tag sets and meta.json: everything loading needs."""
    import torch
    import transformers
    from safetensors.torch import save_file

    from extractor import __version__

    out.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(out / "model.safetensors"))
    settings = {"net": net.config.to_dict(), "window": int(config.model.get("window", 256)), "overlap": int(config.model.get("overlap", 32))}
    settings["decode"] = DecodeSettings.from_config({"decode": config.raw.get("decode", {})}).to_config()
    (out / "config.json").write_text(json.dumps(settings, indent=1), encoding="utf-8")
    vocab.save(out / "vocab.txt")
    (out / "labels.json").write_text(json.dumps({"value_tags": VALUE_TAGS, "claim_tags": CLAIM_TAGS}, ensure_ascii=False, indent=1), encoding="utf-8")
    meta = {
        "name": name,
        "version": "1",
        "extractor_version": __version__,
        "labels": ["AMOUNT", "PERCENT", "SCORE", "QUANTITY", "CLAIM"],
        "parameters": sum(p.numel() for p in net.parameters()),
        "training_data": training_data,
        "settings": config.raw,
        "scores": scores or {},
        "git_commit": _git_commit(),
        "libraries": {"torch": torch.__version__, "transformers": transformers.__version__, "python": platform.python_version()},
    }
    (out / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")


def _git_commit() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def finetune_examples(config: TrainConfig, gold: list[TextExample], synthetic: list[TextExample]) -> list[TextExample]:
    """Stage two's data: the gold plus a slice of the synthetic data, so the base is not forgotten."""
    keep = int(config.train.get("finetune_synthetic_docs", 100))
    return gold + synthetic[:keep]


def train_two_stage(
    config: TrainConfig,
    base_examples: list[TextExample],
    tune_examples: list[TextExample],
    vocab: CharVocab,
    *,
    base_state: dict[str, Any] | None = None,
    log: Callable[[str], None] = print,
):
    """Stage one (base): synthetic data and the pool training split. Stage two:
    fine-tune on the seed reports with the same plus a little synthetic data.
    Returns (net, base state, losses of stage two)."""
    if base_state is None:
        base, _ = train_model(config, base_examples, vocab, log=log)
        base_state = {k: v.clone() for k, v in base.state_dict().items()}
    steps = int(config.train.get("finetune_steps", 200))
    net, losses = train_model(
        config,
        tune_examples,
        vocab,
        log=log,
        max_steps=steps,
        init_state=base_state,
        learning_rate=float(config.train.get("finetune_learning_rate", 1e-3)),
    )
    return net, base_state, losses


def train(config_path: str | Path, out: str | Path, *, overrides: list[str] | None = None, all_gold: bool = False, log: Callable[[str], None] = print) -> Path:
    """Train on the gold (all of it with ``all_gold``; else without the pool's dev and
    test splits) plus synthetic data; save to ``out``."""
    config = TrainConfig.load(config_path, overrides)
    gold, skipped = load_gold_examples(list(config.data.get("gold_dirs", ["annotations"])))
    for message in skipped:
        log(f"skipped: {message}")
    seeds = [e for e in gold if e.origin != "pool"]
    pool = [e for e in gold if e.origin == "pool"]
    split = pool_split(config, pool)
    pool_train = pool if all_gold else split.train
    synthetic = synthetic_examples(int(config.data.get("synthetic_docs", 0)), int(config.data.get("synthetic_seed", 0)))
    vocab = build_vocab([e.text for e in seeds + pool_train + synthetic], int(config.data.get("vocab_min_jieba_freq", 50)))
    started = time.time()
    net, _, losses = train_two_stage(config, pool_train + synthetic, finetune_examples(config, seeds + pool_train, synthetic), vocab, log=log)
    out = Path(out)
    training_data = {
        "train": [e.doc_id for e in seeds],
        "pool_train": [e.doc_id for e in pool_train],
        "pool_dev_held_out": [] if all_gold else [e.doc_id for e in split.dev],
        "pool_test_held_out": [] if all_gold else [e.doc_id for e in split.test],
        "synthetic_docs": len(synthetic),
        "final_loss": sum(losses[-50:]) / max(1, len(losses[-50:])),
        "training_seconds": round(time.time() - started),
    }
    save_model(net, vocab, config, out, name=out.name, training_data=training_data)
    log(f"saved model to {out} ({training_data['training_seconds']} s)")
    return out


def pool_split(config: TrainConfig, pool: list[TextExample]):
    """The pool's train/dev/test split by source agency, as the config sets it."""
    return split_pool(pool, float(config.data.get("pool_test_fraction", 0.3)), float(config.data.get("pool_dev_fraction", 0.0)), config.seed)
