"""The trained tagger: loads a model directory by path and tags text.

A model directory holds ``model.safetensors``, ``config.json`` (network
settings), ``vocab.txt`` (one character a line), ``labels.json`` (tag sets)
and ``meta.json`` (versions, training data, scores). Nothing is downloaded.

Long texts are tagged in overlapping windows; each position keeps the
prediction of the window where it lies furthest from an edge.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

from extractor.errors import ModelError, Msg
from extractor.normalise import Normalised, normalise
from extractor.tagger.encoding import CharVocab, owner_ranges, spans_to_tags, tags_to_spans, windows
from extractor.tagger.rules import RuleTagger
from extractor.types import TaggedSpan

REQUIRED_FILES = ("model.safetensors", "config.json", "vocab.txt", "labels.json")
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent.parent / "models" / "default"


def rule_features(work: Normalised, rules: RuleTagger, tagset: list[str]) -> list[int]:
    """The rule labeler's tags over the working text, as feature ids."""
    found = rules.find_working(work.text)
    return spans_to_tags(len(work.text), [(s, e, label) for s, e, label, *_ in found], tagset)


class ModelTagger:
    def __init__(self, path: str | Path, *, threads: int | None = None, batch_size: int = 16) -> None:
        import torch
        from safetensors.torch import load_file

        from extractor.tagger.net import NetConfig, TaggerNet

        self.path = Path(path)
        for name in REQUIRED_FILES:
            if not (self.path / name).exists():
                raise ModelError(Msg.E201, path=self.path, what=name)
        settings = json.loads((self.path / "config.json").read_text(encoding="utf-8"))
        labels = json.loads((self.path / "labels.json").read_text(encoding="utf-8"))
        self.value_tags: list[str] = labels["value_tags"]
        self.claim_tags: list[str] = labels["claim_tags"]
        self.window = int(settings.get("window", 256))
        self.overlap = int(settings.get("overlap", 32))
        self.vocab = CharVocab.load(self.path / "vocab.txt")
        self.net = TaggerNet(NetConfig(**settings["net"]))
        self.net.load_state_dict(load_file(str(self.path / "model.safetensors")))
        self.net.eval()
        if threads:
            torch.set_num_threads(threads)
        self.batch_size = batch_size
        self.rules = RuleTagger()
        meta_path = self.path / "meta.json"
        self.meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        self.name = f"model:{self.meta.get('name', self.path.name)}"
        _warn_on_version_mismatch(self.path, self.meta)

    def tag(self, text: str, normalised: Normalised | None = None) -> list[TaggedSpan]:
        work = normalised if normalised is not None else normalise(text)
        if not work.text:
            return []
        value_ids, value_probs, claim_ids, claim_probs = self.predict_working(work)
        spans = []
        for tag_ids, probs, tagset in ((value_ids, value_probs, self.value_tags), (claim_ids, claim_probs, self.claim_tags)):
            for start, end, label, confidence in tags_to_spans(tag_ids, tagset, probs):
                start, end = _trim(work.text, start, end)
                if start >= end:
                    continue
                o_start, o_end = work.to_original(start, end)
                spans.append(TaggedSpan(o_start, o_end, label, confidence))
        return spans

    def predict_working(self, work: Normalised) -> tuple[list[int], list[float], list[int], list[float]]:
        """Per working character: value tag id and its probability, claim tag id and probability."""
        import torch

        ids = self.vocab.encode(work.text)
        features = rule_features(work, self.rules, self.value_tags)
        spans = windows(len(ids), self.window, self.overlap)
        owned = owner_ranges(spans, self.overlap)
        n = len(ids)
        value_ids, claim_ids = [0] * n, [0] * n
        value_probs, claim_probs = [1.0] * n, [1.0] * n
        with torch.inference_mode():
            for batch_start in range(0, len(spans), self.batch_size):
                batch = spans[batch_start : batch_start + self.batch_size]
                width = max(end - start for start, end in batch)
                input_ids = torch.zeros((len(batch), width), dtype=torch.long)
                rule_ids = torch.zeros((len(batch), width), dtype=torch.long)
                mask = torch.zeros((len(batch), width), dtype=torch.long)
                for row, (start, end) in enumerate(batch):
                    input_ids[row, : end - start] = torch.tensor(ids[start:end])
                    rule_ids[row, : end - start] = torch.tensor(features[start:end])
                    mask[row, : end - start] = 1
                value_logits, claim_logits = self.net(input_ids, rule_ids, mask)
                v_prob, v_arg = value_logits.softmax(-1).max(-1)
                c_prob, c_arg = claim_logits.softmax(-1).max(-1)
                for row, (start, _end) in enumerate(batch):
                    lo, hi = owned[batch_start + row]
                    a, b = lo - start, hi - start
                    value_ids[lo:hi] = v_arg[row, a:b].tolist()
                    value_probs[lo:hi] = v_prob[row, a:b].tolist()
                    claim_ids[lo:hi] = c_arg[row, a:b].tolist()
                    claim_probs[lo:hi] = c_prob[row, a:b].tolist()
        return value_ids, value_probs, claim_ids, claim_probs


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _warn_on_version_mismatch(path: Path, meta: dict) -> None:
    from extractor import __version__

    made_for = meta.get("extractor_version")
    if made_for and made_for.split(".")[:2] != __version__.split(".")[:2]:
        warnings.warn(Msg.E202.format(path=path, made_for=made_for, version=__version__), stacklevel=3)
