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
    # 达/计/至/到 only as words of their own: 下达, 统计, 截至, 收到 keep them.
    r"(?:\s|为|是|达到|(?<![下送抵传表到])达|约|近|共计|共|合计|累计|总计|(?<![统设审会])计|超过|超|逾|突破|分别|均|已|由|从|(?<![截直])至|(?<![收得达做])到|了|的|≥|≤|>|<|=|大于|小于|不低于|不少于|高于|低于)+$"
)
_MAX_METRIC_CHARS = 24


def metric_before(text: str, start: int, floor: int = 0) -> str | None:
    """The metric phrase in ``text`` before ``start``, not reaching back past ``floor``."""
    window_start = max(floor, start - 60)
    window = text[window_start:start]
    cuts = [0] + [m.end() for m in _BOUNDARY.finditer(window)]
    phrase = _TRAILING_FILLER.sub("", window[cuts[-1] :]).strip()
    if not phrase and len(cuts) > 1 and window[cuts[-1] - 1] in "：:":
        # 自评得分：98 — the metric is the label before the colon.
        phrase = _TRAILING_FILLER.sub("", window[cuts[-2] : cuts[-1] - 1]).strip()
    if len(phrase) > _MAX_METRIC_CHARS:
        phrase = phrase[-_MAX_METRIC_CHARS:]
    return phrase or None


def attach_metrics(text: str, values: list[Span]) -> None:
    """Set ``metric`` on each value; a metric never reaches back over an earlier value."""
    previous_end = 0
    for span in values:
        span.metric = metric_before(text, span.start, floor=previous_end)
        previous_end = span.end
