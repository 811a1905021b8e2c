"""Find the relations a report states between its own figures.

This module only *finds* relations; ``extractor.reconcile`` checks them.
It works on the document text and its value spans (whichever tagger made
them) and never imports a model. Relation finding rests on text structure
(sentences, 其中, 分别, parentheses, headings) and on a vocabulary kept as
data in ``extractor/data/`` (``lexicon.yaml``, ``relations.yaml``,
``userdict.txt`` for jieba), which a user can extend without touching code.

Relation kinds (``Relation.kind``):

- ``sum`` / ``count_total`` / ``score_total``: a total and its parts
  (其中 lists, parenthesised breakdowns, written-out arithmetic ``a+b=c``,
  score headings against their items).
- ``rate``: part / whole = stated percentage (执行数 / 预算数 = 执行率), also
  a ratio written without % (比率为 0.85).
- ``change``: (current - previous) / previous = stated increase or decrease.
- ``product``: total = standard per unit x count.
- ``inequality``: a stated 决算数 <= 预算数 (or stated overrun).
- ``list_count``: ``N个，即A、B、C``: N against the items listed.

Flattened tables (a budget execution table's columns and 其中 rows, its
执行率 and 得分 = 执行率 × 分值, score tables' headings and items) are read by
``extractor.table_relations``, called from ``find_relations``.
"""

from __future__ import annotations

import bisect
import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from extractor.normalise import normalise
from extractor.types import Span

DATA_DIR = Path(__file__).resolve().parent / "data"
log = logging.getLogger(__name__)


@dataclass
class Operand:
    """One figure in a relation: a value span, or a number read from the text."""

    index: int | None  # into the document's values; None for a figure not tagged
    text: str
    name: str = ""  # the phrase it measures
    value: float | None = None  # only for figures read from text
    step: float | None = None  # their stated resolution


@dataclass
class Relation:
    kind: str  # sum | rate | change | score_total | count_total | list_count | product | inequality
    op: str  # sum | ratio | change | product | le | gt | count | expr
    stated: Operand
    inputs: list[Operand]
    exhaustive: bool = True  # for sums: the parts are all of the total
    sign: int = 1  # for changes: +1 increase, -1 decrease
    points: bool = False  # for changes: stated in percentage points
    exact_count: int | None = None  # for list counts: the number of items listed
    approximate_list: bool = False  # for list counts: the list may abbreviate (等)
    expression: str = ""  # for written-out arithmetic
    note: str = ""
    certain: bool = True  # False: the structure is inferred, so a mismatch is undetermined, never a failure
    cap: float | None = None  # for products: the first input capped at this (a rate at 100%)
    stated_rounded: bool = False  # a derived score: judged by its written rounding, not as an exact figure


# --------------------------------------------------------------------------- data


@lru_cache(maxsize=1)
def lexicon() -> dict[str, Any]:
    """The vocabulary (lexicon.yaml) and the structural cues (relations.yaml), merged."""
    data: dict[str, Any] = {}
    for name in ("lexicon.yaml", "relations.yaml"):
        with open(DATA_DIR / name, encoding="utf-8") as handle:
            data.update(yaml.safe_load(handle) or {})
    return data


@lru_cache(maxsize=1)
def _jieba() -> Any:
    """A jieba tokenizer of our own with the domain dictionary (jieba's global one is left alone)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.load_userdict(str(DATA_DIR / "userdict.txt"))
    return tokenizer


_STOP_WORDS = {
    "其中",
    "我局",
    "我区",
    "我办",
    "我市",
    "本局",
    "本单位",
    "本年度",
    "年度",
    "全年",
    "本年",
    "今年",
    "共",
    "共计",
    "合计",
    "累计",
    "总计",
    "为",
    "是",
    "的",
    "了",
    "和",
    "及",
    "与",
    "全市",
    "全区",
    "已",
    "达",
    "达到",
    "年",
    # units: a metric that is only a unit (a table cell's 万元) names nothing
    "元",
    "万元",
    "亿元",
    "千元",
    "万",
    "亿",
    "分",
}


def content_words(phrase: str | None) -> list[str]:
    """The content words of a metric phrase (jieba with the domain dictionary)."""
    return list(_content_words(phrase)) if phrase else []


@lru_cache(maxsize=8192)
def _content_words(phrase: str) -> tuple[str, ...]:
    words = _jieba().lcut(phrase)
    return tuple(w for w in words if w.strip() and w not in _STOP_WORDS and not re.fullmatch(r"[\d\s.,，、：:（）()%$\\]+", w))


def head_word(phrase: str | None) -> str | None:
    words = content_words(phrase)
    return words[-1] if words else None


def _contains_any(phrase: str | None, words: list[str]) -> str | None:
    if not phrase:
        return None
    for word in words:
        if word in phrase:
            return word
    return None


# ------------------------------------------------------------------- document view


_HEADING_START = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、](?!\d))")


class DocView:
    """The text, its values, their metrics (分别 resolved) and sentence bounds."""

    def __init__(self, text: str, values: list[Span]) -> None:
        self.text = text
        self.values = values
        self.lex = lexicon()
        self.sentences = _sentence_bounds(text)
        self._sentence_starts = [s for s, _ in self.sentences]
        self._value_starts = [v.start for v in values]
        self.metrics = effective_metrics(text, values)

    def metric(self, i: int) -> str:
        return self.metrics[i] or ""

    def sentence(self, offset: int) -> tuple[int, int]:
        k = bisect.bisect_right(self._sentence_starts, offset) - 1
        if k >= 0 and self.sentences[k][0] <= offset < self.sentences[k][1]:
            return self.sentences[k]
        return offset, offset

    def previous_sentence(self, offset: int) -> tuple[int, int] | None:
        """The last sentence with some text before the one holding ``offset``."""
        start, _ = self.sentence(offset)
        k = bisect.bisect_left(self._sentence_starts, start) - 1
        while k >= 0:
            s, e = self.sentences[k]
            if e <= start and self.text[s:e].strip():
                return s, e
            k -= 1
        return None

    def indices_in(self, start: int, end: int) -> list[int]:
        """Values lying wholly inside ``[start, end)``, in order."""
        lo = bisect.bisect_left(self._value_starts, start)
        hi = bisect.bisect_left(self._value_starts, end)
        return [i for i in range(lo, hi) if self.values[i].end <= end]

    def usable(self, i: int) -> bool:
        return self.values[i].value is not None

    def is_previous_period(self, i: int) -> bool:
        return _contains_any(self.metric(i), self.lex["previous_period"]) is not None

    def same_kind(self, i: int, j: int) -> bool:
        a, b = self.values[i], self.values[j]
        if a.label != b.label:
            return False
        if a.label == "QUANTITY" and a.unit and b.unit:
            return _unit_word(a.unit) == _unit_word(b.unit)
        return True

    def role(self, i: int) -> str | None:
        """budget (预算…), actual (决算/执行/实际…) or None: for keeping parts with their total."""
        metric = self.metric(i)
        if _contains_any(metric, self.lex["budget_role"]):
            return "budget"
        if _contains_any(metric, self.lex["strong_actual_role"]):
            return "actual"
        return None

    def same_role(self, i: int, j: int) -> bool:
        a, b = self.role(i), self.role(j)
        return a is None or b is None or a == b

    def operand(self, i: int) -> Operand:
        return Operand(index=i, text=self.values[i].text, name=self.metric(i))


def _unit_word(unit: str) -> str:
    return unit.lstrip("万亿千百余多")


_SENTENCE_MARK = re.compile(r"[。！？!?\n]")


def _sentence_bounds(text: str) -> list[tuple[int, int]]:
    """Sentences: cut at 。！？ and at line breaks that end a line of its own
    (a heading, a short line, a line ending in punctuation, a table row)."""
    bounds: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_MARK.finditer(text):
        i = match.start()
        if text[i] == "\n" and not _line_break_ends_sentence(text, i):
            continue
        bounds.append((start, i + 1))
        start = i + 1
    if start < len(text):
        bounds.append((start, len(text)))
    return bounds


def _line_break_ends_sentence(text: str, i: int) -> bool:
    line_start = text.rfind("\n", max(0, i - 2000), i) + 1
    line = text[line_start:i].rstrip()
    if not line or "\t" in line or len(line) <= 30 or line[-1] in "。；;：:！？!?）)":
        return True
    rest = text[i + 1 : i + 400].lstrip("\n \u3000")
    next_line = rest.split("\n", 1)[0]
    return bool(_HEADING_START.match(next_line)) or "\t" in next_line


def effective_metrics(text: str, values: list[Span]) -> list[str | None]:
    """Each value's metric; in ``A、B分别为 x、y`` x measures A and y measures B."""
    metrics = [v.metric for v in values]
    for match in re.finditer(r"分别(?:为|是|达到|达|约为|占)?", text):
        names = _names_before(text, match.start())
        if len(names) < 2:
            continue
        following = _values_in_a_row(text, values, match.end())
        if len(following) == len(names):
            for i, name in zip(following, names):
                metrics[i] = name
    return metrics


def _names_before(text: str, pos: int) -> list[str]:
    clause_start = max(text.rfind(ch, 0, pos) for ch in "，。；;：:\n,") + 1
    clause = text[clause_start:pos].strip()
    names = [n.strip() for n in re.split(r"[、和及与]", clause) if n.strip()]
    return names


def _values_in_a_row(text: str, values: list[Span], pos: int) -> list[int]:
    """Values starting at ``pos`` separated only by 、，和 及 and spaces."""
    found: list[int] = []
    cursor = pos
    first = bisect.bisect_left([v.start for v in values], pos)
    for i in range(first, len(values)):
        v = values[i]
        gap = text[cursor : v.start]
        allowed = r"[\s、，,和及与以上（）()约近达到为]*" if found else r"[\s：:约近达到为]*"
        if not re.fullmatch(allowed, gap):
            break
        found.append(i)
        cursor = v.end
    return found


# ------------------------------------------------------------------- the finders


def find_relations(text: str, values: list[Span], doc: DocView | None = None) -> list[Relation]:
    """All relations the text states between its figures, in document order."""
    doc = doc or DocView(text, values)
    relations: list[Relation] = []
    for finder in (
        _components,
        _parenthesised_breakdowns,
        _arithmetic,
        _rates,
        _bare_ratios,
        _changes,
        _inequalities,
        _products,
        _list_counts,
        _score_headings,
        _tables,
    ):
        try:
            relations.extend(finder(doc))
        except Exception as exc:  # noqa: BLE001 - one finder's bug must not cost the document its values
            log.warning("relation finder %s failed: %s: %s", finder.__name__, type(exc).__name__, exc)
    return _dedupe(relations)


def _dedupe(relations: list[Relation]) -> list[Relation]:
    seen: set[tuple[Any, ...]] = set()
    unique = []
    for rel in relations:
        key = (rel.kind, rel.stated.index, rel.stated.text, tuple(sorted((o.index, o.text) for o in rel.inputs)))
        if key in seen:
            continue
        seen.add(key)
        unique.append(rel)
    unique.sort(key=lambda r: _relation_start(r))
    return unique


def _relation_start(rel: Relation) -> int:
    indices = [o.index for o in [rel.stated, *rel.inputs] if o.index is not None]
    return min(indices) if indices else -1


_SUM_KIND = {"AMOUNT": "sum", "QUANTITY": "count_total", "SCORE": "score_total"}


def _tables(doc: DocView) -> list[Relation]:
    """Relations stated by flattened tables (``extractor.table_relations``)."""
    from extractor.table_relations import table_relations

    return table_relations(doc)


# 其中 ----------------------------------------------------------------------------


def _components(doc: DocView) -> list[Relation]:
    relations = []
    for cue in doc.lex["components_intro"]:
        for match in re.finditer(re.escape(cue), doc.text):
            relations.extend(_components_at(doc, match.start(), match.end()))
    return relations


def _components_at(doc: DocView, cue_start: int, cue_end: int) -> list[Relation]:
    s_start, s_end = doc.sentence(cue_start)
    paren = _open_paren_before(doc.text, s_start, cue_start)
    if paren is not None:
        close = _matching_close(doc.text, paren, s_end)
        region_end = close if close is not None else s_end
        before_start, before_end = s_start, paren
    else:
        next_cue = doc.text.find(doc.text[cue_start:cue_end], cue_end, s_end)
        region_end = next_cue if next_cue != -1 else s_end  # a run-on sentence: the next 其中 starts another list
        before_start, before_end = s_start, cue_start
        if not doc.text[s_start:cue_start].strip(" \u3000\n（(，,：:"):
            previous = doc.previous_sentence(cue_start)
            if previous is not None:
                before_start = previous[0]
    after = [i for i in doc.indices_in(cue_end, region_end) if doc.usable(i) and _paren_depth(doc.text, cue_end, doc.values[i].start) == 0]
    before = [i for i in doc.indices_in(before_start, before_end) if doc.usable(i)]
    if len(after) < 2 or not before:
        return []
    grouped = _components_by_group(doc, before, after)
    if grouped is not None:
        return [grouped]
    return _components_by_head(doc, before, after)


def _components_by_group(doc: DocView, before: list[int], after: list[int]) -> Relation | None:
    """Parts named in the lexicon (基本支出, 项目支出) and their total (支出)."""
    for name, group in doc.lex["groups"].items():
        parts: dict[str, int] = {}
        for i in after:
            word = _contains_any(doc.metric(i), group["parts"])
            if word is None or doc.values[i].label != "AMOUNT" or doc.is_previous_period(i):
                continue
            parts[word] = -1 if word in parts else i  # a part named twice (budget and actual?) is ambiguous
        if len(parts) < 2 or -1 in parts.values():
            continue
        total = next(
            (
                i
                for i in reversed(before)
                if doc.values[i].label == "AMOUNT"
                and _contains_any(doc.metric(i), group["total"])
                and (group.get("total_may_name_parts") or not _contains_any(doc.metric(i), group["parts"]))
                and not doc.is_previous_period(i)
            ),
            None,
        )
        if total is None or not all(doc.same_role(i, total) for i in parts.values()):
            continue
        inputs = [doc.operand(i) for i in sorted(parts.values())]
        return Relation("sum", "sum", doc.operand(total), inputs, exhaustive=bool(group.get("exhaustive")), note=f"group {name}")
    return None


def _components_by_head(doc: DocView, before: list[int], after: list[int]) -> list[Relation]:
    """Parts whose metric shares the total's head word (下达我区指标 -> 下达数据指标),
    one relation per kind of figure (项目共计113个，财政资金3267.28万元。其中…)."""
    relations = []
    for label, kind in _SUM_KIND.items():
        total = next((i for i in reversed(before) if doc.values[i].label == label), None)
        if total is None or doc.is_previous_period(total):
            continue
        head = head_word(doc.metric(total))
        if head is None:
            continue
        parts = [
            i
            for i in after
            if doc.same_kind(i, total) and head in doc.metric(i) and not doc.is_previous_period(i) and doc.same_role(i, total)
        ]
        if len(parts) >= 2:
            inputs = [doc.operand(i) for i in parts]
            relations.append(Relation(kind, "sum", doc.operand(total), inputs, exhaustive=False, note=f"head {head}"))
    return relations


def _paren_depth(text: str, lo: int, pos: int) -> int:
    """How deep ``pos`` sits in parentheses opened after ``lo`` (sub-breakdowns of a part)."""
    depth = 0
    for ch in text[lo:pos]:
        if ch in "（(":
            depth += 1
        elif ch in "）)" and depth > 0:
            depth -= 1
    return depth


def _open_paren_before(text: str, lo: int, pos: int) -> int | None:
    depth = 0
    for k in range(pos - 1, lo - 1, -1):
        ch = text[k]
        if ch in "）)":
            depth += 1
        elif ch in "（(":
            if depth == 0:
                return k
            depth -= 1
    return None


def _matching_close(text: str, open_pos: int, limit: int) -> int | None:
    depth = 0
    for k in range(open_pos, min(limit, len(text))):
        ch = text[k]
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth -= 1
            if depth == 0:
                return k
    return None


# 共 12 项（委托类 8 项、下放类 4 项） -----------------------------------------------


def _parenthesised_breakdowns(doc: DocView) -> list[Relation]:
    relations = []
    for i, v in enumerate(doc.values):
        if not doc.usable(i) or v.label not in _SUM_KIND:
            continue
        m = re.match(r"[ \u3000]*[（(]", doc.text[v.end : v.end + 4])
        if m is None:
            continue
        open_pos = v.end + m.end() - 1
        close = _matching_close(doc.text, open_pos, open_pos + 120)
        if close is None:
            continue
        inside_text = doc.text[open_pos + 1 : close]
        if "其中" in inside_text or "。" in inside_text:
            continue
        inside = [j for j in doc.indices_in(open_pos + 1, close) if doc.usable(j)]
        if len(inside) < 2 or not all(doc.same_kind(j, i) for j in inside):
            continue
        if any(doc.is_previous_period(j) for j in inside):
            continue
        if not _only_separators_between(doc, inside, open_pos + 1, close):
            continue
        relations.append(
            Relation(_SUM_KIND[v.label], "sum", doc.operand(i), [doc.operand(j) for j in inside], note="parenthesised breakdown")
        )
    return relations


def _only_separators_between(doc: DocView, inside: list[int], lo: int, hi: int) -> bool:
    """Inside the parentheses: short names, each followed by its value, joined by 、，；."""
    cursor = lo
    for j in inside:
        name = doc.text[cursor : doc.values[j].start]
        name = name.lstrip("、，,；; \u3000")
        if len(name) > 16 or re.search(r"[。：:]", name):
            return False
        cursor = doc.values[j].end
    return not doc.text[cursor:hi].strip("、，,；; \u3000")


# a + b = c ----------------------------------------------------------------------

_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?"
_EXPR = re.compile(
    r"(?<![\d.])((?:[(（]\s*)*" + _NUMBER + r"(?:\s*[)）])*(?:\s*[-+−×*/÷]\s*(?:[(（]\s*)*" + _NUMBER + r"(?:\s*[)）])*)+)"
    r"\s*[=＝]\s*(" + _NUMBER + r")(?![\d.])"
)


def _arithmetic(doc: DocView) -> list[Relation]:
    """Written-out arithmetic: ``2923 + 1211 = 4134``; ``(1-0%)×4×60% + ... = 4``."""
    relations = []
    for window_start, work in _windows_around(doc.text, "=＝", before=240, after=40):
        for match in _EXPR.finditer(work.text):
            rel = _arithmetic_relation(doc, work, window_start, match)
            if rel is not None:
                relations.append(rel)
    return relations


def _windows_around(text: str, marks: str, *, before: int, after: int) -> list[tuple[int, Any]]:
    """Normalised copies of the stretches around each mark (merged where they
    overlap), with their start in the original text; normalising only these
    keeps a long document cheap."""
    stretches: list[list[int]] = []
    for match in re.finditer("[" + re.escape(marks) + "]", text):
        pos = match.start()
        lo, hi = max(0, pos - before), min(len(text), pos + after)
        if stretches and lo <= stretches[-1][1]:
            stretches[-1][1] = hi
        else:
            stretches.append([lo, hi])
    return [(lo, normalise(text[lo:hi])) for lo, hi in stretches]


def _arithmetic_relation(doc: DocView, work: Any, offset: int, match: re.Match[str]) -> Relation | None:
    expression, result = match.group(1).replace(",", ""), match.group(2).replace(",", "")
    if len(re.findall(_NUMBER, expression)) < 2 or not _balanced(expression):
        return None
    o_start, _ = (offset + x for x in work.to_original(match.start(), match.end()))
    r_start, r_end = (offset + x for x in work.to_original(match.start(2), match.end(2)))
    stated_index = next((i for i in doc.indices_in(r_start, r_end + 8) if doc.values[i].start <= r_end), None)
    stated = Operand(index=stated_index, text=result, value=_literal_value(result), step=_literal_step(result))
    inputs = [Operand(index=i, text=doc.values[i].text, name=doc.metric(i)) for i in doc.indices_in(o_start, r_start)]
    kind = "sum" if _top_level_operator(expression) in "+-−" else "product"
    return Relation(kind, "expr", stated, inputs, expression=expression.strip(), note="written-out arithmetic")


def _balanced(expression: str) -> bool:
    depth = 0
    for ch in expression:
        depth += ch in "(（"
        depth -= ch in ")）"
        if depth < 0:
            return False
    return depth == 0


def _top_level_operator(expression: str) -> str:
    depth = 0
    ops = []
    for ch in expression:
        if ch in "(（":
            depth += 1
        elif ch in ")）":
            depth -= 1
        elif depth == 0 and ch in "+-−×*/÷":
            ops.append(ch)
    return "+" if any(o in "+-−" for o in ops) else (ops[0] if ops else "+")


def _literal_value(token: str) -> float:
    return float(token.rstrip("%")) / (100 if token.endswith("%") else 1)


def _literal_step(token: str) -> float:
    digits = token.rstrip("%")
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    return 10.0**-decimals / (100 if token.endswith("%") else 1)


# rates --------------------------------------------------------------------------


def _rates(doc: DocView) -> list[Relation]:
    """``预算数 X，执行数 Y，执行率 R``: R = Y / X."""
    relations = []
    for r, v in enumerate(doc.values):
        if v.label != "PERCENT" or not doc.usable(r):
            continue
        metric = doc.metric(r)
        rate_word = _contains_any(metric, doc.lex["part_whole_rates"])
        if rate_word is None or _contains_any(metric, doc.lex["not_part_whole_rates"]):
            continue
        if _contains_any(metric, doc.lex["change_up"] + doc.lex["change_down"]) or "百分点" in v.text:
            continue
        pair = _part_and_whole(doc, r)
        if pair is None:
            continue
        part, whole = pair
        if not _plausible_part_and_whole(doc, part, whole, metric, rate_word):
            continue
        relations.append(Relation("rate", "ratio", doc.operand(r), [doc.operand(part), doc.operand(whole)]))
    return relations


def _part_and_whole(doc: DocView, r: int) -> tuple[int, int] | None:
    s_start, _ = doc.sentence(doc.values[r].start)
    candidates = []
    for i in range(r - 1, -1, -1):
        v = doc.values[i]
        if v.start < s_start or v.label == "PERCENT":
            break
        if v.label in ("AMOUNT", "QUANTITY") and doc.usable(i):
            candidates.append(i)
    if len(candidates) < 2:
        return None
    later, earlier = candidates[0], candidates[1]
    if not doc.same_kind(later, earlier):
        return None
    lex = doc.lex
    if _contains_any(doc.metric(later), lex["budget_role"]) and not _contains_any(doc.metric(earlier), lex["budget_role"]):
        return earlier, later
    return later, earlier


def _plausible_part_and_whole(doc: DocView, part: int, whole: int, rate_metric: str, rate_word: str) -> bool:
    """The part names what the rate measures (执行数 for 执行率, or a shared
    word, or an actual-side word) and the whole is a planned or total figure."""
    lex = doc.lex
    part_metric, whole_metric = doc.metric(part), doc.metric(whole)
    if doc.role(part) == "budget":
        return False
    whole_ok = doc.role(whole) == "budget" or _contains_any(whole_metric, lex["rate_whole_words"]) is not None
    stem = rate_word.rstrip("率的").replace("预算", "")
    shared = set(content_words(rate_metric)) & set(content_words(part_metric)) - {rate_word}
    if bool(stem and stem in part_metric) or bool(shared):
        return whole_ok
    # Only a generic word (已, 实际, 拨付 …): not when the part is one of a 其中 list
    # (total 其中 part A、part B, 执行率 …: a component, not the amount spent).
    between = doc.text[doc.values[whole].end : doc.values[part].start]
    if any(cue in between for cue in lex["components_intro"]):
        return False
    return whole_ok and _contains_any(part_metric, lex["rate_part_words"]) is not None


def _bare_ratios(doc: DocView) -> list[Relation]:
    """``…与预算安排的公用经费总额的比率为 0.85``: a ratio written without %."""
    words = "|".join(map(re.escape, doc.lex["bare_ratio"]))
    pattern = re.compile(rf"(?:{words})\s*(?:为|是|达到|达|约为)?\s*(\d+(?:\.\d+)?)(?![\d.%％‰]|\s*[%％]|\s*个百分点)")
    relations = []
    for match in pattern.finditer(doc.text):
        s_start, _ = doc.sentence(match.start())
        before = [i for i in doc.indices_in(s_start, match.start()) if doc.values[i].label == "AMOUNT" and doc.usable(i)]
        roles = _budget_and_actual(doc, before)
        if roles is None:
            continue
        budget, actual = roles
        phrase = doc.text[doc.values[max(before)].end : match.start()]
        numerator, denominator = actual, budget
        split = re.search(r"(.*)与(.*)", phrase)
        if split and _contains_any(split.group(1), doc.lex["budget_role"]) and not _contains_any(split.group(1), ["实际", "决算", "执行"]):
            numerator, denominator = budget, actual
        token = match.group(1)
        stated = Operand(index=None, text=token, name="比率", value=float(token), step=_literal_step(token))
        relations.append(Relation("rate", "ratio", stated, [doc.operand(numerator), doc.operand(denominator)], note="ratio without %"))
    return relations


def _budget_and_actual(doc: DocView, candidates: list[int]) -> tuple[int, int] | None:
    """The nearest planned figure and the nearest actual one among ``candidates``."""
    budget = actual = None
    for i in reversed(candidates):
        metric = doc.metric(i)
        if budget is None and _contains_any(metric, doc.lex["budget_role"]):
            budget = i
        elif actual is None and _contains_any(metric, doc.lex["actual_role"]) and not _contains_any(metric, doc.lex["budget_role"]):
            actual = i
    if budget is None or actual is None:
        return None
    return budget, actual


# changes ------------------------------------------------------------------------


def _changes(doc: DocView) -> list[Relation]:
    """``本年 X … 上年 Y … 减少 Z%``: Z = (X - Y) / Y."""
    relations = []
    for c, v in enumerate(doc.values):
        if v.label != "PERCENT" or not doc.usable(c):
            continue
        sign = _change_sign(doc, c)
        if sign == 0:
            continue
        s_start, _ = doc.sentence(v.start)
        earlier = [i for i in doc.indices_in(s_start, v.start) if doc.usable(i)]
        points = "百分点" in v.text
        wanted = ("PERCENT",) if points else ("AMOUNT", "QUANTITY")
        previous = next((i for i in reversed(earlier) if doc.values[i].label in wanted and doc.is_previous_period(i)), None)
        if previous is None:
            continue
        current = _current_for(doc, previous, [i for i in earlier if i != previous])
        if current is None:
            continue
        relations.append(
            Relation("change", "change", doc.operand(c), [doc.operand(current), doc.operand(previous)], sign=sign, points=points)
        )
    return relations


def _change_sign(doc: DocView, c: int) -> int:
    v = doc.values[c]
    lead = doc.text[max(0, v.start - 8) : v.start]
    lead = re.split(r"[，。；;,]", lead)[-1]
    for word in sorted(doc.lex["change_down"], key=len, reverse=True):
        if word in lead:
            return -1
    for word in sorted(doc.lex["change_up"], key=len, reverse=True):
        if word in lead:
            return 1
    return 0


def _current_for(doc: DocView, previous: int, candidates: list[int]) -> int | None:
    """The current-period figure that the previous one is compared with:
    its metric contains the previous one's phrase less the period word
    (上年总收入决算数 -> 总收入决算数), or at least shares its head word."""
    marker = _contains_any(doc.metric(previous), doc.lex["previous_period"]) or ""
    base = doc.metric(previous).split(marker, 1)[-1].lstrip("的")
    base_words = set(content_words(base))
    base_head = head_word(base)
    best, best_score = None, 0
    for i in candidates:
        if not doc.same_kind(i, previous) or doc.is_previous_period(i):
            continue
        metric = doc.metric(i)
        if base and base in metric:
            score = 100
        elif base_head and base_head in metric:
            score = 1 + len(base_words & set(content_words(metric)))
        else:
            continue
        if score >= best_score:  # ties go to the nearer (later) figure
            best, best_score = i, score
    return best


# inequalities -------------------------------------------------------------------


def _inequalities(doc: DocView) -> list[Relation]:
    return _symbol_between_values(doc) + _symbol_between_phrases(doc) + _budget_phrases(doc)


def _symbol_pattern(symbols: list[str]) -> str:
    return "|".join(re.escape(s) for s in sorted(symbols, key=len, reverse=True))


def _symbol_between_values(doc: DocView) -> list[Relation]:
    """``决算数 686581.97 元 ≤ 调整预算数 817118.9 元``."""
    le = re.compile(_symbol_pattern(doc.lex["le_symbols"]))
    ge = re.compile(_symbol_pattern(doc.lex["ge_symbols"]))
    relations = []
    for i in range(len(doc.values) - 1):
        a, b = doc.values[i], doc.values[i + 1]
        between = doc.text[a.end : b.start]
        if not (doc.usable(i) and doc.usable(i + 1) and a.label == b.label) or re.search(r"[，。；;,\n]", between):
            continue
        if le.match(between.lstrip(" \u3000$")):
            relations.append(Relation("inequality", "le", doc.operand(i + 1), [doc.operand(i)], note="stated ≤"))
        elif ge.match(between.lstrip(" \u3000$")):
            relations.append(Relation("inequality", "le", doc.operand(i), [doc.operand(i + 1)], note="stated ≥"))
    return relations


def _symbol_between_phrases(doc: DocView) -> list[Relation]:
    """``实际支出数 ≤ 预算安排的三公经费数`` after the two figures were given."""
    symbols = re.compile(_symbol_pattern(doc.lex["le_symbols"]))
    relations = []
    for match in symbols.finditer(doc.text):
        s_start, s_end = doc.sentence(match.start())
        left = re.split(r"[，。；;,]", doc.text[s_start : match.start()])[-1]
        right = re.split(r"[，。；;,]", doc.text[match.end() : s_end])[0]
        if re.search(r"\d", left[-6:] + right[:8]):
            continue  # a figure on either side: handled as values, or a target (≤100%)
        if not (_contains_any(left, doc.lex["actual_role"]) and _contains_any(right, doc.lex["budget_role"])):
            continue
        before = [i for i in doc.indices_in(s_start, match.start()) if doc.values[i].label == "AMOUNT" and doc.usable(i)]
        roles = _budget_and_actual(doc, before)
        if roles is not None:
            budget, actual = roles
            relations.append(Relation("inequality", "le", doc.operand(budget), [doc.operand(actual)], note="stated ≤"))
    return relations


def _budget_phrases(doc: DocView) -> list[Relation]:
    """``不超预算`` (actual ≤ budget) and ``支出超预算`` (actual > budget)."""
    within = doc.lex["within_budget"]
    over = doc.lex["over_budget"]
    phrases = [(p, "le") for p in within] + [(p, "gt") for p in over]
    taken: list[tuple[int, int]] = []
    relations = []
    for phrase, op in sorted(phrases, key=lambda x: -len(x[0])):
        for match in re.finditer(re.escape(phrase), doc.text):
            if any(s <= match.start() < e for s, e in taken):
                continue
            taken.append((match.start(), match.end()))
            rel = _budget_phrase_relation(doc, match.start(), op)
            if rel is not None:
                relations.append(rel)
    return relations


def _budget_phrase_relation(doc: DocView, pos: int, op: str) -> Relation | None:
    s_start, _ = doc.sentence(pos)
    regions = [(s_start, pos)]
    previous = doc.previous_sentence(pos)
    if previous is not None:
        regions.append((previous[0], pos))
    for lo, hi in regions:
        before = [i for i in doc.indices_in(lo, hi) if doc.values[i].label == "AMOUNT" and doc.usable(i)]
        roles = _budget_and_actual(doc, before)
        if roles is not None:
            budget, actual = roles
            note = "stated within budget" if op == "le" else "stated over budget"
            return Relation("inequality", op, doc.operand(budget), [doc.operand(actual)], note=note)
    return None


# products -----------------------------------------------------------------------


def _products(doc: DocView) -> list[Relation]:
    """``标准 530元/人·月 … 20 人 … 12 个月 … 共 127200 元``: total = standard x count."""
    relations = []
    prefixes = doc.lex["per_unit_prefix"]
    for s, v in enumerate(doc.values):
        if v.label != "AMOUNT" or not doc.usable(s):
            continue
        per = re.match(r"\s*/\s*([\u4e00-\u9fa5])(?:\s*[·.]\s*(月|年))?", doc.text[v.end : v.end + 6])
        unit, period = (per.group(1), per.group(2)) if per else (None, None)
        if unit is None:
            lead = doc.text[max(0, v.start - 6) : v.start]
            prefix = next((p for p in prefixes if p in lead), None)
            if prefix is None:
                continue
            unit = prefix[1]
            period = "月" if "每月" in lead and unit != "月" else None
        rel = _product_relation(doc, s, unit, period)
        if rel is not None:
            relations.append(rel)
    return relations


def _product_relation(doc: DocView, s: int, unit: str, period: str | None) -> Relation | None:
    s_start, s_end = doc.sentence(doc.values[s].start)
    in_sentence = [i for i in doc.indices_in(s_start, s_end) if i != s and doc.usable(i)]
    counts = [i for i in in_sentence if doc.values[i].label == "QUANTITY" and doc.values[i].text.rstrip().endswith(unit)]
    totals = [i for i in in_sentence if doc.values[i].label == "AMOUNT"]
    if len(counts) != 1 or len(totals) != 1:
        return None
    inputs = [doc.operand(s), doc.operand(counts[0])]
    if period:
        durations = [
            i
            for i in in_sentence
            if doc.values[i].label == "QUANTITY" and re.search(rf"(个)?{period}$", doc.values[i].text.strip()) and i != counts[0]
        ]
        if len(durations) != 1:
            return None
        inputs.append(doc.operand(durations[0]))
    return Relation("product", "product", doc.operand(totals[0]), inputs)


# list counts --------------------------------------------------------------------


def _list_counts(doc: DocView) -> list[Relation]:
    """``共设3个职能股室，分别是办公室、政务服务股、数据管理股``; ``A、B、C等3项``."""
    intro = "|".join(map(re.escape, sorted(doc.lex["list_intro"], key=len, reverse=True)))
    after_pattern = re.compile(rf"^[^，。；;\n]{{0,12}}?[，,：:]?\s*(?:{intro})[：:]?\s*")
    relations = []
    for q, v in enumerate(doc.values):
        if v.label != "QUANTITY" or not doc.usable(q) or v.approximate:
            continue
        n = v.value or 0
        if not (1 < n <= 30 and float(n).is_integer()):
            continue
        match = after_pattern.match(doc.text[v.end : v.end + 400])
        if match and _another_count_in_clause(doc, q, v.end + match.end()):
            continue  # 4个科和1个事业单位，分别为…: the list counts both
        if match:
            rel = _list_relation(doc, q, _listing_after(doc.text, v.end + match.end()), etc=False)
        else:
            rel = _list_before_etc(doc, q)
        if rel is not None:
            relations.append(rel)
    return relations


def _another_count_in_clause(doc: DocView, q: int, intro_end: int) -> bool:
    start = doc.values[q].start
    clause_start = max(doc.text.rfind(ch, 0, start) for ch in "，。；;：:\n,") + 1
    return any(j != q and doc.values[j].label == "QUANTITY" for j in doc.indices_in(clause_start, intro_end))


def _list_before_etc(doc: DocView, q: int) -> Relation | None:
    lead = doc.text[max(0, doc.values[q].start - 120) : doc.values[q].start]
    match = re.search(r"([^，。；;：:\n]+)等\s*$", lead)
    if match is None:
        return None
    return _list_relation(doc, q, match.group(1), etc=True)


def _listing_after(text: str, start: int) -> str:
    """The listed items from ``start`` to the clause end, parentheses skipped over."""
    depth = 0
    for k in range(start, min(len(text), start + 400)):
        ch = text[k]
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            if depth == 0:
                return text[start:k]
            depth -= 1
        elif depth == 0 and ch in "，。；;\n,":
            return text[start:k]
    return ""


def _without_parentheses(text: str) -> str:
    previous = None
    while previous != text:
        previous, text = text, re.sub(r"[（(][^（()）]*[）)]", "", text)
    return text


def _list_relation(doc: DocView, q: int, listing: str, *, etc: bool) -> Relation | None:
    items = [item.strip() for item in _without_parentheses(listing).split("、") if item.strip()]
    if len(items) < 2 or any(len(item) > 20 or re.search(r"\d", item) for item in items):
        return None
    count = len(items)
    abbreviated = etc or items[-1].endswith("等")
    n = int(doc.values[q].value or 0)
    if count != n and re.search(r"[和及]", items[-1]) and count + 1 == n:
        count += 1
    stated = doc.operand(q)
    return Relation("list_count", "count", stated, [], exact_count=count, approximate_list=abbreviated, note="、".join(items))


# score headings -----------------------------------------------------------------


@dataclass
class _Heading:
    level: int
    start: int
    end: int  # of its section (heading line and body)
    title: str
    max_index: int | None = None
    self_index: int | None = None
    excluded: bool = False
    children: list[_Heading] = field(default_factory=list)


def _score_headings(doc: DocView) -> list[Relation]:
    """``（一）预算编制情况（28 分）`` against its items' points, and the total
    self-score against the sum of the items' 自评得分."""
    headings = _parse_headings(doc)
    scored = [h for h in headings if h.max_index is not None]
    if len(scored) < 2:
        return []
    roots = _build_tree(headings)
    relations: list[Relation] = []
    for h in headings:
        relations.extend(_heading_checks(doc, h))
    total = _document_total_relation(doc, roots, headings)
    if total is not None:
        relations.append(total)
    return relations


def _parse_headings(doc: DocView) -> list[_Heading]:
    levels = [re.compile(p) for p in doc.lex["heading_levels"]]
    lines = [(m.start(), m.group(0)) for m in re.finditer(r"[^\n]+", doc.text)]
    headings: list[_Heading] = []
    for start, line in lines:
        stripped = line.strip()
        offset = start + (len(line) - len(line.lstrip()))
        for level, pattern in enumerate(levels):
            if pattern.match(stripped):
                headings.append(_Heading(level, offset, offset, stripped))
                break
    for k, h in enumerate(headings):
        line_end = doc.text.find("\n", h.start)
        h.end = headings[k + 1].start if k + 1 < len(headings) else len(doc.text)
        _read_heading_scores(doc, h, line_end if line_end != -1 else len(doc.text))
    return headings


def _read_heading_scores(doc: DocView, h: _Heading, line_end: int) -> None:
    lex = doc.lex
    for i in doc.indices_in(h.start, h.end):
        v = doc.values[i]
        if v.label != "SCORE" or not doc.usable(i):
            continue
        on_heading_line = v.start < line_end
        opened = doc.text[max(h.start, v.start - 2) : v.start].strip(" \u3000")
        metric = doc.metric(i)
        if h.max_index is None and on_heading_line and (opened.endswith(("（", "(")) or _contains_any(metric, lex["max_points_cue"])):
            h.max_index = i
        elif (
            h.self_index is None and _contains_any(metric, lex["item_self_score"]) and not _contains_any(metric, lex["not_item_self_score"])
        ):
            h.self_index = i
    body = doc.text[h.start : h.end]
    h.excluded = _contains_any(body, lex["not_assessed"]) is not None and h.self_index is None


def _build_tree(headings: list[_Heading]) -> list[_Heading]:
    roots: list[_Heading] = []
    stack: list[_Heading] = []
    for h in headings:
        while stack and stack[-1].level >= h.level:
            stack.pop()
        (stack[-1].children if stack else roots).append(h)
        stack.append(h)
    return roots


def _heading_checks(doc: DocView, h: _Heading) -> list[Relation]:
    relations = []
    scored = [c for c in h.children if c.max_index is not None and not c.excluded]
    if h.max_index is not None and len(scored) >= 2:
        inputs = [doc.operand(c.max_index) for c in scored if c.max_index is not None]
        for c, op in zip(scored, inputs):
            op.name = heading_name(c.title)
        stated = doc.operand(h.max_index)
        stated.name = heading_name(h.title)
        left_out = [heading_name(c.title) for c in h.children if c.excluded and c.max_index is not None]
        note = "maximum points of a heading and its items"
        if left_out:
            note += "; not assessed, left out: " + "、".join(left_out)
        relations.append(Relation("score_total", "sum", stated, inputs, note=note))
    awarded = [c for c in h.children if c.self_index is not None]
    if h.self_index is not None and len(awarded) >= 2:
        inputs = [doc.operand(c.self_index) for c in awarded if c.self_index is not None]
        stated = doc.operand(h.self_index)
        relations.append(Relation("score_total", "sum", stated, inputs, note="self-score of a heading and its items"))
    return relations


def _document_total_relation(doc: DocView, roots: list[_Heading], headings: list[_Heading]) -> Relation | None:
    """The report's total self-score against the sum of the items' self-scores,
    when every scored item has its self-score (or is not assessed)."""
    total = total_self_score_index(doc)
    if total is None:
        return None
    leaves = [h for h in headings if h.self_index is not None and not _has_scored_descendant(h)]
    unscored = [h for h in headings if h.max_index is not None and not h.children and h.self_index is None and not h.excluded]
    if len(leaves) < 2 or unscored:
        return None
    if any(h.start <= doc.values[total].start < h.end and h.self_index == total for h in leaves):
        return None
    inputs = []
    for h in leaves:
        op = doc.operand(h.self_index)  # type: ignore[arg-type]
        op.name = heading_name(h.title)
        inputs.append(op)
    return Relation("score_total", "sum", doc.operand(total), inputs, note="total self-score and the items' self-scores")


def heading_name(title: str) -> str:
    """``（1）预算编制合理性（5 分）。`` -> ``预算编制合理性``."""
    name = _HEADING_START.sub("", title)
    name = re.sub(r"[（(]\s*[\d.]+\s*分\s*[）)]", "", name)
    name = re.split(r"[。．.]?\s*(?:指标分值|分值|满分|权重)", name)[0]
    return name.strip(" 。.：:\u3000")


def _has_scored_descendant(h: _Heading) -> bool:
    return any(c.self_index is not None or _has_scored_descendant(c) for c in h.children)


def total_self_score_index(doc: DocView) -> int | None:
    """The value that states the report's total self-score (自评结果为 99 分)."""
    for word in doc.lex["total_self_score"]:
        for i, v in enumerate(doc.values):
            if v.label == "SCORE" and doc.usable(i) and word in doc.metric(i) and "指标分值" not in doc.metric(i):
                return i
    return None
