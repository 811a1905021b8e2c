"""The record: one JSON object per document, validated against the published schema."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from extractor.types import DocumentResult

SCHEMA_RESOURCE = "schema/record.schema.json"


@lru_cache(maxsize=1)
def record_schema() -> dict[str, Any]:
    """The JSON Schema of a record (``extractor/schema/record.schema.json``)."""
    return json.loads(resources.files("extractor").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8"))


def to_record(result: DocumentResult) -> dict[str, Any]:
    return result.to_dict()


def validate_record(record: dict[str, Any]) -> None:
    """Raise ``jsonschema.ValidationError`` when a record breaks the schema."""
    import jsonschema

    jsonschema.validate(record, record_schema())


def dumps(record: dict[str, Any]) -> str:
    """One JSON Lines line: UTF-8 text, no ASCII escaping, no newline inside."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))
