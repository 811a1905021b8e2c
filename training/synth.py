"""Synthetic self-evaluation reports with known value spans and claims.

Extra training data for the character-level tagger. A document is assembled
from templates (``synth_templates.yaml``) and table builders into a list of
pieces -- plain text, value spans, claim markers -- and only then rendered to
text with OCR-like noise. Noise is applied piece by piece while the offsets are
counted, so every span and every value is right by construction.

    python -m training.synth --n 500 --seed 0 --out data/synth.jsonl

Conventions follow annotations/GUIDELINE.md (v1.2, grown from shared/LABELS.md):

- Values in base units (AMOUNT 元, PERCENT as a fraction, SCORE points,
  QUANTITY count with its measure word as unit); qualifiers 约/近/超/逾/达/达到/
  突破 outside the span, 余/多 inside. Also: ‰ (PERCENT, unit "‰") and 个千分点,
  zero money without a unit (``结余为0`` -> AMOUNT 0 元, ``context_unit`` 元),
  amounts in Chinese numerals (一千二百万元), traditional multipliers and measure
  words inside spans (2.5萬戶, 931項; value and unit unchanged), maximum points in
  template headers (预算执行情况(10分)) and grade thresholds (优(≥90)) as SCORE,
  and table rows whose number cells OCR glued together (``877383.91%`` = 87 | 73
  | 83.91%) as adjacent spans. Ranks, levels, slogans (前十名, 三级, 十四五,
  7*24小时) and form instructions ((200字以内), 未达到90%的需说明原因) stay untagged.
- A bare table cell carries ``bare_cell: True`` and the ``context_unit`` its
  header or unit cell gives. ``context_unit`` is also set on the few non-bare
  spans whose text has no unit of its own (the first half of ``10-20%``,
  ``自评分数98``, a zero balance).
- Claims: rates reported as results are claims whatever their size (执行率,
  完成预算的…), deviation rates (差异率) are not; effect and growth clauses
  stated as achieved in result sections are claims; list markers stay outside,
  connectives (并, 且, 同时) and lead-ins whose comma ends no independent clause
  (截至目前，/ 2022年，/ 通过…，) inside, with the subject; no closing punctuation.

Document kinds (``kind``): short department and project reports and table
pages as before; whole reports of 5,000-9,000 characters (``report``); and
pool-style excerpts of 500-1,100 characters cut at paragraph boundaries from a
whole report (``excerpt``).
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
import random
import re
import sys
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import yaml

TEMPLATES_PATH = Path(__file__).with_name("synth_templates.yaml")
LABELS = ("AMOUNT", "PERCENT", "SCORE", "QUANTITY")

MONEY_MULT = {"元": 1, "千元": 1_000, "万元": 10_000, "亿元": 100_000_000, "万": 10_000}  # 万: 元 left out (70万)
CN_DIGITS = "零一二三四五六七八九"
QUALIFIERS = {  # by slot kind: said before a figure, kept outside the span
    "A": ["约", "近", "超", "逾", "达", "达到", "突破", "超过"],
    "P": ["达", "达到", "约", "近", "超", "逾"],
    "Q": ["约", "近", "超", "逾", "达", "达到", "突破", "超过"],
}
COMPARATORS = {  # (before, after) the figure; "以上"/"以下" follow it
    ">": [("≥", ""), ("≥ ", ""), ("不低于", ""), (">=", ""), ("大于等于", ""), ("", "以上"), ("不少于", "")],
    "<": [("≤", ""), ("≤ ", ""), ("不超过", ""), ("<=", ""), ("不高于", ""), ("", "以下"), ("控制在", "以内")],
}
LATEX_CMP = {">": "\\geq ", "<": "\\leq "}
FULLWIDTH = str.maketrans("0123456789.,%", "０１２３４５６７８９．，％")
TRAD = str.maketrans("万亿项数资额预执绩评价财报计门务设经费级单位发达实际标准质量满意时效产益", "萬億項數資額預執績評價財報計門務設經費級單位發達實際標準質量滿意時效產益")
# inside value spans only the multiplier and the measure word change (931項, 12個, 2.5萬戶); the value does not
SPAN_TRAD = str.maketrans("万亿项个户场条台辆张处间笔时", "萬億項個戶場條臺輛張處間筆時")
OCR_CONFUSE = {"已": "己", "未": "末", "日": "曰", "人": "入", "千": "干", "土": "士", "大": "太"}
CJK = re.compile(r"[\u4e00-\u9fff]")
DIGIT = re.compile(r"\d")
CJK_DIGIT_GAP = re.compile(r"(?<=[\u4e00-\u9fff])(?=\d)|(?<=\d)(?=[\u4e00-\u9fff])")
YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


# --------------------------------------------------------------------------- data


@lru_cache(maxsize=1)
def load_templates(path: str = str(TEMPLATES_PATH)) -> dict[str, Any]:
    """The YAML file, with each template block split into its lines."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 (a safe loader)
    groups = {}
    for name, block in data["templates"].items():
        lines = block if isinstance(block, list) else block.splitlines()
        groups[name] = [ln for ln in (s.strip() for s in lines) if ln and not ln.startswith("#")]
    data["templates"] = groups
    return data


@dataclass
class Piece:
    """A stretch of the document before rendering: plain text, a value, or a claim marker."""

    text: str = ""
    label: str | None = None
    value: float | None = None
    unit: str | None = None
    precision: float | None = None
    bare: bool = False
    context_unit: str | None = None
    claim: int = 0  # +1 opens a claim, -1 closes it (text empty)
    table: bool = False  # inside a flattened table: no wrapping noise


@dataclass
class Style:
    """Per-document choices: how numbers are written and how noisy the text is."""

    money_unit: str = "万元"
    thousands: bool = False
    unit_space: float = 0.0  # P(space between number and unit): 285.53 万元
    num_space: float = 0.0  # P(space between CJK text and a number): 我区 726 项
    pct_sign: str = "%"
    latex: bool = False
    fullwidth: bool = False  # whole document in full-width digits
    traditional: bool = False
    noise: float = 0.0  # 0 = clean; ~1 = moderate
    wrap: int = 0  # hard line width, 0 = none
    table_style: str = "tab"
    para_sep: str = "\n"
    heading_paren: tuple[str, str] = ("（", "）")


# --------------------------------------------------------------------------- numbers


def _quant(x: float | Decimal, d: int) -> Decimal:
    return Decimal(str(x)).quantize(Decimal(1).scaleb(-d), rounding=ROUND_HALF_UP)


def _numstr(q: Decimal, d: int, thousands: bool) -> str:
    return format(q, f",.{d}f" if thousands else f".{d}f")


def _resolution(d: int, mult: float | int = 1) -> float:
    return float(Decimal(1).scaleb(-d) * Decimal(mult))


def cn_int(n: int) -> str:
    """Chinese numeral for 0..9999 (两 for a lone 2, as before a measure word, and for 两千)."""
    if n == 2:
        return "两"
    if n >= 1000:
        t, r = divmod(n, 1000)
        head = ("两" if t == 2 else CN_DIGITS[t]) + "千"
        if r == 0:
            return head
        if r < 10:
            return head + "零" + CN_DIGITS[r]
        if r < 100:  # 一千零一十五, 一千零五十
            return head + "零" + ("一" if r < 20 else "") + cn_int(r)
        return head + cn_int(r)
    if n < 10:
        return CN_DIGITS[n]
    if n < 20:
        return "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return CN_DIGITS[n // 10] + "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    h, r = divmod(n, 100)
    head = CN_DIGITS[h] + "百"
    if r == 0:
        return head
    if r < 10:
        return head + "零" + CN_DIGITS[r]
    return head + CN_DIGITS[r // 10] + "十" + (CN_DIGITS[r % 10] if r % 10 else "")


def val(text: str, label: str, value: float, unit: str, precision: float, *, bare: bool = False, context_unit: str | None = None) -> Piece:
    return Piece(text, label, float(value), unit, float(precision), bare, context_unit)


class Numbers:
    """Formats figures as value pieces in the document's style."""

    def __init__(self, rng: random.Random, style: Style):
        self.rng, self.style = rng, style

    def _usp(self) -> str:
        return " " if self.rng.random() < self.style.unit_space else ""

    def money(self, yuan: float, unit: str | None = None, *, bare: bool = False, decimals: int | None = None) -> Piece:
        rng = self.rng
        if unit is None:
            unit = self.style.money_unit if rng.random() < 0.85 else rng.choice(["元", "万元", "万元"])
            if unit == "亿元" and yuan < 5e7:
                unit = "万元"
            elif yuan >= 1e8 and rng.random() < 0.5:  # 13.8亿元 rather than 138000万元
                unit = "亿元"
        mult = MONEY_MULT[unit]
        x = Decimal(str(round(yuan, 2))) / mult
        d = decimals if decimals is not None else self._money_decimals(unit, x)
        q = _quant(x, d)
        if q == 0 and yuan != 0 and not bare:  # too small for the unit: say it in 元
            unit, mult, d = "元", 1, 2
            q = _quant(yuan, 2)
        num = _numstr(q, d, self.style.thousands and abs(q) >= 1000)
        value, prec = float(q * mult), _resolution(d, mult)
        if bare:
            return val(num, "AMOUNT", value, "元", prec, bare=True, context_unit=unit)
        shown = unit.replace("万", "萬").replace("亿", "億") if rng.random() < 0.01 else unit
        return val(num + self._usp() + shown, "AMOUNT", value, "元", prec)

    def _money_decimals(self, unit: str, x: Decimal) -> int:
        r = self.rng.random()
        if x == x.to_integral_value() and r < 0.5:
            return 0  # round budgets: 200万元
        if unit == "元":
            return 2 if r < 0.85 else 0
        if unit == "万元":
            return 2 if r < 0.8 else (4 if r < 0.9 else (1 if r < 0.96 else 6))
        if unit == "亿元":
            return 2 if r < 0.7 else 1
        return 2 if r < 0.6 else 0

    def percent(self, frac: float, *, bare: bool = False, decimals: int | None = None, latex: bool = False) -> Piece:
        rng = self.rng
        pct = Decimal(str(round(frac * 100, 6)))
        if decimals is None:
            decimals = 0 if pct == pct.to_integral_value() and rng.random() < 0.8 else rng.choice([0, 1, 2, 2])
        q = _quant(pct, decimals)
        value, prec = float(q / 100), _resolution(decimals) / 100
        num = _numstr(q, decimals, False)
        if bare:
            return val(num, "PERCENT", value, "%", prec, bare=True, context_unit="%")
        if latex:
            return val(num + "\\%", "PERCENT", value, "%", prec)
        if decimals == 0 and 1 <= q <= 100 and rng.random() < 0.04:  # 百分之九十五
            words = "百分之百" if q == 100 else "百分之" + cn_int(int(q)).replace("两", "二")
            return val(words, "PERCENT", value, "%", prec)
        sign = self.style.pct_sign if rng.random() < 0.9 else "％"
        return val(num + sign, "PERCENT", value, "%", prec)

    def points(self, frac: float) -> Piece:
        """Percentage points: 5个百分点 -> 0.05."""
        pp = Decimal(str(round(frac * 100, 6)))
        d = 0 if pp == pp.to_integral_value() else 1
        q = _quant(pp, d)
        return val(_numstr(q, d, False) + self._usp() + "个百分点", "PERCENT", float(q / 100), "个百分点", _resolution(d) / 100)

    def score(self, pts: float, *, with_unit: bool = True, bare: bool = False, decimals: int | None = None) -> Piece:
        d = decimals if decimals is not None else _decimals_of(pts)
        q = _quant(pts, d)
        num = _numstr(q, d, False)
        if bare:
            return val(num, "SCORE", float(q), "分", _resolution(d), bare=True, context_unit="分")
        if not with_unit:
            return val(num, "SCORE", float(q), "分", _resolution(d), context_unit="分")
        return val(num + self._usp() + "分", "SCORE", float(q), "分", _resolution(d))

    def quantity(self, n: float, unit: str, *, approx: bool = False, bare: bool = False, decimals: int | None = None) -> Piece:
        rng = self.rng
        d = decimals if decimals is not None else _decimals_of(n)
        if bare:
            q = _quant(n, d)
            return val(_numstr(q, d, False), "QUANTITY", float(q), unit, _resolution(d), bare=True, context_unit=unit)
        suffix = rng.choice(["余", "多"]) if approx else ""
        if approx:  # 160余次, 40余项: round to a round number first
            n = _round_sig(n, 1 if n < 100 else 2)
            d = 0 if n >= 1 else d
        if n >= 10_000 and d == 0 and rng.random() < 0.4:  # 24.5万笔
            wd = rng.choice([1, 2]) if not approx else 1
            q = _quant(Decimal(str(n)) / 10_000, wd)
            if approx:
                q = q.to_integral_value() if q >= 10 else q
                wd = 0 if q == q.to_integral_value() else wd
            text = _numstr(q, wd, False) + self._usp() + "万" + suffix + unit
            return val(text, "QUANTITY", float(q * 10_000), unit, _resolution(wd, 10_000))
        q = _quant(n, d)
        num = _numstr(q, d, self.style.thousands and q >= 10_000 and rng.random() < 0.5)
        return val(num + suffix + self._usp() + unit, "QUANTITY", float(q), unit, _resolution(d))

    def permille(self, frac: float, *, points: bool = False, decimals: int | None = None) -> Piece:
        """Per mille: 0.46‰ -> 0.00046 (unit ‰); 0.8个千分点 -> 0.0008 (unit 个千分点)."""
        pm = Decimal(str(round(frac * 1000, 8)))
        if decimals is None:
            decimals = 0 if pm == pm.to_integral_value() else self.rng.choice([1, 2, 2, 2, 4]) if pm < 1 else self.rng.choice([1, 2])
        q = _quant(pm, decimals)
        while q == 0 and pm and decimals < 4:  # 0.0046‰ rather than 0.0‰
            decimals += 1
            q = _quant(pm, decimals)
        num = _numstr(q, decimals, False)
        value, prec = float(q / 1000), _resolution(decimals) / 1000
        if points:
            return val(num + self._usp() + "个千分点", "PERCENT", value, "个千分点", prec)
        return val(num + "‰", "PERCENT", value, "‰", prec)

    def cn_money(self, yuan: float) -> Piece:
        """Money in Chinese numerals, rounded to two figures: 一千二百万元, 八十万元, 一亿二千万元."""
        wan = int(_round_sig(max(1, round(yuan / 10_000)), 2))
        if wan >= 10_000:  # 亿: whole 亿 and a number of 千万 (一亿二千万元)
            yi, qian = wan // 10_000, wan % 10_000 // 1000
            wan = yi * 10_000 + qian * 1000
            text = cn_int(yi) + "亿" + (CN_DIGITS[qian] + "千万" if qian else "") + "元"
        else:
            text = cn_int(wan) + "万元"
        place = 10 ** (len(str(wan)) - len(str(wan).rstrip("0")))
        return val(text, "AMOUNT", float(wan * 10_000), "元", float(place * 10_000))

    def zero_money(self) -> Piece:
        """A zero balance with no unit, said of money (结余为0): AMOUNT 0 元."""
        d = 0 if self.rng.random() < 0.8 else 2
        return val(_numstr(Decimal(0), d, False), "AMOUNT", 0.0, "元", _resolution(d), context_unit="元")

    def cn_quantity(self, n: int, unit: str) -> Piece:
        # a Chinese numeral is stated to its last non-zero place: 二十 -> 10
        n = int(n)
        place = 10 ** (len(str(n)) - len(str(n).rstrip("0"))) if n else 1
        return val(cn_int(n) + unit, "QUANTITY", float(n), unit, float(place))


def _decimals_of(x: float) -> int:
    if float(x).is_integer():
        return 0
    s = repr(float(x))
    return min(len(s.split(".")[1]), 2) if "." in s and "e" not in s else 2


def _round_sig(n: float, sig: int) -> float:
    if n <= 0:
        return n
    k = sig - int(math.floor(math.log10(n))) - 1
    return float(round(n, k)) if k > 0 else float(int(round(n, k)))


# --------------------------------------------------------------------------- templates

FRESH_GROUPS = frozenset({"narrative"})
SLOT_RE = re.compile(r"\{([^{}]*)\}|\[\[|\]\]")
NUM_SLOT_RE = re.compile(r"^(QC|QR|PR|PP|PM|PK|SN|AC|A|P|S|Q|Z)([~<>]*)(?::([^:]*))?(?::(.*))?$")


class Gen:
    """Builds one document's pieces: context, templates, tables."""

    def __init__(self, rng: random.Random, style: Style, ctx: dict[str, Any], data: dict[str, Any]):
        self.rng, self.style, self.ctx, self.data = rng, style, ctx, data
        self.tpl: dict[str, list[str]] = data["templates"]
        self.num = Numbers(rng, style)
        self.out: list[Piece] = []
        self._fresh: dict[str, list[str]] = {}

    # -- output helpers
    def text(self, s: str) -> None:
        if s:
            self.out.append(Piece(s))

    def line(self, template: str, end: str = "") -> None:
        self.out.extend(self.expand(template))
        self.text(end + self.style.para_sep)

    def para(self, group: str, k: int = 1, joiner: str = "", end: str = "") -> None:
        """k random templates of a group, in one paragraph (narrative lines are not repeated within a document)."""
        if group in FRESH_GROUPS:
            picks = [self.fresh(group) for _ in range(k)]
        else:
            picks = self.rng.sample(self.tpl[group], min(k, len(self.tpl[group])))
        for i, t in enumerate(picks):
            if i:
                self.text(joiner)
            self.out.extend(self.expand(t))
        self.text(end + self.style.para_sep)

    def pick(self, group: str) -> str:
        return self.rng.choice(self.tpl[group])

    def fresh(self, group: str, items: list[str] | None = None) -> str:
        """The next template of a group (or the next of ``items``) in a per-document shuffled
        order: no repeats until all were used."""
        queue = self._fresh.get(group)
        if not queue:
            pool = items if items is not None else self.tpl[group]
            queue = self._fresh[group] = self.rng.sample(pool, len(pool))
        return queue.pop()

    # -- template expansion
    def expand(self, template: str) -> list[Piece]:
        out: list[Piece] = []
        pos = 0
        for m in SLOT_RE.finditer(template):
            if m.start() > pos:
                out.append(Piece(template[pos : m.start()]))
            tok = m.group(0)
            if tok == "[[":
                out.append(Piece(claim=1))
            elif tok == "]]":
                out.append(Piece(claim=-1))
            else:
                out.extend(self._slot(m.group(1)))
            pos = m.end()
        if pos < len(template):
            out.append(Piece(template[pos:]))
        return out

    def _slot(self, body: str) -> list[Piece]:
        if body.startswith("@"):
            return self.expand(self.pick(body[1:]))
        if body.startswith("R:"):
            return self.expand(self.rng.choice(body[2:].split("|")))
        m = NUM_SLOT_RE.match(body)
        if m:
            return self._number(m.group(1), m.group(2), m.group(3) or "", m.group(4))
        if body in self.ctx:
            v = self.ctx[body]
            if isinstance(v, list):
                v = self.rng.choice(v)
            return [Piece(str(v))]
        if body in self.tpl:
            return self.expand(self.pick(body))
        raise KeyError(f"template slot {{{body}}}: no such context key or group")

    def _resolve(self, spec: str) -> tuple[float, int | None]:
        """A number from a context key, a literal or a range lo..hi (log-uniform over wide ranges)."""
        if ".." in spec:
            lo_s, hi_s = spec.split("..")
            lo, hi = float(lo_s), float(hi_s)
            if "." in lo_s or "." in hi_s:
                d = max(len(s.split(".")[1]) if "." in s else 0 for s in (lo_s, hi_s))
                return round(self.rng.uniform(lo, hi), d), d
            if lo > 0 and hi / lo > 20:
                return float(int(math.exp(self.rng.uniform(math.log(lo), math.log(hi + 1))))), None
            return float(self.rng.randint(int(lo), int(hi))), None
        if spec[:1].isdigit():
            return float(spec), (len(spec.split(".")[1]) if "." in spec else None)
        return float(self.ctx[spec]), None

    def _number(self, kind: str, mods: str, spec: str, unit: str | None) -> list[Piece]:
        rng, num = self.rng, self.num
        if unit and unit.startswith("$"):
            unit = str(self.ctx[unit[1:]])
        cmp_ = ">" if ">" in mods else ("<" if "<" in mods else None)
        if kind in ("QR", "PR"):
            return self._range(kind, spec, unit)
        if kind == "Z":
            return [num.zero_money()]
        x, d = self._resolve(spec)
        latex = kind == "P" and self.style.latex and rng.random() < 0.7
        if kind == "A":
            piece = num.money(x, unit or None)
        elif kind == "P":
            piece = num.percent(x, latex=latex)
        elif kind == "PP":
            piece = num.points(x)
        elif kind in ("PM", "PK"):
            piece = num.permille(x, points=kind == "PK")
        elif kind == "AC":
            piece = num.cn_money(x)
        elif kind in ("S", "SN"):
            if d == 1:
                x = max(0.5, round(x * 2) / 2)  # scoring rules deal in half points
            piece = num.score(x, with_unit=kind == "S")
        elif kind == "Q":
            approx = "~" in mods and x >= 20 and rng.random() < 0.35
            piece = num.quantity(x, unit or "个", approx=approx, decimals=d)
        else:  # QC
            piece = num.cn_quantity(int(x), unit or "个")
        before, after = "", ""
        if cmp_:
            if latex:
                return [Piece("$" + LATEX_CMP[cmp_]), piece, Piece("$")]
            before, after = rng.choice(COMPARATORS[cmp_])
            if kind in ("P", "PP", "PM", "PK", "S", "SN") and after:
                before, after = ("≥" if cmp_ == ">" else "≤"), ""
        elif "~" in mods and kind in QUALIFIERS and rng.random() < 0.45:
            before = rng.choice(QUALIFIERS[kind])
        if latex:
            return [Piece(before + "$"), piece, Piece("$" + after)]
        return [p for p in (Piece(before), piece, Piece(after)) if p.text or p.label]

    def _range(self, kind: str, spec: str, unit: str | None) -> list[Piece]:
        """15-30天 / 10-20%: two spans; the first borrows its unit from the second."""
        a, d = self._resolve(spec)
        b, _ = self._resolve(spec)
        lo, hi = sorted((a, b))
        if lo == hi:
            hi = lo + (1 if kind == "QR" else 0.05)
        dash = self.rng.choice(["-", "-", "～", "至", "~"])
        if kind == "QR":
            first = self.num.quantity(lo, unit or "天", bare=True, decimals=d)
            first.bare = False  # part of running text, not a table cell
            return [first, Piece(dash), self.num.quantity(hi, unit or "天", decimals=d)]
        first = self.num.percent(lo, decimals=0)
        if self.rng.random() < 0.6:  # 10-20%: the first half has no sign
            first = self.num.percent(lo, bare=True, decimals=0)
            first.bare = False
        return [first, Piece(dash), self.num.percent(hi, decimals=0)]


# --------------------------------------------------------------------------- context


def make_context(rng: random.Random, data: dict[str, Any]) -> dict[str, Any]:
    """Who reports, for which year, and the figures their text will state."""
    prov = rng.choice(data["provinces"])
    bureau = rng.choice(data["bureaus"])
    city, county = rng.choice(prov["cities"]), rng.choice(prov["counties"])
    level = rng.choices(["county", "city", "province", "town"], [0.55, 0.3, 0.07, 0.08])[0]
    if bureau["domain"] == "school" and level != "county":
        level = "county"
    if level == "province" and "prov" not in bureau:
        level = "city"
    if level == "town":  # a township government: farming work, own self-reference
        bureau = {"name": "", "domain": "agri", "self": "我镇"}
    domain = data["domains"][bureau["domain"]]
    if level == "province":
        region_name, agency, lvl = prov["name"], prov["name"] + bureau["prov"], "省"
        fin = prov["name"] + "财政厅"
    elif level == "city":
        region_name, lvl = city, "市"
        agency = city + bureau["name"]
        fin = city + "财政局"
    else:
        region_name = county if rng.random() < 0.7 else city + county
        lvl = county[-1] if county[-1] in "县区市旗" else "县"
        agency = region_name + bureau["name"]
        fin = region_name + "财政局"
    self_ref = bureau["self"]
    if level == "town":
        town = rng.choice(data["towns"])
        agency = county + town + ("人民政府" if town[-1] in "镇乡" else "办事处")
        self_ref = "我" + town[-1]
    year = rng.randint(2017, 2025)
    person = lambda: rng.choice(data["surnames"]) + rng.choice(data["given"])  # noqa: E731
    abbr = region_name[0]
    acts = domain["acts"] + data["generic_acts"]
    m1 = rng.randint(3, 6)
    ctx: dict[str, Any] = {
        "agency": agency,
        "self": self_ref,
        "year": year,
        "year1": year + 1,
        "region_name": region_name,
        "region": {"省": "全省", "市": "全市", "区": "全区", "旗": "全旗"}.get(lvl, "全县"),
        "region_up": {"省": "全国", "市": "全省"}.get(lvl, "全市"),
        "lvl": lvl,
        "fin": fin,
        "fin_short": {"省": "省财政厅", "市": "市财政局", "区": "区财政局"}.get(lvl, "县财政局"),
        "docno": f"{abbr}财{rng.choice('预绩行发函')}{_bracket(rng, year + 1)}{rng.randint(1, 160)}号",
        "docno2": f"{abbr}{rng.choice(['政办发', '发', '办发', '财预'])}{_bracket(rng, year)}{rng.randint(1, 90)}号",
        "scope": rng.choice(["部门整体支出", "项目支出", "财政资金使用"]),
        "person": person(),
        "person2": person() + ("、" + person() if rng.random() < 0.3 else ""),
        "phone": f"0{rng.randint(100, 999)}-{rng.randint(2000000, 8999999)}",
        "date_report": f"{year + 1}年{rng.randint(2, 9)}月{rng.randint(1, 28)}日",
        "date_pub": f"{year + 1}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "datetime_pub": f"{year + 1}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}",
        "index_no": f"{rng.randint(10**8, 10**9 - 1)}{rng.choice('XKTP')}/{year + 1}-{rng.randint(1, 999):05d}",
        "views": rng.randint(0, 3000),
        "site_code": rng.randint(10**9, 10**10 - 1),
        "month": rng.randint(3, 12),
        "month2": rng.randint(1, 12),
        "day": rng.randint(1, 28),
        "m1": m1, "d1": rng.randint(1, 28), "m2": m1 + rng.randint(0, 2), "d2": rng.randint(1, 28),
        "rank": rng.randint(1, 12),
        "leader_title": rng.choice(["党组书记、局长", "主要负责同志", "院长", "校长", "主任", "分管领导"]),
        "dept1": rng.choice(data["depts"]),
        "award_level": rng.choice(["省级", "市级", "全省", "全市", "国家级"]),
        "domain_work": rng.choice(["公共服务", "业务保障", "基本公共服务", "行业管理", "基层服务"]),
        "grade": rng.choice(data["grades_hi"]),
        "_domain": domain,
        "_acts": acts,
        "_rates": domain["rates"] + data["generic_rates"],
        "_pm_rates": domain.get("pm_rates", []) + data["generic_pm_rates"],
        "workload": data["workloads"],
        "_projects": domain["projects"],
        "_duties": domain["duties"],
    }
    ctx["proj"] = rng.choice(domain["projects"])
    ctx["thing"] = rng.choice(domain["things"])
    return ctx


def _bracket(rng: random.Random, year: int) -> str:
    left, right = rng.choice([("〔", "〕"), ("[", "]"), ("【", "】"), ("﹝", "﹞"), ("(", ")")])
    return f"{left}{year}{right}"


def money_scale(rng: random.Random, lo: float = 2e5, hi: float = 3e8) -> float:
    return round(math.exp(rng.uniform(math.log(lo), math.log(hi))), 2)


def set_finance(g: Gen) -> None:
    """Department income/expenditure figures: totals mostly consistent, sometimes not."""
    rng, c = g.rng, g.ctx
    total = money_scale(rng)
    basic = round(total * rng.uniform(0.3, 0.9), 2)
    proj = round(total - basic, 2)
    pers = round(basic * rng.uniform(0.6, 0.9), 2)
    pub = round(basic - pers, 2)
    stated_total = total
    if rng.random() < 0.15:  # an inconsistent report
        stated_total = round(total * (1 + rng.choice([-1, 1]) * rng.uniform(0.002, 0.15)), 2)
    inc_total = total if rng.random() < 0.5 else round(total * rng.uniform(0.97, 1.06), 2)
    inc_fin = round(inc_total * rng.uniform(0.85, 1.0), 2)
    for key, cur in (("inc", inc_total), ("exp", stated_total)):
        chg = rng.uniform(-0.4, 0.5)
        prev = round(cur / (1 + chg), 2)
        stated = abs(cur - prev) / prev
        if rng.random() < 0.1:
            stated *= rng.uniform(0.5, 1.5)
        c.update({f"{key}_prev": prev, f"{key}_chg": stated, f"{key}_diff": round(abs(cur - prev), 2),
                  f"{key}_dir": "增加" if cur >= prev else "减少"})
    budget = round(total / rng.uniform(0.85, 1.0), 2) if rng.random() < 0.8 else total
    exec_ = total
    c.update({
        "exp_total": stated_total, "exp_basic": basic, "exp_proj": proj, "exp_pers": pers, "exp_pub": pub,
        "exp_basic_share": basic / total, "exp_proj_share": proj / total,
        "inc_total": inc_total, "inc_fin": inc_fin, "inc_other": round(inc_total - inc_fin, 2),
        "inc_fin_share": inc_fin / inc_total, "inc_other_share": 1 - inc_fin / inc_total,
        "budget": budget, "budget0": round(budget * rng.uniform(0.8, 1.0), 2), "exec": exec_,
        "exec_rate": exec_ / budget, "left": round(budget - exec_, 2), "dev_rate": abs(budget - exec_) / budget,
    })
    sg_budget = round(total * rng.uniform(0.002, 0.02), 2)
    sg_exec = round(sg_budget * rng.uniform(0.5, 1.0), 2)
    c.update({"sg_budget": sg_budget, "sg_exec": sg_exec, "sg_diff": round(sg_budget - sg_exec, 2),
              "sg_chg": (sg_budget - sg_exec) / sg_budget, "sg_recv": round(sg_exec * rng.uniform(0.2, 0.6), 2),
              "sg_car": round(sg_exec * rng.uniform(0.1, 0.4), 2),
              "pub_budget": round(pub * rng.uniform(1.0, 1.2), 2), "pub_exec": pub,
              "sub_people": rng.randint(50, 20000), "sub_total": money_scale(rng, 1e5, 5e7),
              "saved": money_scale(rng, 5e3, 5e6)})


def set_staff(g: Gen) -> None:
    rng, c = g.rng, g.ctx
    admin, inst = rng.randint(3, 60), rng.randint(0, 80)
    total = admin + inst
    c.update({"staff_admin": admin, "staff_inst": inst, "staff_total": total,
              "staff_act": max(1, total - rng.randint(0, max(1, total // 5))),
              "staff_temp": rng.randint(0, 30), "retired": rng.randint(0, 60)})
    c["staff_all"] = c["staff_act"] + c["staff_temp"]
    depts = g.rng.sample(g.data["depts"], rng.randint(3, 7))
    n = len(depts) if rng.random() < 0.85 else len(depts) + rng.choice([-1, 1])
    c.update({"org_list": "、".join(depts), "org_n": n,
              "task_list": "、".join(rng.sample(["预算管理改革", "政务公开", "数字化转型", "作风建设", "制度建设", "资产清查"], 3))})


def set_counts(g: Gen) -> None:
    rng, c = g.rng, g.ctx
    a, b = rng.randint(2, 40), rng.randint(1, 30)
    total = a + b if rng.random() < 0.85 else a + b + rng.choice([-2, -1, 1, 3])
    done = total - rng.randint(0, max(1, total // 10))
    c.update({"cnt_a": a, "cnt_b": b, "cnt_total": total, "task_done": done, "task_rate": done / total})


def set_act(g: Gen, act: list[Any] | None = None) -> None:
    """One completed-work item (phrase, measure word, target, actual) and one rate."""
    rng, c = g.rng, g.ctx
    phrase, unit, lo, hi, name = act or rng.choice(c["_acts"])
    tgt = int(math.exp(rng.uniform(math.log(lo), math.log(hi))))
    tgt = max(int(lo), int(_round_sig(tgt, 2)))
    n = int(tgt * rng.uniform(0.85, 1.3)) if rng.random() < 0.9 else tgt
    rate_tgt = rng.choice([0.8, 0.85, 0.9, 0.95, 0.98])
    rate_v = 1.0 if rng.random() < 0.35 else round(rng.uniform(rate_tgt + 0.001, 1.0), 4)
    sat_tgt = rng.choice([0.8, 0.85, 0.9, 0.95])
    sat = round(rng.uniform(sat_tgt, 1.0), 3)
    pm_tgt = rng.choice([0.0005, 0.0009, 0.001, 0.002, 0.003, 0.005])  # 0.9‰
    c.update({"pm_rate": rng.choice(c["_pm_rates"]), "pm_tgt": pm_tgt, "pm_v": pm_tgt * rng.uniform(0.01, 0.95),
              "pm_down": rng.uniform(0.00005, 0.002)})
    c.update({"act": phrase, "act_u": unit, "act_n": n, "act_tgt": tgt, "ind_name": name,
              "act_chg": rng.uniform(0.01, 0.9), "act_ratio": n / tgt,
              "rate": rng.choice(c["_rates"]), "rate2": rng.choice(c["_rates"]), "rate_v": rate_v, "rate_tgt": rate_tgt,
              "act_part": max(1, int(n * rng.uniform(0.2, 0.8))),
              "rate_gap": rate_v - rate_tgt, "rate_up": rng.choice([0.005, 0.01, 0.02, 0.03, 0.05, 0.1]), "sat": sat, "sat_tgt": sat_tgt,
              "sat_gap": max(sat - sat_tgt, 0.001)})


def set_project(g: Gen) -> None:
    rng, c = g.rng, g.ctx
    total = round(money_scale(rng, 3e4, 5e7), -2 if rng.random() < 0.5 else 0)
    parts = sorted(rng.uniform(0, 1) for _ in range(2))
    pc = round(total * parts[0], 2)
    pp = round(total * (parts[1] - parts[0]), 2)
    pl = round(total - pc - pp, 2)
    rate = 1.0 if rng.random() < 0.45 else rng.uniform(0.6, 0.999)
    p_exec = round(total * rate, 2)
    arr_rate = 1.0 if rng.random() < 0.7 else rng.uniform(0.7, 0.99)
    c.update({"p_total": total, "p_c": pc, "p_p": pp, "p_l": pl, "p_exec": p_exec, "p_rate": p_exec / total,
              "p_dev": (total - p_exec) / total,
              "p_left": round(total - p_exec, 2), "p_exec_c": round(min(pc, p_exec), 2),
              "p_arr": round(total * arr_rate, 2), "p_arr_rate": arr_rate})


# --------------------------------------------------------------------------- tables


Cell = list[Piece]


def _cell(*pieces: Piece | str) -> Cell:
    return [Piece(p) if isinstance(p, str) else p for p in pieces]


def _is_value_cell(cell: Cell) -> bool:
    return len(cell) == 1 and cell[0].label is not None


def flatten(g: Gen, rows: list[list[Cell]], style: str | None = None) -> None:
    """Write table rows as flattened text in one of the PDF/OCR/web layouts.

    In a noisy document a row now and then loses the separators between its
    neighbouring number cells, as OCR glues them (``877383.91%`` = 87 | 73 |
    83.91%): the cells stay adjacent value spans.
    """
    rng = g.rng
    style = style or g.style.table_style
    p_glue = 0.08 * min(g.style.noise, 1.5) if style in ("tab", "spaces", "pipe") else 0.0
    for row in rows:
        if style == "cells":  # one cell per line, as many web tables come out
            end = rng.choice([" |\n", "\n", "\n\n"])
            for cell in row:
                if cell or rng.random() < 0.3:
                    _emit_cell(g, cell)
                    g.out.append(Piece(end, table=True))
            continue
        parts: list[Cell] = row if style in ("tab", "pipe") else [c for c in row if c]
        glued = p_glue > 0 and rng.random() < p_glue
        for i, cell in enumerate(parts):
            if i and not (glued and _is_value_cell(parts[i - 1]) and _is_value_cell(cell)):
                sep = {"tab": "\t", "pipe": " | ", "spaces": " " * rng.choice([1, 1, 2, 3, 4]), "run": ""}[style]
                g.out.append(Piece(sep, table=True))
            _emit_cell(g, cell)
        tail = " |" if style == "pipe" else ""
        g.out.append(Piece(tail + "\n", table=True))


def _emit_cell(g: Gen, cell: Cell) -> None:
    for p in cell:
        p.table = True
        g.out.append(p)


def table_title(g: Gen, title: str) -> None:
    g.text(title + "\n")
    if g.rng.random() < 0.7:
        g.text(g.rng.choice(["（{}年度）", "({}年度)", "{}年度", "（ {} 年度）"]).format(g.ctx["year"]) + "\n")


def table_budget(g: Gen) -> None:
    """项目资金 table: 年初预算数 / 全年预算数 / 全年执行数 / 分值 / 执行率 / 得分."""
    rng, num, c = g.rng, g.num, g.ctx
    unit = rng.choice(["万元", "万元", "万元", "元"])
    total = c.get("p_total") or c.get("budget") or money_scale(rng)
    budget0 = total if rng.random() < 0.6 else round(total * rng.uniform(0.7, 1.0), 2)
    execd = c.get("p_exec") or c.get("exec") or round(total * rng.uniform(0.7, 1.0), 2)
    weight = rng.choice([10, 10, 10, 5, 20])
    dec = rng.choice([2, 2, 0]) if unit == "万元" else 2
    layout = rng.choice(["std", "sichuan", "transfer"])
    pct_bare = rng.random() < 0.3  # 执行率（%） column: bare numbers
    m = lambda y: num.money(y, unit, bare=True, decimals=dec)  # noqa: E731
    rate_piece = lambda: num.percent(execd / total, decimals=rng.choice([0, 1, 2]), bare=pct_bare)  # noqa: E731
    rate_head = "执行率（%）" if pct_bare else rng.choice(["执行率", "执行率（B/A）", "预算执行率"])
    score = round(weight * min(execd / total, 1.0), rng.choice([0, 1, 2]))
    if rng.random() < 0.1:
        score = weight  # full marks despite a shortfall: a check should catch it
    if layout == "std":
        first = _cell(f"项目资金（{unit}）" if rng.random() < 0.7 else "项目资金")
        if rng.random() < 0.2:  # the template header states its maximum points: 预算执行情况(10分)
            lp, rp = rng.choice([("（", "）"), ("(", ")")])
            first = _cell("预算执行情况" + lp, num.score(weight), rp)
        head = [first, _cell("年初预算数"), _cell("全年预算数"),
                _cell("全年执行数"), _cell("分值"), _cell(rate_head), _cell("得分")]
        rows = [head,
                [_cell(rng.choice(["年度资金总额：", "年度资金总额", "合计"])), _cell(m(budget0)), _cell(m(total)), _cell(m(execd)),
                 _cell(num.score(weight, bare=True)), _cell(rate_piece()), _cell(num.score(score, bare=True))],
                [_cell(rng.choice(["其中：当年财政拨款", "其中：本年财政拨款", "其中：财政拨款"])), _cell(m(budget0)), _cell(m(total)),
                 _cell(m(execd)), _cell("—"), _cell(rate_piece() if rng.random() < 0.5 else Piece("—")), _cell("—")],
                [_cell("上年结转资金"), _cell(m(0) if rng.random() < 0.4 else Piece("")), _cell(), _cell(), _cell("—"), _cell(), _cell("—")],
                [_cell("其他资金"), _cell(), _cell(), _cell(), _cell("—"), _cell(), _cell("—")]]
        if unit == "元" and rng.random() < 0.5:
            g.text("金额单位：元\n")
            rows[0][0] = _cell("项目资金")
    elif layout == "sichuan":
        head = [_cell(f"预算执行情况（", num.score(weight), "）"), _cell(f"年度预算数（{unit}）"), _cell("年初预算"),
                _cell("调整后预算数"), _cell("预算执行数"), _cell(rate_head), _cell("权重"), _cell("得分"), _cell("原因")]
        rows = [head,
                [_cell("总额"), _cell(m(budget0)), _cell(m(total)), _cell(m(execd)), _cell(rate_piece()),
                 _cell(num.score(weight, bare=True)), _cell(num.score(score, bare=True)), _cell("")],
                [_cell("其中：财政资金"), _cell(m(budget0)), _cell(m(total)), _cell(m(execd)), _cell(rate_piece()),
                 _cell("/"), _cell("/"), _cell("")],
                [_cell("单位资金"), _cell(m(0)), _cell(m(0)), _cell(m(0)), _cell(num.percent(0, decimals=2, bare=pct_bare)),
                 _cell("/"), _cell("/"), _cell("")]]
    else:
        head = [_cell(f"资金投入情况（{unit}）" if rng.random() < 0.5 else f"项目资金（{unit}）"), _cell("全年预算数（A）"),
                _cell("全年执行数（B）"), _cell(rate_head.replace("执行率（%）", "预算执行率（%）"))]
        central = round(total * rng.uniform(0.5, 1.0), 2)
        c_exec = round(min(central, execd), 2)
        rows = [head,
                [_cell("年度资金总额："), _cell(m(total)), _cell(m(execd)), _cell(rate_piece())],
                [_cell("其中：中央补助"), _cell(m(central)), _cell(m(c_exec)), _cell(num.percent(c_exec / central, bare=pct_bare))],
                [_cell("地方资金"), _cell(m(total - central)), _cell(m(execd - c_exec)), _cell()],
                [_cell("其他资金"), _cell(), _cell(), _cell()]]
    flatten(g, rows)


def indicator_rows(g: Gen, n: int) -> list[dict[str, Any]]:
    """Rows of a 绩效指标 table: level names, target and actual cells, weight and score."""
    rng, num, c = g.rng, g.num, g.ctx
    kinds = ["qty", "qty", "quality", "time", "cost", "benefit", "sat"]
    rows = []
    for i in range(n):
        kind = kinds[i] if i < len(kinds) else rng.choice(kinds)
        set_act(g)
        l1, l2, name = "产出指标", "数量指标", c["ind_name"]
        if kind == "qty":
            u = c["act_u"]
            tgt = [Piece(rng.choice(["≥", "≥", "", "不少于"])), num.quantity(c["act_tgt"], u)]
            act_cell = [num.quantity(c["act_n"], u)] if rng.random() < 0.8 else [Piece(claim=1), Piece("完成"), num.quantity(c["act_n"], u), Piece(claim=-1)]
            short = c["act_n"] < c["act_tgt"]
        elif kind in ("quality", "sat"):
            l2 = "质量指标" if kind == "quality" else "服务对象满意度指标"
            l1 = "产出指标" if kind == "quality" else "满意度指标"
            name = c["rate"] if kind == "quality" else g.pick("sat_obj") + "满意度"
            tv, av = (c["rate_tgt"], c["rate_v"]) if kind == "quality" else (c["sat_tgt"], c["sat"])
            if rng.random() < 0.15:  # a shortfall, to be explained in the last column
                av = round(tv - rng.uniform(0.005, 0.06), 4)
            tgt = [Piece(rng.choice(["≥", "≥", "", "不低于", ">="])), num.percent(tv)]
            r = rng.random()
            if r < 0.6:
                act_cell = [num.percent(av)]
            elif r < 0.8:
                act_cell = [Piece(claim=1), Piece("已完成"), num.percent(av), Piece(claim=-1)]
            else:
                act_cell = [Piece(claim=1), Piece(rng.choice(["达成预期指标", "达到预期目标", "全部达标"])), Piece(claim=-1)]
            short = av < tv
        elif kind == "time":
            l2, name = "时效指标", rng.choice(["项目完成及时性", "资金拨付及时率", "任务完成时限"])
            if name.endswith("率"):
                tgt, act_cell, short = [num.percent(1.0)], [num.percent(1.0)], False
            else:
                tgt = [Piece(f"{c['year']}年12月底前" if rng.random() < 0.6 else f"{c['year']}年{rng.randint(6, 12)}月")]
                act_cell = [Piece(claim=1), Piece(rng.choice(["按期完成", "按时完成", "已完成"])), Piece(claim=-1)]
                short = False
        elif kind == "cost":
            l2, name = "成本指标", rng.choice(["项目成本控制", "资金使用成本", c["proj"] + "成本"])
            budget = c.get("p_total") or money_scale(rng, 5e4, 1e7)
            spent = round(budget * rng.uniform(0.8, 1.0), 2)
            tgt = [Piece(rng.choice(["≤", "≤", "不超过"])), num.money(budget)]
            act_cell = [num.money(spent)] if rng.random() < 0.7 else [Piece(claim=1), Piece("控制在预算范围内"), Piece(claim=-1)]
            short = False
        else:  # benefit: qualitative target, claim or bare text as the actual
            l1 = "效益指标"
            l2 = rng.choice(["社会效益指标", "经济效益指标", "生态效益指标", "可持续影响指标"])
            name = rng.choice([c["domain_work"] + "水平", "群众办事便利度", "服务保障能力", "长效管理机制"])
            tgt = [Piece(rng.choice(["有效提升", "明显改善", "逐步完善", "持续发挥作用"]))]
            act_cell = [Piece(claim=1), Piece(rng.choice(["达成预期指标", "达到预期目标", "效果明显", "已实现"])), Piece(claim=-1)]
            short = False
        rows.append({"l1": l1, "l2": l2, "name": name, "tgt": tgt, "act": act_cell, "short": short, "kind": kind})
    return rows


def _weights(rng: random.Random, n: int, total: float) -> list[float]:
    """n whole weights of similar size summing to total (as score tables allot points)."""
    total = int(total)
    if n <= 1 or total < 2 * n:
        base, extra = divmod(total, max(n, 1))
        return [float(base + (i < extra)) for i in range(max(n, 1))]
    raw = [rng.uniform(0.6, 1.4) for _ in range(n)]
    w = [max(1, round(r * total / sum(raw))) for r in raw]
    w[w.index(max(w))] += total - sum(w)  # rounding rest goes to the largest
    return [float(x) for x in w]


def table_indicators(g: Gen) -> None:
    """绩效指标 table: 一级 / 二级 / 三级指标 / 指标值 / 完成值 / 分值 / 得分 / 原因."""
    rng, num = g.rng, g.num
    rows_data = indicator_rows(g, rng.randint(4, 9))
    total_w = rng.choice([90, 80, 60, 50])
    weights = _weights(rng, len(rows_data), total_w) if rng.random() < 0.5 else [round(total_w / len(rows_data), 1)] * len(rows_data)
    sichuan = rng.random() < 0.35
    if sichuan:
        head = ["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值", "权重", "得分", "未完成原因分析"]
    else:
        head = rng.choice([
            ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
            ["一级指标", "二级指标", "三级指标", "指标值", "全年实际完成值", "分值", "得分", "未完成原因和改进措施"],
            ["一级指标", "二级指标", "三级指标", "预期指标值", "实际完成值", "权重", "自评得分", "备注"],
        ])
    if rng.random() < 0.3:  # form instruction in the last header: its 90% is not a value
        head = head[:-1] + [head[-1] + rng.choice(["（未达到90%的需说明原因）", "(未达到90%的需说明原因)", "（偏差超过10%的需说明原因）"])]
    out = [[_cell(h) for h in head]]
    if rng.random() < 0.25:  # a header with the block's maximum points: 绩效指标(90分)
        lp, rp = rng.choice([("（", "）"), ("(", ")")])
        out.insert(0, [_cell(rng.choice(["绩效指标", "年度绩效指标", "产出效益指标"]) + lp, num.score(total_w), rp)])
    prev_l1 = prev_l2 = None
    got_total = 0.0
    for r, w in zip(rows_data, weights):
        s = w if not r["short"] or rng.random() < 0.3 else round(w * rng.uniform(0.5, 0.95), 1)
        got_total += s
        l1 = _cell(r["l1"]) if r["l1"] != prev_l1 or rng.random() < 0.2 else _cell()
        l2 = _cell(r["l2"]) if r["l2"] != prev_l2 or rng.random() < 0.2 else _cell()
        prev_l1, prev_l2 = r["l1"], r["l2"]
        reason = _cell(rng.choice(["", "", "无", "/", "未完成原因：资金下达较晚"])) if r["short"] else _cell(rng.choice(["", "无", ""]))
        if sichuan:
            out.append([l1, l2, _cell(r["name"]), *sichuan_cells(g, r), _cell(num.score(w, bare=True)), _cell(num.score(s, bare=True)), reason])
        else:
            out.append([l1, l2, _cell(r["name"]), r["tgt"], r["act"], _cell(num.score(w, bare=True)), _cell(num.score(s, bare=True)), reason])
    full = total_w + 10
    total = got_total + 10 if rng.random() < 0.85 else got_total + rng.choice([8, 9, 10.5, 12])
    tail = [_cell(rng.choice(["合计", "总分", "总计"]))] + [_cell() for _ in range(len(head) - 4)]
    tail += [_cell(num.score(full, bare=True)), _cell(num.score(total, bare=True, decimals=_decimals_of(round(total, 2)))), _cell()]
    out.append(tail)
    flatten(g, out)


def sichuan_cells(g: Gen, r: dict[str, Any]) -> list[Cell]:
    """指标性质 / 指标值 / 度量单位 / 完成值: the numbers are bare, the unit cell names them."""
    rng, num, c = g.rng, g.num, g.ctx
    kind = r["kind"]
    if kind == "qty":
        u = c["act_u"]
        return [_cell(rng.choice(["≥", "="])), _cell(num.quantity(c["act_tgt"], u, bare=True)), _cell(u),
                _cell(num.quantity(c["act_n"], u, bare=True))]
    if kind in ("quality", "sat", "time"):
        tv, av = (c["rate_tgt"], c["rate_v"]) if kind != "sat" else (c["sat_tgt"], c["sat"])
        return [_cell(rng.choice(["≥", "="])), _cell(num.percent(tv, bare=True)), _cell("%"), _cell(num.percent(av, bare=True))]
    if kind == "cost":
        u = rng.choice(["万元", "元"])
        b = money_scale(rng, 5e4, 5e6)
        return [_cell("≤"), _cell(num.money(b, u, bare=True)), _cell(u), _cell(num.money(b * rng.uniform(0.8, 1), u, bare=True))]
    return [_cell("定性"), _cell(rng.choice(["优良中低差", "有效提升", "明显改善"])), _cell(), _cell(Piece(claim=1), "达成预期指标", Piece(claim=-1))]


def table_scores(g: Gen) -> None:
    """部门整体支出 score table: 一级指标 分值 二级指标 分值 三级指标 分值 ... 得分."""
    rng, num, c = g.rng, g.num, g.ctx
    tree = [("投入", ["预算编制", "目标设定"], ["预算编制合理性", "绩效目标合理性", "绩效指标明确性"]),
            ("过程", ["预算执行", "预算管理", "资产管理"], ["预算执行率", "结转结余率", "三公经费控制率", "管理制度健全性", "资金使用合规性", "预决算信息公开", "资产管理安全性"]),
            ("产出", ["职责履行"], [c["ind_name"], c["rate"], "重点工作完成率", "工作完成及时性"]),
            ("效益", ["履职效益", "满意度"], ["社会效益", "可持续影响", "服务对象满意度"])]
    l1_weights = rng.choice([[20, 30, 30, 20], [15, 35, 30, 20], [10, 30, 40, 20], [20, 20, 40, 20]])
    explained = rng.random() < 0.5
    head = ["一级指标", "分值", "二级指标", "分值", "三级指标", "分值"] + (["评分标准"] if explained else []) + ["得分"]
    rows = [[_cell(h) for h in head]]
    total, l1_scores = 0.0, []
    for (l1, l2s, l3s), w1 in zip(tree, l1_weights):
        l2s = rng.sample(l2s, min(len(l2s), rng.randint(1, 2)))
        w2s = _weights(rng, len(l2s), w1)
        got1 = 0.0
        for j, (l2, w2) in enumerate(zip(l2s, w2s)):
            n3 = min(int(w2), rng.randint(1, 3))
            names = rng.sample(l3s, min(n3, len(l3s)))
            w3s = _weights(rng, len(names), w2)
            for k, (l3, w3) in enumerate(zip(names, w3s)):
                s = w3 if rng.random() < 0.75 else max(0.0, w3 - rng.choice([0.5, 1.0, 1.5, 2.0]))
                got1 += s
                row = [_cell(l1) if j == k == 0 else _cell(), _cell(num.score(w1, bare=True)) if j == k == 0 else _cell(),
                       _cell(l2) if k == 0 else _cell(), _cell(num.score(w2, bare=True)) if k == 0 else _cell(),
                       _cell(l3), _cell(num.score(w3, bare=True))]
                if explained:
                    row.append(g.expand(g.pick("rule")) if rng.random() < 0.6 else _cell(rng.choice(["", "按完成情况计分", "定性评价"])))
                row.append(_cell(num.score(s, bare=True)))
                rows.append(row)
        l1_scores.append(got1)
        total += got1
    stated = total if rng.random() < 0.85 else total + rng.choice([-2, -1, 1, 1.5])
    tail = [_cell(rng.choice(["总分", "合计"])), _cell(num.score(100, bare=True))] + [_cell() for _ in range(len(head) - 3)]
    tail.append(_cell(num.score(stated, bare=True)))
    rows.append(tail)
    c.update({"total": stated, "full": 100.0})
    for i, (name, s) in enumerate(zip([t[0] for t in tree], l1_scores), 1):
        c[f"l{i}_name"], c[f"l{i}"] = name, s
    flatten(g, rows)


def table_summary(g: Gen) -> None:
    """Result summary: 一级指标 / 权重 / 得分 / 得分率 / 等级."""
    rng, num = g.rng, g.num
    names = rng.choice([["投入", "过程", "产出", "效益"], ["决策", "过程", "产出", "效益"], ["预算执行率", "产出指标", "效益指标", "满意度指标"]])
    weights = rng.choice([[20, 30, 30, 20], [10, 50, 30, 10], [15, 25, 40, 20]])
    pct_bare = rng.random() < 0.5
    rows = [[_cell(h) for h in ["指标", rng.choice(["权重", "分值"]), "得分", "得分率（%）" if pct_bare else "得分率", "等级"]]]
    total = 0.0
    for n, w in zip(names, weights):
        s = w if rng.random() < 0.6 else round(w * rng.uniform(0.7, 0.99), 2)
        total += s
        grade = "优" if s / w >= 0.9 else "良"
        rows.append([_cell(n), _cell(num.score(w, bare=True, decimals=rng.choice([0, 2]))), _cell(num.score(s, bare=True, decimals=2)),
                     _cell(num.percent(s / w, bare=pct_bare, decimals=2)), _cell(grade)])
    rows.append([_cell("合计"), _cell(num.score(100, bare=True)), _cell(num.score(total, bare=True, decimals=2)), _cell(), _cell("优" if total >= 90 else "良")])
    g.ctx["total"] = total
    flatten(g, rows)


def table_finance(g: Gen) -> None:
    """收支 table: 项目 / 本年数（万元）/ 上年数 / 占比."""
    rng, num, c = g.rng, g.num, g.ctx
    unit = rng.choice(["万元", "万元", "元"])
    m = lambda y: num.money(y, unit, bare=True, decimals=2)  # noqa: E731
    g.text(rng.choice([f"单位：{unit}\n", f"金额单位：{unit}\n", ""]))
    prev_ratio = c["exp_prev"] / c["exp_total"]
    head = [_cell("项目"), _cell(f"本年数（{unit}）"), _cell(f"上年数（{unit}）"), _cell("占总支出比重")]
    rows = [head]
    for name, key in (("支出合计", "exp_total"), ("基本支出", "exp_basic"), ("其中：人员经费", "exp_pers"), ("公用经费", "exp_pub"), ("项目支出", "exp_proj")):
        rows.append([_cell(name), _cell(m(c[key])), _cell(m(c[key] * prev_ratio * rng.uniform(0.9, 1.1))),
                     _cell(num.percent(c[key] / c["exp_total"], decimals=2))])
    flatten(g, rows)


def table_projects(g: Gen) -> None:
    """A list of projects: 序号 / 项目名称 / 预算数 / 执行数 / 执行率 / 自评得分 / 等级."""
    rng, num, c = g.rng, g.num, g.ctx
    unit = rng.choice(["万元", "万元", "亿元", "元"])
    head = ["序号", "项目名称", f"预算数（{unit}）", f"执行数（{unit}）", "执行率", "自评得分", "评价等级"]
    rows = [[_cell(h) for h in head]]
    lo, hi = (6e7, 9e8) if unit == "亿元" else (5e4, 2e7)
    for i, name in enumerate(rng.sample(c["_projects"], min(len(c["_projects"]), rng.randint(2, 5))), 1):
        b = money_scale(rng, lo, hi)
        e = b if rng.random() < 0.5 else round(b * rng.uniform(0.6, 1.0), 2)
        s = rng.choice([100, 98, 95, 92.5, 90, 88, 85.5])
        rows.append([_cell(str(i)), _cell(name), _cell(num.money(b, unit, bare=True)), _cell(num.money(e, unit, bare=True)),
                     _cell(num.percent(e / b)), _cell(num.score(s, bare=True)), _cell("优" if s >= 90 else "良")])
    # row numbers glued to amounts would be unreadable even for a person
    flatten(g, rows, g.style.table_style if g.style.table_style != "run" else "spaces")


def table_basic_data(g: Gen) -> None:
    """基础数据 table: the unit of each row's number sits in its own cell."""
    rng, num, c = g.rng, g.num, g.ctx
    items = [("编制数", "人", c["staff_total"]), ("年末实有人数", "人", c["staff_act"]), ("内设机构数", "个", max(c["org_n"], 2)),
             ("公务用车数", "辆", rng.randint(0, 12)), ("“三公”经费预算数", "万元", c["sg_budget"]), ("“三公”经费决算数", "万元", c["sg_exec"]),
             ("政府采购金额", "万元", money_scale(rng, 1e4, 5e6)), ("固定资产总额", "万元", money_scale(rng, 1e5, 3e7)),
             ("编制数控制率", "%", c["staff_act"] / max(c["staff_total"], 1))]
    unit_first = rng.random() < 0.5
    rows = [[_cell(h) for h in (["指标", "单位", "数值"] if unit_first else ["指标", "数值", "单位"])]]
    for name, unit, x in rng.sample(items, rng.randint(4, len(items))):
        if unit == "%":
            cell = num.percent(min(x, 1.0), bare=True, decimals=2)
        elif unit == "万元":
            cell = num.money(x, "万元", bare=True, decimals=2)
        else:
            cell = num.quantity(x, unit, bare=True)
        rows.append([_cell(name), _cell(unit), _cell(cell)] if unit_first else [_cell(name), _cell(cell), _cell(unit)])
    flatten(g, rows)


# --------------------------------------------------------------------------- documents

CN_SECTION = "一二三四五六七八九十"


def _section_numeral(n: int) -> str:
    """一 … 十, 十一 … 十九, 二十 (section numbers, not counts: never 两)."""
    if n <= 10:
        return CN_SECTION[n - 1]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_SECTION[tens - 1]) + "十" + (CN_SECTION[ones - 1] if ones else "")


class Outline:
    """Section numbering: 一、 / （一） / 1. / （1）."""

    def __init__(self, g: Gen):
        self.g, self.n = g, [0, 0, 0]
        self.l3 = g.rng.choice(["{}.", "{}、", "{}．", "{}. "])

    def h1(self, title: str) -> None:
        self.n = [self.n[0] + 1, 0, 0]
        self.g.text(f"{_section_numeral(self.n[0])}、{title}{self.g.style.para_sep}")

    def h2(self, title: str) -> None:
        self.n[1] += 1
        self.n[2] = 0
        lp, rp = self.g.style.heading_paren
        self.g.text(f"{lp}{_section_numeral(self.n[1])}{rp}{title}{self.g.style.para_sep}")

    def h3(self) -> str:
        self.n[2] += 1
        return self.l3.format(self.n[2])


def header(g: Gen, title_group: str) -> None:
    rng = g.rng
    if rng.random() < 0.25:
        g.para("web_header", k=rng.randint(1, 2), joiner="\n")
    g.line(g.pick(title_group))
    if rng.random() < 0.3:
        g.line(f"（{g.ctx['proj']}）")
    if rng.random() < 0.6:
        for t in rng.sample(g.tpl["header_fields"], rng.randint(2, 5)):
            g.line(t)
    if rng.random() < 0.8:
        g.para("intro")


def achievements(g: Gen, o: Outline, n: int) -> None:
    """A run of completed-work items: claims with counts, rates, awards."""
    rng = g.rng
    style = rng.choice(["numbered", "yishi", "plain"])
    ordinals = "一二三四五六七八九十"
    items: list[list[Piece]] = []
    for _ in range(n):
        set_act(g)  # a fresh activity per item, expanded at once
        group = rng.choices(["achieve_act", "achieve_rate", "achieve_misc", "no_violation"], [0.45, 0.3, 0.17, 0.08])[0]
        items.append(g.expand(g.pick(group)))
    for i, pieces in enumerate(items):
        last = i == len(items) - 1
        if style == "plain" and i and _starts_plain_claim(pieces) and rng.random() < 0.3:
            pieces.insert(1, Piece(rng.choice(["并", "同时", "同时，", "且", "另外，"])))  # a connective stays inside
        if style == "numbered":
            g.text(o.h3())
        elif style == "yishi":
            g.text(f"{ordinals[i]}是")
        g.out.extend(pieces)
        if style == "numbered":
            g.text("。" + g.style.para_sep)
        elif style == "yishi":
            g.text("。" if last else "；")
        else:
            g.text("。" if last or rng.random() < 0.6 else "，")
    if style != "numbered":
        g.text(g.style.para_sep)


LEAD_IN = re.compile(r"[\d０-９]|截至|今年|目前|活动期间|通过|并|同时|且")


def _starts_plain_claim(pieces: list[Piece]) -> bool:
    """The item opens with a claim whose first words are no lead-in or connective already."""
    return len(pieces) > 1 and pieces[0].claim == 1 and not pieces[1].label and not pieces[1].claim \
        and bool(pieces[1].text) and not LEAD_IN.match(pieces[1].text)


def targets(g: Gen) -> None:
    g.line(g.pick("target_intro"))
    parts = []
    for _ in range(g.rng.randint(2, 4)):
        set_act(g)
        parts.append(g.expand(g.pick("targets")))
    for i, pieces in enumerate(parts):
        g.out.extend(pieces)
        g.text("；" if i < len(parts) - 1 else "。")
    g.text(g.style.para_sep)


def score_items(g: Gen, o: Outline) -> None:
    """Scored headings: 预算编制情况（28分）…自评得分25分."""
    rng, c = g.rng, g.ctx
    items = rng.sample(["预算编制情况", "预算执行情况", "信息公开", "绩效管理", "采购管理", "资产管理", "运行成本", "预算使用效益", "履职效能", "社会效益"], rng.randint(2, 5))
    for it in items:
        w = float(rng.choice([3, 4, 5, 6, 8, 10, 12, 15, 20, 28]))
        d = rng.choice([0.5, 1.0, 1.5, 2.0])
        s = w if rng.random() < 0.6 else w - d
        c.update({"item": it, "w": w, "s": s, "d": d})
        group = "score_item_full" if s == w else "score_item"
        g.text(o.h3())
        g.line(g.pick(group))


def _department_opening(g: Gen) -> Outline:
    """Figures, title and the 部门职责 heading shared by department reports and whole reports."""
    rng = g.rng
    set_finance(g)
    set_staff(g)
    set_counts(g)
    set_act(g)
    header(g, "title_dept")
    o = Outline(g)
    o.h1(rng.choice(["部门基本情况", "单位基本情况", "部门概况", "基本情况"]))
    o.h2(rng.choice(["部门职责", "机构设置及职能", "主要职能"]))
    g.line(g.pick("duty_intro"))
    return o


def build_department(g: Gen) -> None:
    rng = g.rng
    o = _department_opening(g)
    duties = rng.sample(g.ctx["_duties"], rng.randint(2, len(g.ctx["_duties"])))
    if rng.random() < 0.5:
        for i, d in enumerate(duties, 1):
            g.line(f"{i}. {d}", end="。")
    else:
        g.line("；".join(duties), end="。")
    g.para("org")
    o.h2(rng.choice(["人员情况", "人员编制情况", "部门人员编制构成"]))
    g.para("staff")
    if rng.random() < 0.3:
        g.para("list_count")
    o.h1(rng.choice(["部门整体收支情况", "部门预算及执行情况", "部门财政资金收支情况"]))
    g.para("income")
    if rng.random() < 0.6:
        g.para("income_change")
    g.para("expense")
    if rng.random() < 0.7:
        g.para("expense_change")
    if rng.random() < 0.35:
        table_finance(g)
    g.para("budget_exec_full" if rng.random() < 0.2 else "budget_exec")
    if rng.random() < 0.2:
        g.para("zero_money")
    if rng.random() < 0.6:
        g.para("sangong", k=rng.randint(1, 2))
    if rng.random() < 0.2:
        g.para("salary_rate")
    o.h1(rng.choice(["部门整体支出绩效目标及完成情况", "绩效目标完成情况", "年度工作完成情况"]))
    targets(g)
    for _ in range(rng.randint(1, 3)):
        achievements(g, o, rng.randint(2, 5))
    if rng.random() < 0.4:
        g.para("effects_para")
    if rng.random() < 0.5:
        g.para("count_total")
    if rng.random() < 0.5:
        g.para("distractors", k=rng.randint(1, 2))
    o.h1(rng.choice(["绩效自评情况", "自评结论", "部门整体支出绩效自评结果"]))
    if rng.random() < 0.4:
        g.para("procedure", k=rng.randint(1, 3))
    if rng.random() < 0.3:
        table_title(g, rng.choice(["部门整体支出绩效评价指标评分表", "整体绩效自评指标评分表", "部门整体支出绩效自评表"]))
        table_scores(g)
    else:
        set_scores(g, [100, 98, 97.5, 96, 95, 93, 91.5, 89, 86])
    set_grade(g)
    if rng.random() < 0.2:
        g.para("grade_rule")
    g.para("score_total")
    if rng.random() < 0.35:
        score_items(g, o)
    if rng.random() < 0.2:
        table_title(g, "绩效评价结果")
        table_summary(g)
    if rng.random() < 0.6:
        g.para("no_violation", k=rng.randint(1, 2), joiner="，", end="。")
    o.h1(rng.choice(["存在的问题", "存在的问题及原因分析", "主要问题"]))
    set_act(g)
    g.para("problems", k=rng.randint(1, 2))
    o.h1(rng.choice(["改进措施", "下一步改进措施", "改进措施及建议"]))
    g.para("measures", k=rng.randint(1, 3))
    if rng.random() < 0.3:
        table_title(g, "部门整体支出绩效自评表")
        table_budget(g)
        table_indicators(g)
    if rng.random() < 0.25:
        table_title(g, "部门整体支出绩效评价基础数据表")
        table_basic_data(g)
    if rng.random() < 0.2:
        g.para("web_footer")


def set_scores(g: Gen, choices: list[float]) -> None:
    """A total self-score, its four first-level parts and the matching grade."""
    rng = g.rng
    total = float(rng.choice(choices))
    g.ctx.update({"total": total, "full": 100.0, "l1_name": "投入", "l2_name": "过程", "l3_name": "产出", "l4_name": "效益"})
    g.ctx.update(dict(zip(("l1", "l2", "l3", "l4"), split_score(rng, total))))
    set_grade(g)


def set_grade(g: Gen) -> None:
    g.ctx["grade"] = g.rng.choice(g.data["grades_hi"] if g.ctx["total"] >= 90 else g.data["grades_mid"])


def split_score(rng: random.Random, total: float) -> list[float]:
    full = [20.0, 30.0, 30.0, 20.0]
    lost = 100 - total
    out = list(full)
    while lost > 0:
        i = rng.randrange(4)
        step = min(lost, 0.5 * rng.randint(1, 4), out[i])
        out[i] -= step
        lost -= step
    return out


def build_project(g: Gen) -> None:
    rng = g.rng
    set_project(g)
    set_act(g)
    set_finance(g)
    header(g, "title_proj")
    o = Outline(g)
    o.h1(rng.choice(["项目基本情况", "基本情况", "项目概况"]))
    g.para("proj_basis", k=rng.randint(1, 2))
    g.para("proj_funds")
    if rng.random() < 0.5:
        o.h1(rng.choice(["绩效自评工作开展情况", "自评工作组织情况"]))
        g.para("procedure", k=rng.randint(1, 3))
    o.h1(rng.choice(["项目绩效目标完成情况", "绩效目标完成情况分析", "项目绩效实现情况"]))
    o.h2(rng.choice(["资金投入情况", "项目资金情况", "资金到位及使用情况"]))
    g.para("proj_arrival" if rng.random() < 0.85 else "proj_exec")
    g.para("proj_exec")
    if rng.random() < 0.6:
        g.para("proj_manage")
    o.h2(rng.choice(["绩效指标完成情况", "项目绩效指标完成情况", "产出和效益情况"]))
    for group in ("ind_qty", "ind_quality", "ind_time", "ind_cost", "ind_benefit", "ind_sat"):
        if rng.random() < 0.8:
            set_act(g)
            g.para(group)
    if rng.random() < 0.4:
        achievements(g, o, rng.randint(2, 4))
    if rng.random() < 0.35:
        g.para("effects_para")
    if rng.random() < 0.4:
        g.para("distractors", k=rng.randint(1, 2))
    set_scores(g, [100, 99, 98.5, 98.14, 96, 95, 93, 90, 88.5, 85])
    o.h1(rng.choice(["自评结论", "自评得分情况", "综合评价结论"]))
    g.para("score_total_proj")
    o.h1(rng.choice(["存在的问题及改进措施", "偏离绩效目标的原因和下一步改进措施", "存在问题和建议"]))
    g.para("problems", k=rng.randint(1, 2))
    g.para("measures", k=rng.randint(1, 2))
    if rng.random() < 0.6:
        project_table(g)


def project_table(g: Gen) -> None:
    """项目支出绩效自评表: head cells, budget block, goals, indicators."""
    rng, c = g.rng, g.ctx
    table_title(g, rng.choice(["项目支出绩效自评表", "部门预算项目支出绩效自评表", "转移支付项目绩效目标自评表"]))
    flatten(g, [[_cell("项目名称"), _cell(c["proj"])],
                [_cell("主管部门"), _cell(c["agency"]), _cell("实施单位"), _cell(c["agency"])]])
    table_budget(g)
    note = rng.choice(["", "", "", "（200字以内）", "(200字以内)", "（100字以内）", "(300字以内)"])  # a form instruction
    flatten(g, [[_cell("年度总体目标" + (note if rng.random() < 0.5 else "")), _cell("预期目标"), _cell("实际完成情况" + note)]])
    set_act(g)
    goal = g.expand(g.pick("targets"))
    done = g.expand(g.pick("achieve_act"))
    flatten(g, [[_cell(), goal, done]])
    table_indicators(g)
    if rng.random() < 0.5:
        flatten(g, [[_cell("评价结论"), g.expand(g.pick("score_total_proj"))], [_cell("存在问题"), _cell(rng.choice(["无", "无。", "部分指标设置不够细化"]))]])


def build_table_doc(g: Gen) -> None:
    """A page that is mostly tables, as many published 自评表 are."""
    rng = g.rng
    set_finance(g)
    set_staff(g)
    set_project(g)
    set_act(g)
    set_scores(g, [100, 98, 95, 93, 90, 88])
    if rng.random() < 0.5:
        g.para("web_header", k=rng.randint(1, 3), joiner="\n")
    kind = rng.choice(["project", "department", "list"])
    if kind == "project":
        if rng.random() < 0.5:
            g.line("{proj}绩效自评综述：根据年初设定的绩效目标，项目绩效自评得分为{S:total}。全年预算数为{A:p_total}，执行数为{A:p_exec}，[[完成预算的{P:p_rate}]]。")
        project_table(g)
    elif kind == "department":
        table_title(g, rng.choice(["部门整体支出绩效自评表", "部门（单位）整体支出绩效自评表"]))
        flatten(g, [[_cell("部门名称"), _cell(g.ctx["agency"]), _cell("财政供养人数"), _cell("合计：", g.num.quantity(g.ctx["staff_act"], "人"))]])
        table_budget(g)
        table_indicators(g)
        if rng.random() < 0.2:
            table_scores(g)
        if rng.random() < 0.4:
            table_basic_data(g)
    else:
        g.line("{agency}{year}年度项目支出绩效评价情况表")
        table_projects(g)
        if rng.random() < 0.5:
            table_summary(g)
    if rng.random() < 0.4:
        g.para("debris", k=rng.randint(1, 2), joiner="\n")
    if rng.random() < 0.3:
        g.para("web_footer")


# ------------------------------------------------------------------ whole reports and excerpts

RESULT_AREAS = ["重点工作完成情况", "履职效能", "产出完成情况", "效益实现情况", "服务效能明显提升", "营商环境持续优化",
                "基础保障更加有力", "管理效率", "民生保障工作", "行业监管工作"]  # headings: topic phrases, never claims
TAIL_CHARS = 400  # what a report still grows by after its last growth step (conclusion, problems, measures), less the overshoot


def doc_chars(g: Gen) -> int:
    return sum(len(p.text) for p in g.out)


def project_block(g: Gen, o: Outline) -> None:
    """One project's analysis inside a whole report: funds, execution, indicators."""
    rng, c = g.rng, g.ctx
    set_project(g)
    set_act(g)
    c["proj"] = g.fresh("_projects", c["_projects"])
    o.h2(c["proj"] if rng.random() < 0.7 else c["proj"] + rng.choice(["绩效情况", "实施情况", "自评情况"]))
    g.para("proj_basis", k=rng.randint(1, 2))
    g.para("narrative", k=rng.randint(1, 3))
    g.para("proj_funds")
    g.para("proj_arrival")
    g.para("proj_exec")
    if rng.random() < 0.5:
        g.para("proj_manage")
    if rng.random() < 0.35:  # the project's funds table
        table_budget(g)
    for group in rng.sample(["ind_qty", "ind_quality", "ind_time", "ind_cost", "ind_benefit", "ind_sat"], rng.randint(2, 4)):
        set_act(g)
        g.para(group)
    if rng.random() < 0.2:
        achievements(g, o, rng.randint(2, 3))
    if rng.random() < 0.3:
        g.para("effects_para")


def build_report(g: Gen, target: int = 7000) -> None:
    """A whole 部门整体支出绩效自评报告, every section present, grown to about ``target`` characters
    by further work areas and project analyses (real reports: 5,000-9,000 characters)."""
    rng = g.rng
    o = _department_opening(g)
    numbered = rng.random() < 0.6
    for i, d in enumerate(rng.sample(g.ctx["_duties"], len(g.ctx["_duties"])), 1):
        g.line(f"{i}. {d}" if numbered else d, end="。")
    g.para("org")
    o.h2(rng.choice(["人员情况", "人员编制情况", "部门人员编制构成"]))
    g.para("staff")
    if rng.random() < 0.4:
        g.para("list_count")
    o.h2(rng.choice(["年度主要工作", "年度重点工作任务", "工作开展情况"]))
    g.para("narrative", k=rng.randint(2, 4))
    o.h1(rng.choice(["部门整体收支情况", "部门预算及执行情况", "部门财政资金收支情况"]))
    g.para("income")
    g.para("income_change")
    g.para("expense")
    g.para("expense_change")
    if rng.random() < 0.7:
        table_finance(g)
    g.para("budget_exec_full" if rng.random() < 0.2 else "budget_exec")
    if rng.random() < 0.5:
        g.para("zero_money")
    g.para("sangong", k=rng.randint(1, 3))
    if rng.random() < 0.4:
        g.para("salary_rate")
    g.para("narrative", k=rng.randint(1, 2))
    o.h1(rng.choice(["部门整体支出绩效目标及完成情况", "绩效目标完成情况", "年度工作完成情况", "绩效目标实现情况"]))
    targets(g)
    share = rng.uniform(0.3, 0.7)  # of the growth: work areas, the rest project analyses
    for i, area in enumerate(rng.sample(RESULT_AREAS, 8)):
        o.h2(area)
        g.para("narrative", k=rng.randint(2, 4))
        achievements(g, o, rng.randint(2, 4))
        if rng.random() < 0.5:
            g.para("effects_para")
        if i and doc_chars(g) + TAIL_CHARS > target - (1 - share) * (target - 2000):
            break
    if rng.random() < 0.7:
        g.para("count_total", k=rng.randint(1, 2))
    g.para("distractors", k=rng.randint(1, 3))
    if doc_chars(g) + TAIL_CHARS < target - 300:
        o.h1(rng.choice(["项目支出绩效情况", "重点项目绩效情况", "项目支出绩效目标完成情况"]))
        for _ in range(16):
            project_block(g, o)
            if doc_chars(g) + TAIL_CHARS >= target:
                break
    o.h1(rng.choice(["绩效自评情况", "自评结论", "部门整体支出绩效自评结果"]))
    if rng.random() < 0.6:
        g.para("procedure", k=rng.randint(1, 3))
    if rng.random() < 0.4:
        table_title(g, rng.choice(["部门整体支出绩效评价指标评分表", "整体绩效自评指标评分表"]))
        table_scores(g)
    else:
        set_scores(g, [100, 98, 97.5, 96, 95, 93, 91.5, 89, 86])
    set_grade(g)
    if rng.random() < 0.35:
        g.para("grade_rule")
    g.para("score_total")
    if rng.random() < 0.5:
        score_items(g, o)
    g.para("no_violation", k=rng.randint(1, 3), joiner="，", end="。")
    o.h1(rng.choice(["存在的问题", "存在的问题及原因分析", "主要问题"]))
    set_act(g)
    g.para("problems", k=rng.randint(1, 3))
    o.h1(rng.choice(["改进措施", "下一步改进措施", "改进措施及建议"]))
    g.para("measures", k=rng.randint(2, 4))
    if rng.random() < 0.75:  # the 自评表 attached to the report
        table_title(g, "部门整体支出绩效自评表")
        table_budget(g)
        table_indicators(g)
    if rng.random() < 0.5:
        table_title(g, "部门整体支出绩效评价基础数据表")
        table_basic_data(g)
    if rng.random() < 0.2:
        g.para("web_footer")


def build_project_report(g: Gen, target: int = 6000) -> None:
    """A whole 项目支出绩效自评报告 whose project has several parts (sub-projects or funds),
    each analysed in turn until the report reaches about ``target`` characters."""
    rng, c = g.rng, g.ctx
    set_project(g)
    set_act(g)
    set_finance(g)
    header(g, "title_proj")
    o = Outline(g)
    o.h1(rng.choice(["项目基本情况", "基本情况", "项目概况"]))
    g.para("proj_basis", k=2)
    g.para("proj_funds")
    g.para("targets", k=rng.randint(2, 3), joiner="；", end="。")
    g.para("narrative", k=rng.randint(1, 3))
    o.h1(rng.choice(["绩效自评工作开展情况", "自评工作组织情况"]))
    g.para("procedure", k=rng.randint(2, 3))
    o.h1(rng.choice(["项目绩效目标完成情况", "绩效目标完成情况分析", "项目绩效实现情况"]))
    o.h2(rng.choice(["资金投入情况", "项目资金情况", "资金到位及使用情况"]))
    g.para("proj_arrival")
    g.para("proj_exec")
    if rng.random() < 0.3:
        g.para("zero_money")
    g.para("proj_manage", k=rng.randint(1, 2))
    o.h2(rng.choice(["绩效指标完成情况", "项目绩效指标完成情况", "产出和效益情况"]))
    for group in ("ind_qty", "ind_quality", "ind_time", "ind_cost", "ind_benefit", "ind_sat"):
        set_act(g)
        g.para(group, k=rng.randint(1, 2))
    achievements(g, o, rng.randint(2, 5))
    if rng.random() < 0.6:
        g.para("effects_para")
    proj = c["proj"]
    for _ in range(14):
        if doc_chars(g) + TAIL_CHARS >= target:
            break
        project_block(g, o)
    c["proj"] = proj
    g.para("distractors", k=rng.randint(1, 2))
    set_scores(g, [100, 99, 98.5, 98.14, 96, 95, 93, 90, 88.5, 85])
    o.h1(rng.choice(["自评结论", "自评得分情况", "综合评价结论"]))
    if rng.random() < 0.3:
        g.para("grade_rule")
    g.para("score_total_proj")
    o.h1(rng.choice(["存在的问题及改进措施", "偏离绩效目标的原因和下一步改进措施", "存在问题和建议"]))
    g.para("problems", k=rng.randint(1, 2))
    g.para("measures", k=rng.randint(1, 3))
    if rng.random() < 0.8:
        project_table(g)


def crop_excerpt(pieces: list[Piece], rng: random.Random, lo: int = 500, hi: int = 1100) -> list[Piece]:
    """A run of whole paragraphs (or table rows) of ``lo``-``hi`` characters, as the pool
    excerpts are cut from reports; it never splits a claim."""
    starts, at = [0], [0]  # piece index where a paragraph starts, and its character offset
    depth = n = 0
    for i, p in enumerate(pieces):
        depth += p.claim
        n += len(p.text)
        if depth == 0 and p.text.endswith("\n"):
            starts.append(i + 1)
            at.append(n)
    if n <= hi:
        return pieces
    want = rng.uniform(lo, hi)
    for _ in range(10):
        a = rng.randrange(len(starts) - 1)
        b = bisect.bisect_left(at, at[a] + want, lo=a + 1)
        if b < len(at) and lo <= at[b] - at[a] <= hi * 1.2:
            return pieces[starts[a] : starts[b]]
    return pieces


def build_excerpt(g: Gen) -> None:
    """A pool-style excerpt: a window of 500-1,100 characters cut from a whole report."""
    rng = g.rng
    if rng.random() < 0.6:
        build_report(g, target=rng.randint(2500, 4000))
    else:
        build_project_report(g, target=rng.randint(2500, 4000))
    g.out = crop_excerpt(g.out, rng)


def _build_whole(g: Gen) -> None:
    target = g.rng.randint(5000, 9000)
    if g.rng.random() < 0.65:
        build_report(g, target)
    else:
        build_project_report(g, target)


BUILDERS: dict[str, Callable[[Gen], None]] = {"department": build_department, "project": build_project, "table": build_table_doc,
                                              "report": _build_whole, "excerpt": build_excerpt}
KIND_WEIGHTS = [0.24, 0.22, 0.21, 0.15, 0.18]  # short reports and table pages, whole reports, pool-style excerpts


# --------------------------------------------------------------------------- rendering


def make_style(rng: random.Random, noise: float, clean_share: float) -> Style:
    level = 0.0 if rng.random() < clean_share else noise * rng.uniform(0.3, 1.7)
    return Style(
        money_unit=rng.choices(["万元", "元", "亿元", "千元"], [0.7, 0.22, 0.05, 0.03])[0],
        thousands=rng.random() < 0.35,
        unit_space=rng.choice([0.0, 0.0, 0.5, 0.9]),
        num_space=rng.choice([0.0, 0.0, 0.0, 0.6, 0.95]),
        pct_sign="％" if rng.random() < 0.1 else "%",
        latex=level > 0 and rng.random() < 0.12,
        fullwidth=level > 0 and rng.random() < 0.07,
        traditional=level > 0 and rng.random() < 0.04,
        noise=level,
        wrap=rng.randint(22, 60) if level > 0 and rng.random() < 0.15 else 0,
        table_style=rng.choices(["tab", "spaces", "pipe", "cells", "run"], [0.27, 0.27, 0.2, 0.15, 0.11])[0],
        para_sep=rng.choice(["\n", "\n", "\n\n"]),
        heading_paren=rng.choice([("（", "）"), ("（", "）"), ("(", ")")]),
    )


class Renderer:
    """Pieces -> text with OCR noise; offsets counted as characters are written."""

    def __init__(self, rng: random.Random, style: Style):
        self.rng, self.s = rng, style
        self.buf: list[str] = []
        self.n = 0
        self.col = 0
        self.last = ""
        z = style.noise
        # per character of prose: drop, double, misread, stray line break, page break
        self.events = [("drop", 0.004 * z), ("dup", 0.003 * z), ("confuse", 0.0015 * z), ("break", 0.004 * z), ("page", 0.0006 * z)]
        self.p_event = sum(p for _, p in self.events)
        self.p_num_space = 0.2 * z  # 24, 028, 491. 84
        self.p_span_break = 0.02 * z  # a line break inside a number
        self.p_span_fw = 0.03 * z
        self.page = self.rng.randint(1, 5)

    def put(self, s: str) -> None:
        if not s:
            return
        self.buf.append(s)
        self.n += len(s)
        nl = s.rfind("\n")
        self.col = len(s) - nl - 1 if nl >= 0 else self.col + len(s)
        self.last = s[-1]

    def render(self, pieces: list[Piece]) -> tuple[str, list[dict[str, Any]], list[list[int]]]:
        spans: list[dict[str, Any]] = []
        claims: list[list[int]] = []
        open_at: int | None = None
        pieces = _merge_plain(pieces)
        for i, p in enumerate(pieces):
            if p.claim == 1:
                open_at = self.n
            elif p.claim == -1:
                if open_at is not None:
                    claims.append([open_at, self.n])
                open_at = None
            elif p.label:
                start, end = self.span(p)
                spans.append({"start": start, "end": end, "label": p.label, "value": p.value, "unit": p.unit,
                              "precision": p.precision, "bare_cell": p.bare, "context_unit": p.context_unit})
            else:
                self.plain(p.text, p.table, next_is_num=_next_is_num(pieces, i))
        text = "".join(self.buf)
        return text, spans, [c for c in (_trim(text, a, b) for a, b in claims) if c]

    # -- plain text
    def plain(self, text: str, table: bool, next_is_num: bool) -> None:
        s, rng = self.s, self.rng
        if s.num_space and CJK.match(text[:1] or " ") and self.last.isdigit() and rng.random() < s.num_space:
            self.put(" ")  # 726 项 ... the space after a number
        if s.num_space and DIGIT.search(text):
            text = CJK_DIGIT_GAP.sub(lambda m: " " if rng.random() < s.num_space else "", text)
        if s.noise and rng.random() < 0.1 * s.noise:
            text = YEAR.sub(lambda m: " ".join(m.group(1)), text)  # 2 0 2 4
        if s.fullwidth:
            text = text.translate(FULLWIDTH)
        if s.traditional:
            text = text.translate(TRAD)
        if not s.noise:
            self.put(text)
        else:
            self._noisy(text, table)
        if next_is_num and s.num_space and CJK.match(self.last or " ") and rng.random() < s.num_space:
            self.put(" ")  # 我区 726 项: the space before a number

    def _noisy(self, text: str, table: bool) -> None:
        """Character noise at geometrically spaced events, then hard wrapping."""
        rng = self.rng
        out: list[str] = []
        pos = 0
        i = self._skip()
        while i < len(text):
            ch = text[i]
            if CJK.match(ch):
                kind = rng.choices([k for k, _ in self.events], [p for _, p in self.events])[0]
                if table and kind in ("break", "page"):
                    kind = "drop"
                out.append(text[pos:i])
                pos = i + 1
                if kind == "dup":
                    out.append(ch + ch)
                elif kind == "confuse":
                    out.append(OCR_CONFUSE.get(ch, ch))
                elif kind == "break":
                    out.append("\n" + ch)
                elif kind == "page":
                    self.page += 1
                    out.append(rng.choice(["\n\n", f"\n- {self.page} -\n", f"\n— {self.page} —\n", f"\n第 {self.page} 页\n"]) + ch)
            i += 1 + self._skip()
        out.append(text[pos:])
        text = "".join(out)
        if self.s.wrap and not table:
            text = self._wrap(text)
        self.put(text)

    def _skip(self) -> int:
        """Characters until the next noise event (geometric)."""
        if self.p_event <= 0:
            return 1 << 30
        return int(math.log(1.0 - self.rng.random()) / math.log(1.0 - self.p_event))

    def _wrap(self, text: str) -> str:
        """Break lines at the page width, counting from the current column."""
        width, col, out = self.s.wrap, self.col, []
        for ch in text:
            if ch == "\n":
                col = -1
            elif col >= width:
                out.append("\n")
                col = 0
            out.append(ch)
            col += 1
        return "".join(out)

    # -- value spans
    def span(self, p: Piece) -> tuple[int, int]:
        rng, s = self.rng, self.s
        text = p.text
        if s.noise:
            text = self._number_noise(text)
        if (s.fullwidth or rng.random() < self.p_span_fw) and "\\" not in text:  # not inside LaTeX
            text = text.translate(FULLWIDTH)
        if s.traditional or (s.noise and p.label == "QUANTITY" and rng.random() < 0.02):
            # traditional multipliers and measure words (2.5萬戶, 931項, 12個): the value is unchanged
            text = text.translate(SPAN_TRAD) if p.label == "QUANTITY" else text.replace("万", "萬").replace("亿", "億")
        if s.wrap and not p.table and self.col >= s.wrap:
            self.put("\n")
        start = self.n
        if s.noise and len(text) > 2 and rng.random() < self.p_span_break + (0.3 if s.wrap and not p.table and self.col + len(text) > s.wrap else 0):
            cut = _break_point(text, rng)
            if cut:
                text = text[:cut] + "\n" + text[cut:]
        self.put(text)
        return start, self.n

    def _number_noise(self, text: str) -> str:
        """Spaces the normaliser takes out again: after , and ., before the unit."""
        rng = self.rng
        if rng.random() < self.p_num_space:
            text = re.sub(r"(?<=\d)([,.])(?=\d)", lambda m: m.group(1) + " " if rng.random() < 0.6 else m.group(1), text)
        if rng.random() < self.p_num_space * 0.3:
            text = re.sub(r"(?<=\d)(?=\.\d)", " ", text, count=1)
        if rng.random() < self.p_num_space:
            text = re.sub(r"(?<=\d)(?=[万亿元%个项件人户笔条台篇次家宗名天所套场批份张处座辆册期吨亩公平分])", " ", text, count=1)
        return text


def _break_point(text: str, rng: random.Random) -> int | None:
    """Where a line may break inside a number so that it still reads: after , or . or before the unit."""
    spots = [m.end() for m in re.finditer(r"\d[,.，．] ?(?=[\d０-９])", text)]
    spots += [m.start() for m in re.finditer(r"(?<=[\d０-９]) ?(?=万元|亿元|元|%|％|个百分点)", text)]
    spots = [i for i in spots if 0 < i < len(text)]
    return rng.choice(spots) if spots else None


def _merge_plain(pieces: list[Piece]) -> list[Piece]:
    """Join runs of plain text (same table flag) so noise and spacing see whole stretches."""
    out: list[Piece] = []
    run: list[str] = []  # texts of the plain run being built (joined once, when it ends)
    run_table = False

    def flush() -> None:
        if run:
            out.append(Piece("".join(run), table=run_table))
            run.clear()

    for p in pieces:
        if p.label or p.claim:
            flush()
            out.append(p)
        elif p.text:
            if run and run_table != p.table:
                flush()
            run_table = p.table
            run.append(p.text)
    flush()
    return out


def _next_is_num(pieces: list[Piece], i: int) -> bool:
    for p in pieces[i + 1 :]:
        if p.claim:
            continue
        return bool(p.label) and (p.text[:1].isdigit())
    return False


def _trim(text: str, a: int, b: int) -> list[int] | None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and (text[b - 1].isspace() or text[b - 1] in "。；;，,"):
        b -= 1
    return [a, b] if b - a >= 2 else None


# --------------------------------------------------------------------------- API


def generate(n_docs: int, seed: int = 0, *, noise: float = 1.0, clean_share: float = 0.25, start: int = 0) -> list[dict[str, Any]]:
    """Each dict: {"id", "text", "spans", "claims", "synthetic": True}.

    ``noise`` scales the OCR noise (0 = every document clean, 1 = moderate);
    ``clean_share`` of the documents get none at all. Documents depend only on
    (seed, index), so a longer run starts with the same documents.
    """
    data = load_templates()
    docs = []
    for i in range(start, start + n_docs):
        rng = random.Random(f"synth:{seed}:{i}")
        style = make_style(rng, noise, clean_share if noise > 0 else 1.0)
        g = Gen(rng, style, make_context(rng, data), data)
        kind = rng.choices(list(BUILDERS), KIND_WEIGHTS)[0]
        BUILDERS[kind](g)
        text, spans, claims = Renderer(rng, style).render(g.out)
        docs.append({"id": f"synth-{i + 1:06d}", "text": text, "spans": spans,
                     "claims": [{"start": a, "end": b} for a, b in claims], "synthetic": True, "kind": kind})
    return docs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.synth", description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=500, help="number of documents")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--noise", type=float, default=1.0, help="OCR noise scale: 0 clean, 1 moderate, 2 heavy")
    ap.add_argument("--clean-share", type=float, default=0.25, help="share of documents left without noise")
    ap.add_argument("--out", type=Path, default=None, help="JSON Lines file (default: stdout)")
    args = ap.parse_args(argv)
    docs = generate(args.n, args.seed, noise=args.noise, clean_share=args.clean_share)
    lines = (json.dumps(d, ensure_ascii=False) + "\n" for d in docs)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with args.out.open("w", encoding="utf-8") as fh:
            fh.writelines(lines)
        n_spans = sum(len(d["spans"]) for d in docs)
        print(f"wrote {len(docs)} documents, {n_spans} value spans to {args.out}", file=sys.stderr)
    else:
        sys.stdout.writelines(lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
