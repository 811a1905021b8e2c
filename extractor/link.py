"""Give each value the phrase it measures (its metric).

The metric is the phrase written just before the value within its clause:
``其中基本支出 231.11 万元`` -> ``其中基本支出``; ``执行率为 99.47%`` -> ``执行率``.
Relations between values (totals, rates, changes) are found by ``reconcile``.
"""

from __future__ import annotations

import re

from extractor.types import Span

# A clause boundary: punctuation, a line break or a table cell break.
_BOUNDARY = re.compile(r"[，。；;：:,\n\t、（(）)|！!？?“”\"]")
# Linking words between the metric and its value that are not part of the metric.
_TRAILING_FILLER = re.compile(
    r"(?:\s|为|是|达到|达|约|近|共计|共|合计|累计|总计|计|超过|超|逾|突破|分别|均|已|由|从|至|到|了|的|≥|≤|>|<|=|大于|小于|不低于|不少于|高于|低于)+$"
)
_MAX_METRIC_CHARS = 24


def metric_before(text: str, start: int, floor: int = 0) -> str | None:
    """The metric phrase in ``text`` before ``start``, not reaching back past ``floor``."""
    window_start = max(floor, start - 60)
    window = text[window_start:start]
    cut = 0
    for match in _BOUNDARY.finditer(window):
        cut = match.end()
    phrase = _TRAILING_FILLER.sub("", window[cut:]).strip()
    if len(phrase) > _MAX_METRIC_CHARS:
        phrase = phrase[-_MAX_METRIC_CHARS:]
    return phrase or None


def attach_metrics(text: str, values: list[Span]) -> None:
    """Set ``metric`` on each value; a metric never reaches back over an earlier value."""
    previous_end = 0
    for span in values:
        span.metric = metric_before(text, span.start, floor=previous_end)
        previous_end = span.end
