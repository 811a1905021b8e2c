"""Taggers find labelled spans; they do not read values (that is ``numbers``).

``rules`` is always available; the trained model (``model``) is imported
lazily so that torch is only loaded when it is used.
"""

from __future__ import annotations

from typing import Protocol

from extractor.normalise import Normalised
from extractor.tagger.rules import RuleTagger
from extractor.types import TaggedSpan


class Tagger(Protocol):
    name: str

    def tag(self, text: str, normalised: Normalised | None = None) -> list[TaggedSpan]: ...


def load_tagger(name: str = "rules", model_path: str | None = None) -> Tagger:
    """``rules``, or ``model`` (the model directory at ``model_path``, default ``models/default``)."""
    if name == "rules":
        return RuleTagger()
    if name == "model":
        from extractor.tagger.model import DEFAULT_MODEL_DIR, ModelTagger

        return ModelTagger(model_path or DEFAULT_MODEL_DIR)
    raise ValueError(f"unknown tagger {name!r}; choose 'rules' or 'model'")


__all__ = ["RuleTagger", "Tagger", "load_tagger"]
