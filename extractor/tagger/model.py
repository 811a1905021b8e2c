"""The trained tagger: loads a model directory by path and tags text.

A model directory holds ``model.safetensors``, ``config.json`` (network
settings), ``vocab.txt`` (one character a line), ``labels.json`` (tag sets)
and ``meta.json`` (versions, training data, scores). Nothing is downloaded.

Long texts are tagged in overlapping windows; each position keeps the
prediction of the window where it lies furthest from an edge.
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

from extractor.errors import ModelError, Msg
from extractor.normalise import Normalised, normalise
from extractor.tagger.clauses import decode_claims
from extractor.tagger.encoding import CharVocab, owner_ranges, spans_to_tags, tags_to_spans, windows
from extractor.tagger.rules import RuleTagger
from extractor.types import VALUE_LABELS, TaggedSpan

REQUIRED_FILES = ("model.safetensors", "config.json", "vocab.txt", "labels.json")
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent.parent / "models" / "default"


def rule_features(work: Normalised, rules: RuleTagger, tagset: list[str], found: list | None = None) -> list[int]:
    """The rule labeler's tags over the working text, as feature ids."""
    found = rules.find_working(work.text) if found is None else found
    return spans_to_tags(len(work.text), [(s, e, label) for s, e, label, *_ in found], tagset)


# In ``combine="rules-first"`` the rule spans at least this confident stand (all
# of them: their precision on the gold is 0.95 or better) and the model adds
# what the rules cannot see (bare table cells, figures the rules miss, claims).
RULES_FIRST_MIN_CONFIDENCE = 0.0


@dataclass
class DecodeSettings:
    """How the network's per-character probabilities become spans (config.json of a model).

    ``combine``: "model" (the network alone) or "rules-first" (the rule spans stand; the
    model adds a value they lack when its confidence reaches ``min_added[label]``: the first
    threshold for a figure with its own unit or a bare number in prose, the second for a bare
    number that ends a table cell (``_is_table_cell``); a threshold above 1 never adds).
    ``claim_decoding``: "clause" (a clause is a claim when its mean claim probability reaches
    ``claim_threshold``) or "tags" (IOB2 as tagged).
    """

    combine: str = "model"
    min_added: dict[str, tuple[float, float]] = field(default_factory=lambda: {label: (0.0, 0.0) for label in VALUE_LABELS})
    claim_decoding: str = "clause"
    claim_threshold: float = 0.5

    def __post_init__(self) -> None:
        if self.combine not in ("model", "rules-first"):
            raise ValueError(f"combine must be 'model' or 'rules-first', not {self.combine!r}")
        if self.claim_decoding not in ("clause", "tags"):
            raise ValueError(f"claim_decoding must be 'clause' or 'tags', not {self.claim_decoding!r}")

    @classmethod
    def from_config(cls, settings: dict) -> DecodeSettings:
        decode = settings.get("decode")
        if decode is None:  # models saved before per-label thresholds: one pair for every label
            pair = (float(settings.get("min_added_confidence", 0.0)), float(settings.get("min_added_bare_confidence", 0.0)))
            return cls(combine=settings.get("combine", "model"), min_added={label: pair for label in VALUE_LABELS}, claim_decoding="tags")
        return cls(
            combine=decode.get("combine", "model"),
            min_added={label: tuple(map(float, pair)) for label, pair in decode.get("min_added", {}).items()},
            claim_decoding=decode.get("claim_decoding", "clause"),
            claim_threshold=float(decode.get("claim_threshold", 0.5)),
        )

    def to_config(self) -> dict:
        return {"combine": self.combine, "min_added": {k: list(v) for k, v in self.min_added.items()}, "claim_decoding": self.claim_decoding, "claim_threshold": self.claim_threshold}

    def added_threshold(self, label: str, bare: bool) -> float:
        with_unit, bare_cell = self.min_added.get(label, (0.0, 0.0))
        return bare_cell if bare else with_unit


@dataclass
class Prediction:
    """The network's output over a working text, before decoding (per working character)."""

    work: Normalised
    found: list  # the rule labeler's spans (working offsets)
    value_ids: list[int]
    value_probs: list[float]
    claim_ids: list[int]
    claim_probs: list[float]
    claim_inside: list[float]  # P(B-CLAIM) + P(I-CLAIM)


class ModelTagger:
    def __init__(self, path: str | Path, *, threads: int | None = None, batch_size: int = 32, combine: str | None = None, decoding: DecodeSettings | None = None) -> None:
        import torch
        from safetensors.torch import load_file

        from extractor.tagger.net import NetConfig, TaggingNet

        self.path = Path(path)
        for name in REQUIRED_FILES:
            if not (self.path / name).exists():
                raise ModelError(Msg.E201, path=self.path, what=name)
        settings = json.loads((self.path / "config.json").read_text(encoding="utf-8"))
        labels = json.loads((self.path / "labels.json").read_text(encoding="utf-8"))
        self.value_tags: list[str] = labels["value_tags"]
        self.claim_tags: list[str] = labels["claim_tags"]
        if self.claim_tags[0] != "O":
            raise ModelError(Msg.E201, path=self.path, what="labels.json with claim_tags starting at 'O'")
        self.window = int(settings.get("window", 256))
        self.overlap = int(settings.get("overlap", 32))
        self.vocab = CharVocab.load(self.path / "vocab.txt")
        try:
            self.net = TaggingNet(NetConfig(**settings["net"]), load_file(str(self.path / "model.safetensors")))
        except KeyError as exc:
            raise ModelError(Msg.E204, path=self.path, problem=f"no weights for {exc}") from exc
        except ValueError as exc:
            raise ModelError(Msg.E204, path=self.path, problem=exc) from exc
        if threads:
            torch.set_num_threads(threads)
        self.batch_size = batch_size
        self.rules = RuleTagger()
        meta_path = self.path / "meta.json"
        self.meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        try:
            self.decoding = decoding or DecodeSettings.from_config(settings)
        except (ValueError, TypeError, AttributeError) as exc:
            raise ModelError(Msg.E203, path=self.path, problem=exc) from exc
        if combine:
            self.decoding = replace(self.decoding, combine=combine)
        self.name = f"model:{self.meta.get('name', self.path.name)}" + ("+rules" if self.decoding.combine == "rules-first" else "")
        _warn_on_version_mismatch(self.path, self.meta)

    def tag(self, text: str, normalised: Normalised | None = None) -> list[TaggedSpan]:
        work = normalised if normalised is not None else normalise(text)
        if not work.text:
            return []
        return self.decode(self.predict(work))

    def predict(self, work: Normalised) -> Prediction:
        found = self.rules.find_working(work.text)
        return Prediction(work, found, *self.predict_working(work, found))

    def decode(self, prediction: Prediction, settings: DecodeSettings | None = None) -> list[TaggedSpan]:
        """Spans (original offsets) from a prediction; ``settings`` default to the model's."""
        settings = settings or self.decoding
        work, text = prediction.work, prediction.work.text
        values = _snapped_to_numbers(text, _trimmed(text, tags_to_spans(prediction.value_ids, self.value_tags, prediction.value_probs, relabel_inside=True), _SEPARATORS))
        if settings.claim_decoding == "clause":
            claims = decode_claims(text, prediction.claim_inside, settings.claim_threshold)
        else:
            claims = _trimmed(text, _merge_claim_fragments(text, tags_to_spans(prediction.claim_ids, self.claim_tags, prediction.claim_probs)))
        if settings.combine == "rules-first":
            added = [v for v in values if _plausible_addition(text, v) and v[3] >= settings.added_threshold(v[2], _is_table_cell(text, v[0], v[1]))]
            values = _rules_first(prediction.found, added)
        spans = []
        for start, end, label, confidence, *rest in values + claims:
            o_start, o_end = work.to_original(start, end)
            spans.append(TaggedSpan(o_start, o_end, label, confidence, rest[0] if rest else None))
        return spans

    def predict_working(self, work: Normalised, found: list | None = None) -> tuple[list[int], list[float], list[int], list[float], list[float]]:
        """Per working character: value tag id and its probability, claim tag id and its
        probability, and the probability of being inside a claim."""
        import numpy as np
        import torch

        n = len(work.text)
        # Index n of these arrays is padding (id 0), so a short window reads padding past its end.
        ids = np.array(self.vocab.encode(work.text) + [0], dtype=np.int64)
        features = np.array(rule_features(work, self.rules, self.value_tags, found) + [0], dtype=np.int64)
        spans = windows(n, self.window, self.overlap)
        owned = owner_ranges(spans, self.overlap)
        value_ids, claim_ids = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
        value_probs, claim_probs, claim_inside = np.ones(n, dtype=np.float32), np.ones(n, dtype=np.float32), np.zeros(n, dtype=np.float32)
        with torch.inference_mode():
            for batch_start in range(0, len(spans), self.batch_size):
                batch = spans[batch_start : batch_start + self.batch_size]
                starts = np.array([start for start, _ in batch])
                ends = np.array([end for _, end in batch])
                positions = starts[:, None] + np.arange((ends - starts).max())
                inside = positions < ends[:, None]
                positions = np.where(inside, positions, n)
                value_logits, claim_logits = self.net(torch.from_numpy(ids[positions]), torch.from_numpy(features[positions]), torch.from_numpy(inside.astype(np.int64)))
                v_prob, v_arg = (t.numpy() for t in value_logits.softmax(-1).max(-1))
                c_all = claim_logits.softmax(-1)
                c_prob, c_arg = (t.numpy() for t in c_all.max(-1))
                c_inside = (1.0 - c_all[..., 0]).numpy()  # claim_tags[0] is "O"
                for row, start in enumerate(starts.tolist()):
                    lo, hi = owned[batch_start + row]
                    a, b = lo - start, hi - start
                    value_ids[lo:hi] = v_arg[row, a:b]
                    value_probs[lo:hi] = v_prob[row, a:b]
                    claim_ids[lo:hi] = c_arg[row, a:b]
                    claim_probs[lo:hi] = c_prob[row, a:b]
                    claim_inside[lo:hi] = c_inside[row, a:b]
        return value_ids.tolist(), value_probs.tolist(), claim_ids.tolist(), claim_probs.tolist(), claim_inside.tolist()


_BARE_NUMBER = re.compile(r"[\d.,\s]+")
# What ends a table cell once a table is flattened to text; a digit right after is the next of
# two glued cells (`1010` as 10|10, kept apart by _snapped_to_numbers).
_CELL_END = re.compile(r"[ ]*(?:$|[\t|｜\n\f]|  )|\d")


def _is_table_cell(text: str, start: int, end: int) -> bool:
    """A bare number that ends a table cell (`| 49.04 |`, `其他资金 0.00\t`), unlike a bare
    number in prose (`比率为 0.85，`, `编制数为 19 (含工勤) 人`)."""
    return bool(_BARE_NUMBER.fullmatch(text, start, end) and _CELL_END.match(text, end))


_SEPARATORS = ",，、;；:："  # never the first or last character of a value
_CLAUSE_END = set("。；;，,！!？?\n")
_MAX_CLAIM_GAP = 3


def _merge_claim_fragments(text: str, spans: list[tuple[int, int, str, float]]) -> list[tuple[int, int, str, float]]:
    """Join claim pieces the tagger split inside one clause (a short gap, no clause punctuation)."""
    merged: list[tuple[int, int, str, float]] = []
    for start, end, label, confidence in spans:
        if merged:
            p_start, p_end, p_label, p_conf = merged[-1]
            gap = text[p_end:start]
            if len(gap) <= _MAX_CLAIM_GAP and not (_CLAUSE_END & set(gap)):
                merged[-1] = (p_start, end, p_label, min(p_conf, confidence))
                continue
        merged.append((start, end, label, confidence))
    return merged


_NUMERAL = re.compile(r"[\d零〇一二两三四五六七八九十百千万亿]")
# A list or section marker: （1） (2) 1. 2、 — a number, not a figure.
_LIST_MARKER = re.compile(r"[（(]\s*$")
_LIST_MARKER_AFTER = re.compile(r"^[.、．](?!\d)")
# An arithmetic operator next to a number, brackets and spaces between (a spaced minus only:
# `10-20` is a range, `1 11-53.16` OCR noise).
_OPERATOR_BEFORE = re.compile(r"(?:[×÷*+−]| -)[ (（]*$")
_OPERATOR_AFTER = re.compile(r"[ )）]*(?:[×÷*+−]|- )")


def _plausible_addition(text: str, span: tuple[int, int, str, float]) -> bool:
    """A value the model adds must hold a numeral, and a bare number must be neither a list or
    section marker nor a constant in a formula."""
    start, end = span[0], span[1]
    surface = text[start:end]
    if not _NUMERAL.search(surface):
        return False
    if _BARE_NUMBER.fullmatch(surface):
        before, after = text[max(0, start - 2) : start], text[end : end + 2]
        if _LIST_MARKER.search(before) and after.lstrip().startswith(("）", ")")):
            return False
        if _LIST_MARKER_AFTER.match(after) or surface.endswith((".", "．")):
            return False
        if _OPERATOR_BEFORE.search(text[max(0, start - 6) : start]) or _OPERATOR_AFTER.match(text, end):
            return False  # a constant in a formula (LABELS.md: not tagged), `(1 - 0%) × 4`
    return True


def _is_number_char(text: str, i: int) -> bool:
    """A digit, a decimal point between digits, or a thousands comma (`65,240`)."""
    if not 0 <= i < len(text):
        return False
    char = text[i]
    if char.isdigit():
        return True
    if char == "." and 0 < i < len(text) - 1:
        return text[i - 1].isdigit() and text[i + 1].isdigit()
    return char == "," and i > 0 and text[i - 1].isdigit() and bool(_THOUSANDS_GROUP.match(text, i + 1))


_THOUSANDS_GROUP = re.compile(r"\d{3}(?!\d)")
_NUMBER_TOKEN = re.compile(r"\d+(?:,\d{3}(?!\d))*(?:\.\d+)?")


def _snapped_to_numbers(text: str, spans: list[tuple[int, int, str, float]]) -> list[tuple[int, int, str, float]]:
    """A value never splits a number: a span that starts or ends inside one grows to the whole
    number unless another span holds the rest (glued table cells, `901010010`), and a fragment
    without digits (`分`, `万元`, `%`) joins the number it touches (`90` + `分`)."""
    taken = {i for start, end, *_ in spans for i in range(start, end)}
    grown = []
    for start, end, label, confidence in spans:
        while _is_number_char(text, start - 1) and start - 1 not in taken and _is_number_char(text, start):
            start -= 1
            taken.add(start)
        while _is_number_char(text, end) and end not in taken and _is_number_char(text, end - 1):
            taken.add(end)
            end += 1
        grown.append((start, end, label, confidence))
    merged: list[tuple[int, int, str, float]] = []
    for span in grown:
        if merged and merged[-1][1] == span[0] and (not _has_digit(text, *merged[-1][:2]) or not _has_digit(text, *span[:2])):
            previous = merged[-1]
            label = previous[2] if _has_digit(text, *previous[:2]) else span[2]
            merged[-1] = (previous[0], span[1], label, min(previous[3], span[3]))
            continue
        merged.append(span)
    return _unsplit_short_numbers(text, merged)


def _unsplit_short_numbers(text: str, spans: list[tuple[int, int, str, float]]) -> list[tuple[int, int, str, float]]:
    """Pieces of one number stay apart only where glued table cells can meet: between two
    digits of a number of three or more digits (`2810810` = 28|10|8|10). Elsewhere (`19` as
    1|9, `53.16` as 53.|16) they are one value over the whole number: the surest piece's
    label, the least sure piece's confidence."""
    if len(spans) < 2:
        return spans
    result: list[tuple[int, int, str, float]] = []
    index = 0
    for token in _NUMBER_TOKEN.finditer(text, spans[0][0]):
        t_start, t_end = token.span()
        if t_start >= spans[-1][1]:
            break
        while index < len(spans) and spans[index][1] <= t_start:
            result.append(spans[index])
            index += 1
        pieces = []
        while index < len(spans) and spans[index][0] < t_end:
            pieces.append(spans[index])
            index += 1
        if len(pieces) > 1 and not _glued_cells(text, token.group(), pieces):
            best = max(pieces, key=lambda p: p[3])
            pieces = [(min(pieces[0][0], t_start), max(pieces[-1][1], t_end), best[2], min(p[3] for p in pieces))]
        result.extend(pieces)
    result.extend(spans[index:])
    return result


def _glued_cells(text: str, token: str, pieces: list[tuple[int, int, str, float]]) -> bool:
    if sum(ch.isdigit() for ch in token) < 3:
        return False
    return all(0 < left[1] == right[0] and text[left[1] - 1].isdigit() and text[right[0]].isdigit() for left, right in zip(pieces, pieces[1:]))


def _has_digit(text: str, start: int, end: int) -> bool:
    return any(ch.isdigit() for ch in text[start:end])


def _trimmed(text: str, spans: list[tuple[int, int, str, float]], punctuation: str = "") -> list[tuple[int, int, str, float]]:
    kept = []
    for start, end, label, confidence in spans:
        start, end = _trim(text, start, end, punctuation)
        if start < end:
            kept.append((start, end, label, confidence))
    return kept


def _rules_first(found: list, model_values: list[tuple[int, int, str, float]]) -> list:
    """Unit-bearing rule spans, then every model value that overlaps none of them."""
    chosen = [(s, e, label, conf, unit) for s, e, label, conf, unit in found if conf >= RULES_FIRST_MIN_CONFIDENCE]
    covered = bytearray(max([e for _, e, *_ in chosen] + [e for _, e, *_ in model_values] + [0]))
    for s, e, *_ in chosen:
        covered[s:e] = b"\x01" * (e - s)
    for start, end, label, confidence in model_values:
        if not any(covered[start:end]):
            chosen.append((start, end, label, confidence, None))
            covered[start:end] = b"\x01" * (end - start)
    return sorted(chosen)


def _trim(text: str, start: int, end: int, punctuation: str = "") -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] in punctuation):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in punctuation):
        end -= 1
    return start, end


def _warn_on_version_mismatch(path: Path, meta: dict) -> None:
    from extractor import __version__

    made_for = meta.get("extractor_version")
    if made_for and made_for.split(".")[:2] != __version__.split(".")[:2]:
        warnings.warn(Msg.E202.format(path=path, made_for=made_for, version=__version__), stacklevel=3)
