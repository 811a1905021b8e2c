"""Taggers find labelled spans; they do not read values (that is ``numbers``).

``rules`` is always available; the trained model (``model``) is imported
lazily so that torch is only loaded when it is used.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Protocol

from extractor.normalise import Normalised
from extractor.tagger.rules import RuleTagger
from extractor.types import TaggedSpan


class Tagger(Protocol):
    name: str

    def tag(self, text: str, normalised: Normalised | None = None) -> list[TaggedSpan]: ...


def load_tagger(name: str = "auto", model_path: str | None = None) -> Tagger:
    """``rules``; ``model`` (the directory at ``model_path``, default ``models/default``);
    ``auto``: the model when one is installed, else the rules with a warning."""
    if name == "auto":
        from extractor.tagger.model import DEFAULT_MODEL_DIR

        path = model_path or DEFAULT_MODEL_DIR
        if (Path(path) / "model.safetensors").exists():
            name = "model"
        else:
            warnings.warn(f"no model at {path}; tagging with the rules (train one with `extractor train`)", stacklevel=2)
            return RuleTagger()
    if name == "rules":
        return RuleTagger()
    if name == "model":
        from extractor.tagger.model import DEFAULT_MODEL_DIR, ModelTagger

        return ModelTagger(model_path or DEFAULT_MODEL_DIR)
    raise ValueError(f"unknown tagger {name!r}; choose 'auto', 'model' or 'rules'")


__all__ = ["RuleTagger", "Tagger", "load_tagger"]
