"""Check the report against itself.

``reconcile(text, values)`` takes the document text and its value spans
(sorted by start, each read into a base unit with its stated precision and
interval) and returns the checks and the extracted fields. The relations are
found by ``extractor.relations``; this module decides whether each holds.

Tolerance follows the stated precision (the XBRL Calculations 1.1 idea), never
a fixed epsilon. Every figure is an interval: the rounding interval of what is
written (285.53 万元 means [285.525, 285.535] 万元), widened for approximations
(约, 近, 余, 多, 超, 逾 arrive as ``lower``/``upper``); whole counts and scores
are exact ([1211, 1211]). The computed figure's interval comes from the inputs'
intervals by interval arithmetic:

- sum:     [Σ lower, Σ upper]
- rate:    part / whole -> [part.lower / whole.upper, part.upper / whole.lower]
- change:  cur / prev - 1 -> [cur.lower / prev.upper - 1, cur.upper / prev.lower - 1]
- product: the min and max of the endpoint products

A check **passes when the stated interval and the computed interval overlap**.
``tolerance`` reports the half-width allowed: the stated half-width plus the
computed half-width, i.e. the largest distance between the two figures that
still passes. ``difference`` is stated minus computed (point values).

Examples:

- 285.53 万元 = 231.11 + 54.42 万元: stated [285.525, 285.535], computed
  [285.52, 285.54] -> pass (tolerance ±150 元).
- 执行率 99.47% vs 8,271.47 / 8,318.83 万元: computed [99.4306%, 99.4309%],
  stated [99.465%, 99.475%] -> fail, difference 0.039 percentage points.
- 完成率 99.4% vs 1204 / 1211 条 = 99.422%: counts are exact, stated
  [99.35%, 99.45%] -> pass.
- 103859187.26 元 vs 25707969.34 + 77090701.29 = 102798670.63 元: fail,
  difference 1060516.63 元 (tolerance ±0.02 元).
- 比率为 0.85 (no %) vs 17.40 / 20.4 万元 = [0.8506, 0.8553]: stated
  [0.845, 0.855] -> pass.
- 约 300 万元 = 120 万元 + 178 万元: 约 widens the stated interval, so the sum
  passes where a bare 300 would not.

A sum whose parts are not known to be all of the total (a 其中 list outside
the lexicon's exhaustive groups, a table column's 其中 rows) that falls short
is ``undetermined``, not a failure: the report may list only some parts. A
list count with 等 is never a failure either, nor is a relation whose
structure is inferred rather than stated (``Relation.certain`` false: merged
table cells, a blank cell that may hide a figure): it passes or is
undetermined. A score derived from a rate (a table's 得分 = 执行率 × 分值, the
rate capped at 100%) is judged by its written rounding, not as exact. Floats are compared with a guard of 1e-9 relative, for binary
representation only.

When a sum, total or rate check fails, ``hint`` names a single OCR-style
misreading of one figure (a digit changed, dropped or doubled, a misplaced
decimal point, 万 read for 元) that would make the figures agree, when one to
three such readings exist. Values are never changed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from extractor.relations import DocView, Operand, Relation, find_relations, lexicon
from extractor.types import Check, Span

_GUARD = 1e-9  # relative; float representation only, not a tolerance
_MAX_HINTS = 3
_MAX_HINT_FIGURES = 12


# --------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class Figure:
    """A figure as an interval in the base unit, with how it was written."""

    value: float
    lo: float
    hi: float
    text: str
    name: str = ""
    label: str | None = None
    scale: float = 1.0  # base units per written unit (万元 -> 10000, % -> 0.01)
    exact: bool = False
    approximate: bool = False

    @property
    def half(self) -> float:
        return (self.hi - self.lo) / 2


_NUMBER_IN_TEXT = re.compile(r"\d(?:[\d,，\s]*\d)?(?:\s*[.．]\s*\d+)?")


def written_number(text: str) -> tuple[str, float] | None:
    """The number as written in a span's text (digits only) and its value."""
    half = "".join(chr(ord(c) - 0xFEE0) if 0xFF10 <= ord(c) <= 0xFF19 or c == "．" else c for c in text)
    match = _NUMBER_IN_TEXT.search(half)
    if match is None:
        return None
    digits = re.sub(r"[,，\s]", "", match.group(0))
    try:
        return digits, float(digits)
    except ValueError:
        return None


def _decimals(digits: str) -> int:
    return len(digits.split(".", 1)[1]) if "." in digits else 0


def figure_of(op: Operand, values: list[Span]) -> Figure | None:
    """The interval for an operand: a value span's reading, or a number read from text."""
    if op.value is not None:  # a number read from the text (the span, if any, only locates it)
        span_label = values[op.index].label if op.index is not None else None
        exact = span_label in ("SCORE", "QUANTITY") and "." not in op.text
        half = 0.0 if exact else (op.step or 0.0) / 2
        written = float(op.text.rstrip("%") or 0)
        scale = op.value / written if written else 1.0
        return Figure(op.value, op.value - half, op.value + half, op.text, op.name, span_label, scale, exact)
    if op.index is None:
        return None
    span = values[op.index]
    if span.value is None:
        return None
    number = written_number(span.text)
    scale = span.value / number[1] if number and number[1] else 1.0
    exact = _is_exact(span, number[0] if number else "")
    if exact:
        lo = hi = span.value
    elif span.lower is not None and span.upper is not None:
        lo, hi = span.lower, span.upper
    else:
        step = span.precision if span.precision is not None else (10.0 ** -_decimals(number[0]) * scale if number else 0.0)
        lo, hi = span.value - step / 2, span.value + step / 2
    return Figure(span.value, lo, hi, span.text.strip(), op.name, span.label, scale, exact, bool(span.approximate))


def _is_exact(span: Span, digits: str) -> bool:
    """Scores and whole counts written without 万/亿 or an approximation are exact."""
    if span.approximate:
        return False
    if span.label == "SCORE":
        return True
    if span.label == "QUANTITY":
        return "." not in digits and not re.search(r"[万亿萬億千百余多]", span.text) and bool(digits)
    return False


# ---------------------------------------------------------------------- computation

Computed = tuple[float, float, float]  # point, lower, upper


def _sum(figures: list[Figure]) -> Computed:
    return sum(f.value for f in figures), sum(f.lo for f in figures), sum(f.hi for f in figures)


def _ratio(part: Figure, whole: Figure) -> Computed | None:
    if whole.lo <= 0 or whole.value == 0:
        return None
    return part.value / whole.value, part.lo / whole.hi, part.hi / whole.lo


def _change(current: Figure, previous: Figure, points: bool) -> Computed | None:
    if points:
        return current.value - previous.value, current.lo - previous.hi, current.hi - previous.lo
    ratio = _ratio(current, previous)
    if ratio is None:
        return None
    return ratio[0] - 1, ratio[1] - 1, ratio[2] - 1


def _product(figures: list[Figure]) -> Computed:
    point, lo, hi = 1.0, 1.0, 1.0
    for f in figures:
        ends = [lo * f.lo, lo * f.hi, hi * f.lo, hi * f.hi]
        point, lo, hi = point * f.value, min(ends), max(ends)
    return point, lo, hi


def _overlap(a_lo: float, a_hi: float, b_lo: float, b_hi: float) -> bool:
    guard = _GUARD * max(1.0, abs(a_lo), abs(a_hi), abs(b_lo), abs(b_hi))
    return a_lo <= b_hi + guard and b_lo <= a_hi + guard


def _signed(stated: Figure, sign: int) -> Figure:
    if sign >= 0:
        return stated
    return Figure(-stated.value, -stated.hi, -stated.lo, stated.text, stated.name, stated.label, stated.scale, stated.exact)


def _compute(rel: Relation, stated: Figure, inputs: list[Figure]) -> tuple[Figure, Computed | None]:
    """The stated figure (signed for changes) and the computed one."""
    if rel.op == "sum":
        return stated, _sum(inputs)
    if rel.op == "ratio":
        return stated, _ratio(inputs[0], inputs[1])
    if rel.op == "change":
        return _signed(stated, rel.sign), _change(inputs[0], inputs[1], rel.points)
    if rel.op == "product":
        if rel.cap is not None and inputs:
            inputs = [_capped(inputs[0], rel.cap), *inputs[1:]]
        return stated, _product(inputs)
    raise ValueError(rel.op)


def _capped(fig: Figure, cap: float) -> Figure:
    """A figure no larger than ``cap`` (a score's rate counts up to 100%)."""
    return Figure(min(fig.value, cap), min(fig.lo, cap), min(fig.hi, cap), fig.text, fig.name, fig.label, fig.scale, fig.exact)


def _as_rounded(fig: Figure) -> Figure:
    """An exact-looking figure judged by its written rounding (9 分 stands for [8.5, 9.5])."""
    if not fig.exact:
        return fig
    number = written_number(fig.text)
    if number is None:
        return fig
    half = 10.0 ** -_decimals(number[0]) * fig.scale / 2
    return Figure(fig.value, fig.value - half, fig.value + half, fig.text, fig.name, fig.label, fig.scale, False, fig.approximate)


# --------------------------------------------------------------------------- checks


def reconcile(text: str, values: list[Span]) -> tuple[list[Check], dict[str, Any]]:
    """The checks the report's own figures allow, and its headline fields."""
    doc = DocView(text, values)
    checks = [c for c in (check_relation(rel, values) for rel in find_relations(text, values, doc)) if c is not None]
    return checks, extract_fields(text, values, doc)


def check_relation(rel: Relation, values: list[Span]) -> Check | None:
    """Turn one relation into a Check (None when a figure has no reading)."""
    stated = figure_of(rel.stated, values)
    if rel.op == "count":
        return _check_list_count(rel, stated) if stated else None
    if rel.op == "expr":
        return _check_expression(rel, stated) if stated else None
    inputs = [figure_of(op, values) for op in rel.inputs]
    if stated is None or any(f is None for f in inputs):
        return None
    figures = [f for f in inputs if f is not None]
    if rel.op in ("le", "gt"):
        return _check_inequality(rel, stated, figures[0])
    if rel.stated_rounded:
        stated = _as_rounded(stated)
    signed, computed = _compute(rel, stated, figures)
    if computed is None:
        return _undetermined(rel, "a whole or previous figure of zero")
    status = "pass" if _overlap(signed.lo, signed.hi, computed[1], computed[2]) else "fail"
    uncertain = False
    if status == "fail" and rel.op == "sum" and not rel.exhaustive and computed[2] < signed.lo:
        status = "undetermined"
    elif status == "fail" and not rel.certain:
        status, uncertain = "undetermined", True
    magnitude = max(abs(signed.value), abs(computed[0]))
    tolerance = _round(signed.half + (computed[2] - computed[1]) / 2, magnitude)
    difference = _round(signed.value - computed[0], magnitude)
    hint = _hints(rel, stated, figures, computed) if status == "fail" else None
    return Check(
        kind=rel.kind,
        status=status,
        stated=_round(signed.value, magnitude),
        computed=_round(computed[0], magnitude),
        difference=difference,
        tolerance=tolerance,
        description=_describe(rel, stated, figures, computed[0], difference, tolerance, status, uncertain),
        spans=_span_indices(rel),
        hint=hint,
    )


def _round(x: float, magnitude: float = 1.0) -> float:
    """Drop float noise: keep 12 significant digits of the figures' magnitude."""
    if not math.isfinite(x) or not math.isfinite(magnitude):
        return x
    digits = 12 - len(str(int(max(abs(magnitude), abs(x), 1.0))))
    return round(x, max(digits, 0))


def _span_indices(rel: Relation) -> list[int]:
    return [op.index for op in [rel.stated, *rel.inputs] if op.index is not None]


def _undetermined(rel: Relation, why: str) -> Check:
    return Check(rel.kind, "undetermined", None, None, None, None, f"cannot check: {why}", _span_indices(rel))


def _check_inequality(rel: Relation, bound: Figure, actual: Figure) -> Check:
    if rel.op == "le":
        holds = actual.lo <= bound.hi + _GUARD * max(1.0, abs(bound.hi))
        symbol = "≤"
    else:
        holds = actual.hi > bound.lo
        symbol = ">"
    magnitude = max(abs(actual.value), abs(bound.value))
    difference = _round(actual.value - bound.value, magnitude)
    tolerance = _round(actual.half + bound.half, magnitude)
    verdict = "holds" if holds else "does not hold"
    description = (
        f"{_name(actual)} {actual.text} {symbol} {_name(bound)} {bound.text} ({rel.note}): {verdict}; "
        f"difference {_show_delta(difference, bound)}"
    )
    return Check(rel.kind, "pass" if holds else "fail", bound.value, actual.value, difference, tolerance, description, _span_indices(rel))


def _check_list_count(rel: Relation, stated: Figure) -> Check:
    count = rel.exact_count or 0
    status = "pass" if count == stated.value else ("undetermined" if rel.approximate_list else "fail")
    why = " (the list ends in 等 and may abbreviate)" if status == "undetermined" else ""
    description = f"{stated.text} stated, {count} items listed: {rel.note}{why}"
    return Check(rel.kind, status, stated.value, float(count), _round(stated.value - count), 0.0, description, _span_indices(rel))


def _check_expression(rel: Relation, stated: Figure) -> Check | None:
    result = evaluate_expression(rel.expression)
    if result is None:
        return None
    point, lo, hi = result
    status = "pass" if _overlap(stated.lo, stated.hi, lo, hi) else "fail"
    magnitude = max(abs(stated.value), abs(point))
    tolerance = _round(stated.half + (hi - lo) / 2, magnitude)
    difference = _round(stated.value - point, magnitude)
    description = f"{rel.expression} = {_fmt(point, 6)} written as {stated.text}: " + (
        "agrees" if status == "pass" else f"differs by {_fmt(difference, 6)}"
    )
    return Check(rel.kind, status, stated.value, _round(point, magnitude), difference, tolerance, description, _span_indices(rel))


# ----------------------------------------------------------------------- expressions

_TOKEN = re.compile(r"\s*(\d+(?:\.\d+)?%?|[-+−×*/÷()（）])")


def evaluate_expression(expression: str) -> Computed | None:
    """Evaluate written-out arithmetic with interval arithmetic.

    Whole numbers and whole percentages are exact (weights, counts: 4, 60%);
    a decimal carries its rounding interval (285.53 -> ±0.005).
    """
    tokens = _TOKEN.findall(expression)
    if "".join(tokens).replace(" ", "") != re.sub(r"\s", "", expression):
        return None
    parser = _Parser(tokens)
    try:
        value = parser.expr()
    except (IndexError, ZeroDivisionError, ValueError):
        return None
    return value if parser.pos == len(tokens) else None


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.pos = 0

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def expr(self) -> Computed:
        left = self.term()
        while self._peek() in ("+", "-", "−"):
            op = self.tokens[self.pos]
            self.pos += 1
            right = self.term()
            left = _iv_add(left, right) if op == "+" else _iv_add(left, (-right[0], -right[2], -right[1]))
        return left

    def term(self) -> Computed:
        left = self.factor()
        while self._peek() in ("×", "*", "/", "÷"):
            op = self.tokens[self.pos]
            self.pos += 1
            right = self.factor()
            left = _iv_mul(left, right) if op in ("×", "*") else _iv_div(left, right)
        return left

    def factor(self) -> Computed:
        token = self.tokens[self.pos]
        self.pos += 1
        if token in ("(", "（"):
            inner = self.expr()
            if self._peek() not in (")", "）"):
                raise ValueError("unbalanced")
            self.pos += 1
            return inner
        if token in ("-", "−"):
            inner = self.factor()
            return -inner[0], -inner[2], -inner[1]
        percent = token.endswith("%")
        digits = token.rstrip("%")
        scale = 0.01 if percent else 1.0
        value = float(digits) * scale
        half = 10.0 ** -_decimals(digits) * scale / 2 if "." in digits else 0.0
        return value, value - half, value + half


def _iv_add(a: Computed, b: Computed) -> Computed:
    return a[0] + b[0], a[1] + b[1], a[2] + b[2]


def _iv_mul(a: Computed, b: Computed) -> Computed:
    ends = [a[1] * b[1], a[1] * b[2], a[2] * b[1], a[2] * b[2]]
    return a[0] * b[0], min(ends), max(ends)


def _iv_div(a: Computed, b: Computed) -> Computed:
    if b[1] <= 0 <= b[2]:
        raise ZeroDivisionError
    return _iv_mul(a, (1 / b[0], 1 / b[2], 1 / b[1]))


# ------------------------------------------------------------------------------ hints


def _hints(rel: Relation, stated: Figure, inputs: list[Figure], computed: Computed) -> str | None:
    found = [h for h in (_truncation_hint(rel, stated, computed), _hint(rel, stated, inputs)) if h]
    return "; ".join(found) or None


def _truncation_hint(rel: Relation, stated: Figure, computed: Computed) -> str | None:
    """A rate that agrees if the report cut digits off instead of rounding (92.99% -> 92.9%)."""
    if rel.op not in ("ratio", "change") or stated.approximate:
        return None
    step = 2 * stated.half
    signed_point = computed[0] * (rel.sign if rel.op == "change" else 1)
    if step > 0 and stated.value >= 0 and stated.value <= signed_point < stated.value + step:
        shown = _fmt(signed_point / (stated.scale or 1.0), _written_decimals(stated) + 2)
        return f"the exact figure {shown} is {stated.text} truncated rather than rounded"
    return None


def _hint(rel: Relation, stated: Figure, inputs: list[Figure]) -> str | None:
    """One OCR-style misreading of one figure that would make the check pass."""
    if rel.kind not in ("sum", "count_total", "score_total", "rate", "change") or len(inputs) > _MAX_HINT_FIGURES:
        return None  # with many figures, one slip could be anywhere: no useful hint
    candidates: list[tuple[Figure, Figure]] = []
    everyone = [stated, *inputs]
    for k, original in enumerate(everyone):
        if original.approximate:
            continue
        for alternative in misreadings(original, with_text=False):
            trial = list(everyone)
            trial[k] = alternative
            signed, computed = _compute(rel, trial[0], trial[1:])
            if computed is not None and _overlap(signed.lo, signed.hi, computed[1], computed[2]):
                candidates.append((original, _with_text(original, alternative)))
                break  # one reading per figure is enough to name it
    if not 1 <= len(candidates) <= _MAX_HINTS:
        return None
    readings = " or ".join(f"if {o.text} were {a.text}" for o, a in candidates)
    return f"{readings}, the figures would agree (a possible OCR misreading; values left unchanged)"


_PLAIN_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def misreadings(fig: Figure, *, with_text: bool = True) -> list[Figure]:
    """Figures one OCR slip away from what was read: one digit changed,
    dropped or doubled, the decimal point moved, or 万 and 元 confused (x10000).
    Without ``with_text`` the figures carry only the digits read (``text``), for
    a search that names the one it keeps (``_with_text``)."""
    number = written_number(fig.text)
    if number is None:
        return []
    digits = number[0]
    found: dict[tuple[str, float], Figure] = {}

    def add(new_digits: str, scale: float | None = None) -> None:
        use_scale = fig.scale if scale is None else scale
        key = (new_digits, use_scale)
        if key in found or (new_digits == digits and scale is None) or not _PLAIN_NUMBER.fullmatch(new_digits):
            return
        if len(new_digits) > 1 and new_digits[0] == "0" and not new_digits.startswith("0."):
            return
        value = float(new_digits) * use_scale
        half = 0.0 if fig.exact else 10.0 ** -_decimals(new_digits) * use_scale / 2
        text = _retext(fig.text, new_digits, use_scale / fig.scale) if with_text else new_digits
        found[key] = Figure(value, value - half, value + half, text, fig.name, fig.label, use_scale, fig.exact)

    plain = digits.replace(".", "")
    point = digits.find(".")
    for pos, ch in enumerate(digits):
        if ch == ".":
            continue
        for d in "0123456789":
            add(digits[:pos] + d + digits[pos + 1 :])  # a digit misread
        add(digits[:pos] + digits[pos + 1 :])  # a digit doubled (or inserted) in the reading
    for pos in range(len(digits) + 1):
        for d in "0123456789":
            add(digits[:pos] + d + digits[pos:])  # a digit dropped (a doubled one read once)
    for pos in range(1, len(plain)):
        if pos != (point if point >= 0 else len(plain)):
            add(plain[:pos] + "." + plain[pos:])
    if fig.label == "AMOUNT":
        add(digits, fig.scale * 10000)
        add(digits, fig.scale / 10000)
    return list(found.values())


def _with_text(original: Figure, alternative: Figure) -> Figure:
    """A misreading found without its text, written as the report would have it."""
    text = _retext(original.text, alternative.text, alternative.scale / original.scale)
    return Figure(
        alternative.value, alternative.lo, alternative.hi, text, alternative.name, alternative.label, alternative.scale, alternative.exact
    )


def _retext(text: str, new: str, factor: float) -> str:
    """The figure as it would be written after the slip (万 and 元 swapped when x10000)."""
    if factor > 1:
        return text.replace("万", "亿") if "万" in text else text.replace("元", "万元")
    if factor < 1:
        return text.replace("万", "") if "万" in text else text.replace("亿", "万")
    match = _NUMBER_IN_TEXT.search(text)
    return text[: match.start()] + new + text[match.end() :] if match else new


# ----------------------------------------------------------------------- descriptions


def _name(fig: Figure) -> str:
    """A short form of the phrase a figure measures, for descriptions."""
    name = re.sub(r"\s+", "", fig.name or "")
    name = re.split(r"\d{4}年度?", name)[-1] or name
    name = re.sub(r"^(其中|：|:|我局|我区|我办|本年度|全年)+", "", name)
    return name[-16:]


def _fmt(x: float, decimals: int) -> str:
    text = f"{x:,.{max(decimals, 0)}f}"
    return text.rstrip("0").rstrip(".") if "." in text and decimals > 2 else text


def _unit_suffix(fig: Figure) -> str:
    match = _NUMBER_IN_TEXT.search(fig.text)
    return fig.text[match.end() :].strip() if match else ""


def _show_delta(delta: float, like: Figure) -> str:
    if like.label == "PERCENT" or _unit_suffix(like).endswith("%"):
        return f"{_fmt(delta * 100, 4)} percentage points"
    base_unit = {"AMOUNT": " 元", "SCORE": " 分"}.get(like.label or "", "")
    return f"{_fmt(delta, 4)}{base_unit}"


def _describe(
    rel: Relation,
    stated: Figure,
    inputs: list[Figure],
    computed: float,
    difference: float,
    tolerance: float,
    status: str,
    uncertain: bool = False,
) -> str:
    terms = [f"{_name(f)} {f.text}".strip() for f in inputs]
    if rel.op == "sum" and len(terms) > 6:
        formula = f"the sum of {len(terms)} items (" + " + ".join(f.text.replace(" ", "") for f in inputs) + ")"
    elif rel.op == "sum":
        formula = " + ".join(terms)
    elif rel.op == "ratio":
        formula = f"{terms[0]} / {terms[1]}"
    elif rel.op == "change":
        formula = f"({inputs[0].text} − {inputs[1].text}) / {inputs[1].text}" if not rel.points else f"{inputs[0].text} − {inputs[1].text}"
    else:
        formula = " × ".join(terms)
    extra = 2 if rel.op in ("ratio", "change") or rel.stated_rounded else 0
    shown = _fmt(computed / (stated.scale or 1.0), _written_decimals(stated) + extra) + _unit_suffix(stated)
    direction = {1: "", -1: " (a decrease)"}.get(rel.sign, "") if rel.op == "change" else ""
    head = f"{_name(stated)} {stated.text}{direction}".strip()
    if status == "pass" and tolerance == 0:
        verdict = "agrees exactly (whole counts and scores)"
    elif status == "pass":
        verdict = f"agrees within the stated precision (±{_show_delta(tolerance, stated)})"
    elif uncertain:
        verdict = (
            f"differs by {_show_delta(difference, stated)} (allowed ±{_show_delta(tolerance, stated)}), "
            "but the layout does not state this relation for certain"
        )
    elif status == "undetermined":
        verdict = f"the parts fall short by {_show_delta(difference, stated)}; the list may not be complete"
    else:
        verdict = f"differs by {_show_delta(difference, stated)} (allowed ±{_show_delta(tolerance, stated)})"
    remark = rel.note.split("; ", 1)[1] if "; " in rel.note else ""
    return f"{head} vs {formula} = {shown}: {verdict}" + (f" ({remark})" if remark else "")


def _written_decimals(fig: Figure) -> int:
    number = written_number(fig.text)
    return _decimals(number[0]) if number else 2


# ----------------------------------------------------------------------------- fields

_ORG_SUFFIX = (
    "管理局|委员会|办事处|办公室|服务中心|人民政府|人民法院|人民检察院|联合会|中心|小学|中学|学校|幼儿园|医院|法院|检察院"
    "|政府|市委|局|委|办|院|所|厅|署|站|馆|队|处|社|镇|乡"
)
_ORG = rf"[\u4e00-\u9fa5]{{2,30}}?(?:{_ORG_SUFFIX})"
_ORG_FULL = re.compile(rf"[\u4e00-\u9fa5]{{1,30}}(?:{_ORG_SUFFIX})")
_ALIAS = r"(?:\s*[（(][^）)\n]{0,30}[）)])?"
# Labels of the reporting unit, most specific first; a cell may run on into the next label.
_DEPT_LABELS = ("部门名称", "单位名称", "评价单位", "预算单位", "填报单位", "项目单位", "实施单位", "资金使用单位", "主管部门")
_NEXT_LABEL = re.compile("|".join(_DEPT_LABELS + ("联系人", "联系电话", "项目名称", "单位负责人", "财供人数")))
# <org>2023年度项目支出绩效自评报告 / <org>关于2023年度… ; 2022年度<org>部门整体支出…
_ORG_BEFORE_YEAR = re.compile(rf"^[\s|]*({_ORG}){_ALIAS}\s*(?:关于)?\s*\d{{4}}\s*年")
_ORG_AFTER_YEAR = re.compile(
    rf"\d{{4}}\s*年度?\s*({_ORG}){_ALIAS}\s*(?:部门整体|整体支出|整体绩效|项目支出|预算执行|部门决算|预算绩效|绩效自评|支出绩效)"
)
_REPORT_LINE = re.compile(r"自评|评价报告|绩效报告")


def extract_fields(text: str, values: list[Span], doc: DocView | None = None) -> dict[str, Any]:
    """The headline fields the report states: year, department and the key figures,
    each as ``{"value": ..., "span": index into values or None}``."""
    fields: dict[str, Any] = {}
    year = fiscal_year(text)
    if year is not None:
        fields["fiscal_year"] = {"value": year, "span": None}
    department = department_name(text)
    if department:
        fields["department"] = {"value": department, "span": None}
    doc = doc or DocView(text, values)
    for name, rule in lexicon()["fields"].items():
        index = _field_value(doc, rule)
        if index is not None:
            fields[name] = {"value": values[index].value, "span": index}
    return fields


def fiscal_year(text: str) -> int | None:
    """The year evaluated: 评价年度：2025 年度, (2021年度), or the first 2024年度."""
    head = text[:1500]
    patterns = (
        r"评价年度[：:\s]*(\d{4})",
        r"[（(]\s*(\d{4})\s*年度\s*[）)]",
        r"(\d{4})\s*年度",
        r"(\d{4})\s*年[^月\d\n]{0,30}?(?:自评|评价)",
    )
    for pattern in patterns:
        match = re.search(pattern, head)
        if match:
            return int(match.group(1))
    return None


def department_name(text: str) -> str | None:
    """The reporting unit: from a 部门名称/评价单位 line, else from the title."""
    head = text[:3000]
    for label in _DEPT_LABELS:
        # not 中央主管部门 / 地方主管部门 (a project table's supervising ministries)
        for match in re.finditer(rf"(?<![央方]){label}[：:\s|]*([^\n]{{0,80}})", head):
            for token in re.split(r"[\s|]+", match.group(1)):
                token = _NEXT_LABEL.split(token)[0]
                token = re.sub(r"[（(](?:公章|盖章)[）)]$", "", token.strip())
                if _ORG_FULL.fullmatch(token):
                    return token
    lines = [line for line in head.splitlines() if _REPORT_LINE.search(line)][:6]
    for line in lines:
        for pattern in (_ORG_BEFORE_YEAR, _ORG_AFTER_YEAR):
            match = pattern.search(line)
            if match:
                return match.group(1)
    match = re.search(rf"现将\s*\d{{4}}\s*年度?\s*({_ORG}){_ALIAS}\s*(?:部门|整体|项目)", head)
    return match.group(1) if match else None


def _field_value(doc: DocView, rule: dict[str, Any]) -> int | None:
    label = rule.get("label")
    excluded = rule.get("not", [])
    for word in rule.get("any", []):
        for i, v in enumerate(doc.values):
            if v.label != label or v.value is None:
                continue
            metric = doc.metric(i)
            if word in metric and not any(x in metric for x in excluded):
                return i
    return None
