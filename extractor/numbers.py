"""The number reader: numeric expressions and value spans to normalised readings.

``parse_number`` reads a bare numeric expression (Arabic, Chinese, mixed,
fractions, e-notation); ``read_value`` reads the text of a value span for a
label (AMOUNT, PERCENT, SCORE, QUANTITY) into a :class:`~extractor.types.Reading`
in the label's base unit.

All arithmetic is done in ``decimal.Decimal`` and converted to ``float`` at
the end, so ``285.53 万元`` is exactly ``2855300.0``.

Precision
---------
``precision`` is the stated resolution, in the reading's unit:

- Arabic digits: the last written place, zeros included (``726`` -> 1,
  ``2.50`` -> 0.01, ``285.53万`` -> 100, ``3千万`` -> 1e7).
- Chinese numerals: the place of the last non-zero digit (``一千二百万`` -> 1e6,
  ``二百五`` -> 10); digits after 点 count like Arabic decimals (``两千点零`` -> 0.1).
- ``几`` stands for an unknown digit: the resolution is the place above it
  (``二十几万`` -> 1e5).
- A fraction over a power of ten (百分之, 千分之, 1/100) is a rounded decimal:
  numerator precision / denominator (``百分之九十五`` -> 0.01). Any other
  fraction (三分之一), a mixed number and a power (``2^5``) are exact:
  precision 0.
- Percentages are fractions: ``99.47%`` -> 0.0001, ``九成`` -> 0.1; a
  percentage is stated to at least one unit of its form (``百分之百`` -> 0.01,
  ``十成`` -> 0.1), whatever the place of its last non-zero digit.

Interval (``Reading.lower``/``Reading.upper``)
----------------------------------------------
With ``v`` the value, ``p`` its precision, ``L`` the place of its last
non-zero digit (``160`` -> 10, ``285.53万`` -> 100, ``100万`` -> 1e6) and
``S = min(L, max(p, |v|/10))`` the step of an outside qualifier (one unit of
the last non-zero place, but never more than a tenth of the value, so that
``约100万`` is 90万..110万 rather than 0..200万):

- plain figure: ``[v - p/2, v + p/2]``, the rounding interval. Whole counts
  and scores get it too (±0.5); a checker may treat them as exact.
- ``余``/``多`` written into the number: ``[v, v + L]`` (160余 -> 160..170,
  十余万 -> 10万..20万, 500余万 -> 500万..600万); right after a multiplier
  the remainder is less than one of it: ``[v, v + p]`` (10万余 -> 10万..11万).
- ``几`` in the number: ``[v, v + p]`` (二十几万 -> 20万..30万); a leading
  几/数 counts as one (数十万 -> 10万..110万).
- qualifier, given as ``qualifier=`` or found at either end of the span text:

  ============================================  ==========================
  约 大约 大概 左右 上下 ≈ ~                    ``[v - S, v + S]``
  超 超过 逾 突破 多于 大于 高于 >              ``[v, v + S]``
  不低于 不少于 不小于 至少 ≥ 以上 及以上       ``[v - p/2, v + S]``
  近 将近 接近 不到 不足 少于 小于 低于 <       ``[v - S, v]``
  不超过 不高于 不多于 不大于 至多 ≤ 以下 以内  ``[v - S, v + p/2]``
  达 达到 为 共 共计 合计 累计                  plain; ``approximate`` None
  ============================================  ==========================

  Bounds such as 超/不低于 have no upper limit in meaning; ``S`` is a
  convention. With both an in-number and an outside approximation the
  interval is their union. For a negative value the rule applies to the
  magnitude and the interval is mirrored.

``Reading.approximate`` is the outside qualifier when it approximates, else
the in-number word (余/多/几/数), else None.

Labels
------
- AMOUNT: 元, unit "元". Yuan words 元 圆 块 人民币 RMB ¥ (with 万/亿/千
  multipliers, and 角/毛/分 after 元). Foreign currency (美元, 港元, $ ...)
  gives None: it cannot be put in 元. A bare number is multiplied by
  ``context_unit`` (万元 -> 1e4) when it has no multiplier of its own, and is
  taken as 元 without one.
- PERCENT: fraction, unit "%" (or "个百分点" for percentage points, "‰" for
  per mille, "个千分点" for per-mille points): ``%``, ``‰`` (``3‰`` -> 0.003,
  precision 0.001), 百分之/千分之/万分之..., 个百分点, 个千分点
  (``0.5个千分点`` -> 0.0005), 成, 折 (``七五折`` -> 0.75, ``9.5折`` -> 0.95,
  对折/半折 -> 0.5). A bare number is a percentage only with ``context_unit``
  "%" (a ratio such as 0.85 is not a PERCENT).
- SCORE: points, unit "分"; with or without the trailing 分.
- QUANTITY: the count, unit = the measure word after the number, in
  simplified form (``人次``, ``点次``, ``个工作日``, ``平方公里`` ...; otherwise
  the first character: ``七个方面`` -> "个"; ``931項`` -> "项", ``98小時`` ->
  "小时"); ``一吨半``/``一个半小时`` add a half. A Latin-letter unit at the end
  is the unit as written, never a multiplier and never converted (``2000M``
  -> 2000 "M", ``290kg`` -> 290 "kg", ``3.51万t`` -> 35100 "t"); bare
  ``parse_number("2.5M")`` still reads 2.5e6. A bare number takes its
  multiplier and unit from ``context_unit`` (``万亩`` -> ×1e4, "亩") or has
  unit None.

cn2an is not used at run time: precision needs a walk over the digits, which
cn2an does not expose. The tests use it as an independent check of the
plain-numeral readings.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Context, Decimal, localcontext

from extractor.types import Reading

__all__ = ["NumberReading", "parse_number", "read_value"]


@dataclass(frozen=True)
class NumberReading:
    value: float
    precision: float
    approximate: str | None = None


# --------------------------------------------------------------------------
# Normalisation

_CHAR_MAP = str.maketrans(
    {
        "萬": "万", "億": "亿", "點": "点", "負": "负", "兩": "两", "倆": "两",
        "個": "个", "幾": "几", "餘": "余", "圓": "圆", "數": "数", "〇": "零",
        "○": "零", "壹": "一", "贰": "二", "貳": "二", "弍": "二", "叁": "三",
        "參": "三", "叄": "三", "肆": "四", "伍": "五", "陆": "六", "陸": "六",
        "柒": "七", "捌": "八", "玖": "九", "拾": "十", "佰": "百", "仟": "千",
        "幺": "一", "約": "约", "達": "达", "過": "过", "將": "将",
        "於": "于", "為": "为", "計": "计", "塊": "块", "錢": "钱", "幣": "币", "對": "对",
        "−": "-", "－": "-",
    }
)
_LATEX = [("\\%", "%"), ("\\leq", "≤"), ("\\geq", "≥"), ("\\le", "≤"), ("\\ge", "≥"),
          ("\\approx", "≈"), ("\\sim", "~"), ("\\,", ""), ("\\;", "")]


def _norm(text: str) -> str:
    """NFKC (full-width digits and punctuation) plus traditional/financial numerals."""
    return unicodedata.normalize("NFKC", text).translate(_CHAR_MAP)


def _clean_span(text: str) -> str:
    """A span's text without whitespace, LaTeX remnants or stray end punctuation."""
    s = _norm(text)
    if "\\" in s or (len(s) > 2 and s.startswith("$") and s.endswith("$")):
        for macro, symbol in _LATEX:
            s = s.replace(macro, symbol)
        s = s.replace("$", "").replace("{", "").replace("}", "")
    s = re.sub(r"\s+", "", s)
    return s.strip(",，。;；:：、")


# --------------------------------------------------------------------------
# Tokens

ZERO, ONE, TEN, HALF = Decimal(0), Decimal(1), Decimal(10), Decimal("0.5")
_CTX = Context(prec=40)

_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_TENS = {"廿": 2, "卅": 3, "卌": 4}  # 廿 = 二十
_SMALL = {"十": Decimal(10), "百": Decimal(100), "千": Decimal(1000)}
_BIG = {"万": Decimal(10) ** 4, "亿": Decimal(10) ** 8, "兆": Decimal(10) ** 12}
_SUFFIX = {"k": Decimal(1000), "K": Decimal(1000), "M": Decimal(10) ** 6, "打": Decimal(12)}
_ARABIC = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?|\.[0-9]+")


@dataclass
class _Num:
    value: Decimal
    precision: Decimal
    approximate: str | None = None
    denominator: Decimal | None = None  # set for a fraction
    approx_ratio: Decimal = ONE  # an in-number approximation spans [v, v + ratio * precision]


def _decimal_places(text: str) -> Decimal:
    return ONE.scaleb(-len(text.split(".")[1])) if "." in text else ONE


def _tokenize(s: str) -> list[tuple] | None:
    """Tokens: ("num", value, precision, single_digit), ("digit", d, char),
    ("few", char), ("small", U), ("big", M), ("point",), ("approx", w),
    ("half",), ("suffix", factor). None on any other character."""
    tokens: list[tuple] = []
    i = 0
    while i < len(s):
        m = _ARABIC.match(s, i)
        if m:
            raw = m.group().replace(",", "")
            single = len(raw) == 1
            tokens.append(("num", Decimal(raw), _decimal_places(raw), single))
            i = m.end()
            continue
        c = s[i]
        if c in _DIGITS:
            tokens.append(("digit", _DIGITS[c], c))
        elif c in _TENS:
            tokens += [("digit", _TENS[c], c), ("small", TEN)]
        elif c in _SMALL:
            tokens.append(("small", _SMALL[c]))
        elif c in _BIG:
            tokens.append(("big", _BIG[c]))
        elif c in "几数":
            tokens.append(("few", c))
        elif c == "点":
            tokens.append(("point",))
        elif c in "余多":
            tokens.append(("approx", c))
        elif c == "半":
            tokens.append(("half",))
        elif c in _SUFFIX:
            tokens.append(("suffix", _SUFFIX[c]))
        else:
            return None
        i += 1
    return tokens


# --------------------------------------------------------------------------
# Plain numbers (no sign, no fraction)


def _min(a: Decimal | None, b: Decimal) -> Decimal:
    return b if a is None else min(a, b)


def _digit_string(tokens: list[tuple]) -> _Num | None:
    """二〇二三, 一〇〇: Chinese digits read place by place."""
    digits = "".join(str(t[1]) for t in tokens)
    return _Num(Decimal(digits), ONE)


def _is_digit_string(tokens: list[tuple]) -> bool:
    """Only with a 〇/零 in it: 三五个 and 一两天 are ranges, 五一 a holiday."""
    return (
        len(tokens) >= 2
        and all(t[0] == "digit" and t[2] != "两" for t in tokens)
        and any(t[1] == 0 for t in tokens)
    )


class _Plain:
    """Walks the tokens of a plain number.

    Big units (万 亿 兆) multiply everything before them that is smaller than
    they are (四千五百六十九万八千三百一十一亿 = 45698311亿); a big unit right
    after another compounds (万万 = 亿, 万亿). A lone digit right after a unit
    is one place below it (二百五 = 250, 九万四 = 94000) unless a 零 came
    between (五亿零六).
    """

    def __init__(self, bare_big: bool = False) -> None:
        self.bare_big = bare_big  # 万 alone is one 万 (only as a denominator: 万分之三)
        self.stack: list[list[Decimal]] = []  # [value, magnitude, precision]
        self.section = ZERO
        self.sec_prec: Decimal | None = None
        self.pending: tuple[Decimal, Decimal, bool] | None = None  # value, precision, may shorthand
        self.last_unit: Decimal | None = None
        self.last_small: Decimal | None = None
        self.zero = False
        self.seen = False
        self.approx: str | None = None
        self.in_approx = False  # 余/多 seen: only a multiplier may follow
        self.approx_after_big = False  # 10万余: the remainder is below one 万

    def flush_pending(self, at_end: bool) -> None:
        if self.pending is None:
            return
        value, prec, shorthand = self.pending
        if at_end and shorthand and self.last_unit is not None and not self.zero:
            value, prec = value * self.last_unit / TEN, prec * self.last_unit / TEN
        self.section += value
        self.sec_prec = _min(self.sec_prec, prec)
        self.pending = None

    def total(self) -> tuple[Decimal, Decimal | None]:
        value, prec = self.section, self.sec_prec
        for v, _mag, p in self.stack:
            value += v
            prec = _min(prec, p)
        return value, prec

    def small(self, unit: Decimal) -> bool:
        if self.last_small is not None and unit >= self.last_small:
            return False  # 十百, 百百: not a numeral
        value, prec = (self.pending[0], self.pending[1]) if self.pending else (ONE, ONE)
        self.section += value * unit
        self.sec_prec = _min(self.sec_prec, prec * unit)
        self.pending, self.last_unit, self.last_small, self.zero = None, unit, unit, False
        return True

    def big(self, unit: Decimal, prev: str | None) -> bool:
        self.flush_pending(at_end=False)
        if self.sec_prec is None:
            if prev == "big" and self.stack:  # 万万, 万亿: compound
                v, mag, p = self.stack[-1]
                self.stack[-1] = [v * unit, mag * unit, p * unit]
                self.last_unit, self.last_small = unit, None
                return True
            if self.stack or self.zero or not self.bare_big:
                return False
            self.section, self.sec_prec = ONE, ONE  # 万 alone, as in 万分之三
        value, prec = self.section, self.sec_prec
        while self.stack and self.stack[-1][1] < unit:
            v, _mag, p = self.stack.pop()
            value += v
            prec = min(prec, p)
        self.stack.append([value * unit, unit, prec * unit])
        self.section, self.sec_prec = ZERO, None
        self.last_unit, self.last_small, self.zero = unit, None, False
        return True

    def point(self, tokens: list[tuple], i: int) -> int | None:
        """Chinese 点 and the digits after it; returns the index after them."""
        self.flush_pending(at_end=True)
        value, _prec = self.total()
        if not self.seen:
            return None
        j, digits = i + 1, ""
        while j < len(tokens) and tokens[j][0] == "digit":
            digits += str(tokens[j][1])
            j += 1
        if not digits and j < len(tokens) and tokens[j][0] == "num" and tokens[j][2] == ONE:
            digits = str(tokens[j][1])
            j += 1
        if not digits:
            return None
        self.stack, self.section, self.sec_prec = [], ZERO, None
        self.pending = (value + Decimal("0." + digits), ONE.scaleb(-len(digits)), False)
        self.last_unit = self.last_small = None
        return j


def _read_plain(tokens: list[tuple], bare_big: bool = False) -> _Num | None:
    if not tokens:
        return None
    if _is_digit_string(tokens):
        return _digit_string(tokens)
    st = _Plain(bare_big)
    prev: str | None = None
    i, n = 0, len(tokens)
    while i < n:
        tok = tokens[i]
        kind = tok[0]
        if st.in_approx and kind not in ("big", "suffix"):
            return None
        if kind in ("num", "digit", "few"):
            if st.pending is not None:
                return None
            after_unit = prev in ("small", "big")
            if kind == "num":
                st.pending = (tok[1], tok[2], tok[3] and after_unit)
            elif tok[1] == 0:
                st.zero = True
            elif kind == "digit":
                if tok[2] == "两" and n > 1 and (i + 1 == n or tokens[i + 1][0] not in ("small", "big", "point")):
                    return None  # 两 as a digit only before a unit (两百, 两万) or alone
                st.pending = (Decimal(tok[1]), ONE, after_unit)
            else:  # 几/数: an unknown digit; the resolution is the place above it
                if tok[1] == "数" and (i + 1 == n or tokens[i + 1][0] != "small"):
                    return None
                leading = not st.seen
                st.pending = (ONE if leading else ZERO, TEN, after_unit)
                st.approx = tok[1]
            st.seen = True
        elif kind == "small":
            if not st.small(tok[1]):
                return None
            st.seen = True
        elif kind == "big":
            if not st.big(tok[1], prev):
                return None
            st.seen = True
        elif kind == "approx":
            if not st.seen or st.approx:
                return None
            st.in_approx, st.approx = True, tok[1]
            st.approx_after_big = prev == "big"
        elif kind == "half":
            if i == 0 and n > 1 and tokens[1][0] in ("small", "big"):  # 半百
                st.pending, st.seen = (HALF, HALF, False), True
            elif i == n - 1 and prev in ("small", "big") and st.last_unit is not None:  # 一万半
                st.section += st.last_unit / 2
                st.sec_prec = _min(st.sec_prec, st.last_unit / 2)
            else:
                return None
        elif kind == "point":
            j = st.point(tokens, i)
            if j is None:
                return None
            i, prev = j, "num"
            continue
        elif kind == "suffix":  # 40k, 2.5M, 五十打: only at the end
            if i != n - 1 or not st.seen:
                return None
            st.flush_pending(at_end=True)
            value, prec = st.total()
            if prec is None:
                return None
            return _with_approx(value * tok[1], prec * tok[1], st)
        prev = kind
        i += 1
    st.flush_pending(at_end=True)
    value, prec = st.total()
    if prec is None:
        return _Num(ZERO, ONE) if st.zero and not st.approx else None
    return _with_approx(value, prec, st)


def _with_approx(value: Decimal, prec: Decimal, st: _Plain) -> _Num:
    """余/多 stand for up to one unit of the last non-zero place (160余 -> 160..170,
    十余万 -> 10万..20万), or of the multiplier they follow (10万余 -> 10万..11万)."""
    ratio = ONE
    if st.approx in ("余", "多") and not st.approx_after_big:
        ratio = _last_place(abs(value), prec) / prec
    return _Num(value, prec, st.approx, None, ratio)


# --------------------------------------------------------------------------
# Signs, fractions, exponents

_E_NOTATION = re.compile(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE]([+-]?[0-9]+)")
_POWER = re.compile(r"([0-9]+(?:\.[0-9]+)?)\^([+-]*)([0-9]+(?:\.[0-9]+)?)")
_MIXED_ARABIC = re.compile(r"([+-]?)([0-9]+)\s+([0-9]+)\s*/\s*([0-9]+)")


def _split_sign(s: str) -> tuple[bool, str]:
    if s[:1] in ("-", "负"):
        return True, s[1:]
    if s[:1] == "+":
        return False, s[1:]
    return False, s


def _read_simple(s: str, bare_big: bool = False) -> _Num | None:
    """A plain number, e-notation (-127.32e13) or a power (2.5^-1); no sign."""
    if not s:
        return None
    m = _E_NOTATION.fullmatch(s)
    if m:
        mantissa, exponent = m.group(1), int(m.group(2))
        return _Num(Decimal(mantissa).scaleb(exponent), _decimal_places(mantissa).scaleb(exponent))
    m = _POWER.fullmatch(s)
    if m:
        exponent = Decimal(m.group(3))
        if m.group(2).count("-") % 2:  # --23 is +23
            exponent = -exponent
        return _Num(Decimal(m.group(1)) ** exponent, ZERO)
    tokens = _tokenize(s)
    return _read_plain(tokens, bare_big) if tokens else None


def _is_power_of_ten(d: Decimal) -> bool:
    return d >= TEN and d == d.to_integral_value() and d.normalize().as_tuple().digits == (1,)


def _fraction(den: _Num | None, num: _Num | None) -> _Num | None:
    if den is None or num is None or den.value == 0:
        return None
    prec = num.precision / den.value if _is_power_of_ten(den.value) else ZERO
    return _Num(num.value / den.value, prec, None, den.value)


def _read_signed_simple(s: str) -> _Num | None:
    negative, body = _split_sign(s)
    r = _read_simple(body)
    if r is not None and negative:
        r.value = -r.value
    return r


def _read_unsigned(s: str) -> _Num | None:
    if "又" in s:  # 三百五又三分之一, 3又一千分之23
        whole_s, _, frac_s = s.partition("又")
        whole, frac = _read_simple(whole_s), _read_unsigned(frac_s)
        if whole is None or frac is None or frac.denominator is None:
            return None
        return _Num(whole.value + frac.value, frac.precision, None, frac.denominator)
    if "分之" in s:  # 五分之一, 百分之九十五, 负3分之负157 (the numerator may carry a sign)
        den_s, _, num_s = s.partition("分之")
        return _fraction(_read_simple(den_s, bare_big=True), _read_signed_simple(num_s))
    if "/" in s:
        num_s, _, den_s = s.partition("/")
        return _fraction(_read_simple(den_s), _read_simple(num_s))
    return _read_simple(s)


def _read(s: str) -> _Num | None:
    """Read a normalised, whitespace-free numeric expression."""
    negative, body = _split_sign(s)
    if not body:
        return None
    try:
        with localcontext(_CTX):
            r = _read_unsigned(body)
    except ArithmeticError:  # decimal overflow (1e999999999), 0^-1
        return None
    if r is not None and negative:
        r.value = -r.value
    return r


def _read_text(text: str) -> _Num | None:
    s = _norm(text).strip()
    m = _MIXED_ARABIC.fullmatch(s)
    if m:  # 1 3/5: the space separates the whole part from the fraction
        frac = _read(f"{m.group(3)}/{m.group(4)}")
        if frac is None:
            return None
        value = Decimal(m.group(2)) + frac.value
        return _Num(-value if m.group(1) == "-" else value, frac.precision, None, frac.denominator)
    return _read(re.sub(r"\s+", "", s))


def parse_number(text: str) -> NumberReading | None:
    """Read a bare numeric expression.

    Arabic with thousands separators (1,100.9 / 24,028,491.84), stray spaces
    inside ("24, 028, 491. 84", "7 萬5 千4 百"), full-width digits and
    punctuation (４，５６５ / ２．４), Chinese numerals simple/financial/traditional
    (一千八百零三, 壹佰伍拾, 两, 廿, 〇, 四千萬零五十, 九万四, 二百五, 一千六点五),
    mixed (1.2亿, 3千万, 2.3万, 10万万), negatives (负/負/-), fractions (三分之一,
    16分之5, 一百分之五十五点五七九, 壹萬分之肆, 又 as in 負壹又二分之壹),
    e-notation and powers (-127.32e13, 2.5^-1), .5 ; also 40k / 2.5M / 一打.
    Returns None if it is not a number.
    """
    if not isinstance(text, str) or not text.strip():
        return None
    r = _read_text(text)
    if r is None or not _finite(r.value):
        return None
    return NumberReading(float(r.value), float(r.precision), r.approximate)


def _finite(value: Decimal) -> bool:
    return value.is_finite() and abs(value) < Decimal("1e300")


# --------------------------------------------------------------------------
# Value spans

_ABOUT = {"约", "大约", "约为", "大概", "大致", "约合", "左右", "上下", "≈", "~", "〜"}
_OVER = {"超", "超过", "逾", "突破", "多于", "大于", "高于", "过", ">"}
_AT_LEAST = {"不低于", "不少于", "不小于", "至少", "最少", "≥", ">=", "以上", "及以上"}
_UNDER = {"近", "将近", "接近", "逼近", "不到", "不足", "少于", "小于", "低于", "未满", "<"}
_AT_MOST = {"不超过", "不高于", "不多于", "不大于", "至多", "最多", "≤", "<=", "以下", "以内"}
_NEUTRAL = {"达", "达到", "为", "是", "共", "共计", "合计", "累计", "计", "总计", "实现", "完成"}
_QUALIFIERS = _ABOUT | _OVER | _AT_LEAST | _UNDER | _AT_MOST | _NEUTRAL
_TRAILING_QUALIFIERS = ("及以上", "以上", "以下", "以内", "左右", "上下")
_LEADING_QUALIFIERS = tuple(sorted(_QUALIFIERS - set(_TRAILING_QUALIFIERS), key=len, reverse=True))


_Approx = tuple[str, Decimal]  # an in-number approximation: (word, ratio)


def _approximating(qualifier: str | None) -> bool:
    return qualifier is not None and qualifier in _QUALIFIERS and qualifier not in _NEUTRAL


def _last_place(value: Decimal, precision: Decimal) -> Decimal:
    """Place of the last non-zero digit: 160 -> 10, 2855300 (p=100) -> 100."""
    if precision <= 0 or value == 0:
        return precision
    # Count trailing zeros on the digits written (value / precision is a whole number).
    digits = (value / precision).to_integral_value()
    step = precision
    while digits and digits % TEN == 0:
        digits, step = digits / TEN, step * TEN
    return step


def _interval(value: Decimal, prec: Decimal, in_number: _Approx | None, qualifier: str | None) -> tuple[Decimal, Decimal]:
    m = abs(value)
    half, last = prec / 2, _last_place(m, prec)
    lo, hi = m - half, m + half
    if in_number is not None:
        lo, hi = m, m + in_number[1] * prec
    if _approximating(qualifier):
        step = min(last, max(prec, m / TEN)) if m else prec
        if qualifier in _ABOUT:
            q = (m - step, m + step)
        elif qualifier in _OVER:
            q = (m, m + step)
        elif qualifier in _AT_LEAST:
            q = (m - half, m + step)
        elif qualifier in _UNDER:
            q = (m - step, m)
        else:  # _AT_MOST
            q = (m - step, m + half)
        lo, hi = (min(lo, q[0]), max(hi, q[1])) if in_number else q
    return (-hi, -lo) if value < 0 else (lo, hi)


def _split_qualifiers(s: str, qualifier: str | None) -> tuple[str, str | None]:
    """Qualifiers inside the span text (约100万元, 95%以上) are used like outside ones."""
    if s.endswith(_TRAILING_QUALIFIERS):  # one C call rules out the common case
        for word in _TRAILING_QUALIFIERS:
            if s.endswith(word) and len(s) > len(word):
                s, qualifier = s[: -len(word)], qualifier or word
                break
    if s.startswith(_LEADING_QUALIFIERS):
        for word in _LEADING_QUALIFIERS:
            if s.startswith(word) and len(s) > len(word):
                s, qualifier = s[len(word):], qualifier or word
                break
    return s, qualifier


# Units whose first character is also a multiplier: 12千米 is 12 km, not 12000 米.
_PREFIXED_UNITS = tuple(
    """千米 千克 千瓦时 千瓦 千卡 千焦 千帕 千伏 千赫兹 千赫 千字节 千比特 千兆
    兆瓦 兆字节 兆赫兹 兆赫 兆比特 兆帕 兆焦""".split()
)


def _read_number_prefix(s: str, units: tuple[str, ...] = ()) -> tuple[_Num, str] | None:
    """The longest prefix that reads as a plain (non-fraction) number, and the rest;
    a shorter prefix wins when the rest then starts with one of ``units``."""
    longest = None
    for end in range(len(s), 0, -1):
        head = s[:end]
        if "分之" in head or "/" in head or "又" in head:
            continue
        r = _read(head)
        if r is None:
            continue
        if units and s[end:].startswith(units):
            return r, s[end:]
        if longest is None:
            longest = (r, s[end:])
            if not units:
                break
    return longest


def _read_whole(s: str) -> _Num | None:
    """The whole string as a plain (non-fraction) number."""
    r = _read(s) if s else None
    return r if r is not None and r.denominator is None else None


# A value reader returns (value, precision, unit, in-number approximation).
_Value = tuple[Decimal, Decimal, str, "_Approx | None"]


def _approx(num: _Num) -> _Approx | None:
    return (num.approximate, num.approx_ratio) if num.approximate else None

_YUAN_PREFIXES = ("人民币", "RMB", "CNY", "¥")
_YUAN_WORDS = ("元人民币", "元整", "元", "圆", "块钱", "块", "人民币", "RMB")
_SUBUNIT = re.compile(r"(?:([^角毛分]+)[角毛])?(?:([^角毛分]+)分)?钱?")
_OWN_MULTIPLIER = re.compile(r"[万亿兆kKM]|[0-9][千百]")


def _yuan_factor(unit: str | None) -> Decimal | None:
    """万元 -> 1e4, 元 -> 1, 亿元 -> 1e8; None when not a yuan unit."""
    if unit is None:
        return None
    u = re.sub(r"[\s()（）\[\]【】]", "", _norm(unit))
    for word in _YUAN_WORDS:
        if u.endswith(word):
            u = u[: -len(word)]
            break
    else:
        if u not in ("万", "亿", "千", "百万", "千万"):
            return None
    if not u:
        return ONE
    r = _read("1" + u)
    return r.value if r is not None else None


def _read_amount(s: str, context_unit: str | None) -> _Value | None:
    for prefix in _YUAN_PREFIXES:
        if s.upper().startswith(prefix):
            s = s[len(prefix):]
            break
    split = _read_number_prefix(s)
    if split is None:
        return None
    num, rest = split
    value, prec = num.value, num.precision
    if not rest:
        factor = _yuan_factor(context_unit)
        if factor is not None and not _OWN_MULTIPLIER.search(s):
            value, prec = value * factor, prec * factor
        return value, prec, "元", _approx(num)
    word = next((w for w in _YUAN_WORDS if rest.upper().startswith(w)), None)
    if word is None:
        return None  # 美元, 港元, 个比特币 ...: not yuan
    after = rest[len(word):]
    if after:  # 5元3毛, 50元6角三分
        m = _SUBUNIT.fullmatch(after)
        if m is None or not (m.group(1) or m.group(2)) or word not in ("元", "块", "圆"):
            return None
        for part, place in ((m.group(1), Decimal("0.1")), (m.group(2), Decimal("0.01"))):
            if part:
                sub = _read_whole(part)
                if sub is None:
                    return None
                value += sub.value * place
                prec = min(prec, sub.precision * place)
    return value, prec, "元", _approx(num)


def _capped(prec: Decimal) -> Decimal:
    """A percentage is stated to at least one unit of its form (百分之百: 1%, 十成: 10%),
    not to the place of its last non-zero Chinese digit."""
    return min(prec, ONE)


def _read_percent(s: str, context_unit: str | None) -> _Value | None:
    hundred = Decimal(100)
    if s in ("对折", "半折"):
        return HALF, Decimal("0.1"), "%", None
    thousand = Decimal(1000)
    for suffix, scale, unit in (("%", hundred, "%"), ("‰", thousand, "‰"),
                                ("个百分点", hundred, "个百分点"), ("百分点", hundred, "个百分点"),
                                ("个千分点", thousand, "个千分点"), ("千分点", thousand, "个千分点")):
        if s.endswith(suffix):
            r = _read_whole(s[: -len(suffix)])
            return (r.value / scale, _capped(r.precision) / scale, unit, _approx(r)) if r else None
    if "分之" in s:  # 百分之九十五, 千分之2.4, 百万分之五
        r = _read(s)
        if r is None or r.denominator is None or not _is_power_of_ten(r.denominator):
            return None
        return r.value, _capped(r.precision * r.denominator) / r.denominator, "%", None
    if s.endswith("折"):
        return _read_discount(s[:-1])
    if "成" in s:
        return _read_tenths(s)
    if context_unit is not None:
        ctx = re.sub(r"\s", "", _norm(context_unit))
        if "%" in ctx or "百分点" in ctx:
            r = _read_whole(s)
            unit = "%" if "%" in ctx else "个百分点"
            return (r.value / hundred, _capped(r.precision) / hundred, unit, _approx(r)) if r else None
    return None


def _read_discount(head: str) -> _Value | None:
    """七五折 = 75%, 9.5折 = 95%, 三折 = 30%: two places read as hundredths, one as tenths."""
    if len(head) == 2 and all(c in _DIGITS and c != "两" for c in head):  # 七五, 九九
        r: _Num | None = _Num(Decimal(10 * _DIGITS[head[0]] + _DIGITS[head[1]]), ONE)
    else:
        r = _read_whole(head)
    if r is None or r.value <= 0:
        return None
    scale = Decimal(100) if r.value >= TEN else TEN
    return r.value / scale, _capped(r.precision) / scale, "%", _approx(r)


def _read_tenths(s: str) -> _Value | None:
    """九成 = 90%, 七成六 = 76%, 三成半 = 35%, 半成 = 5%."""
    head, _, tail = s.partition("成")
    r = _Num(HALF, HALF) if head == "半" else _read_whole(head)
    if r is None:
        return None
    value, prec = r.value, r.precision
    if tail == "半":
        value, prec = value + HALF, min(prec, HALF)
    elif tail:
        t = _read_whole(tail)
        if t is None or t.precision != ONE or not 0 <= t.value <= 9:
            return None
        value, prec = value + t.value / TEN, min(prec, Decimal("0.1"))
    return value / TEN, _capped(prec) / TEN, "%", _approx(r)


def _read_score(s: str, context_unit: str | None) -> _Value | None:
    r = _read_whole(s[:-1] if s.endswith("分") else s)
    return (r.value, r.precision, "分", _approx(r)) if r else None


_MEASURE_WORDS = sorted(
    """个工作日 工作日 个小时 小时 个月 个季度 分钟 人次 户次 车次 架次 台次 件次 班次 批次 场次 期次
    点次 点位 部门 课时 学时 平方米 平方公里 平方千米 立方米 公里 公斤 公顷 公分""".split()
    + list(_PREFIXED_UNITS),
    key=len,
    reverse=True,
)
_ASCII_UNIT = re.compile(r"[A-Za-z]+")
# A Latin-letter unit at the end of a QUANTITY span (2000M, 290kg, 3.51万t, 100Mbps,
# 25m2, 1.2km²): the unit as written, never a multiplier and never converted.
_LATIN_UNIT = re.compile(r"[A-Za-z]+(?:[²³]|(?<=[mM])[23])?(?:[/·].+)?")

# Traditional forms of measure-word characters, so that units are stored simplified
# (931項 -> 项, 98小時 -> 小时, 12場次 -> 场次). Applied to the unit part only.
_UNIT_CHARS = str.maketrans(
    {
        "個": "个", "項": "项", "場": "场", "時": "时", "間": "间", "處": "处", "張": "张",
        "條": "条", "筆": "笔", "戶": "户", "戸": "户", "臺": "台", "檯": "台", "類": "类",
        "輛": "辆", "車": "车", "噸": "吨", "畝": "亩", "頃": "顷", "棟": "栋", "冊": "册",
        "縣": "县", "門": "门", "種": "种", "隻": "只", "雙": "双", "組": "组", "號": "号",
        "屆": "届", "輪": "轮", "節": "节", "課": "课", "頁": "页", "區": "区", "鄉": "乡",
        "鎮": "镇", "廠": "厂", "館": "馆", "層": "层", "頭": "头", "碼": "码", "則": "则",
        "單": "单", "隊": "队", "環": "环", "歲": "岁", "週": "周", "鐘": "钟", "線": "线",
        "網": "网", "團": "团", "園": "园", "學": "学", "樣": "样", "級": "级", "樁": "桩",
        "盞": "盏", "輯": "辑", "裏": "里", "裡": "里", "釐": "厘", "機": "机", "擔": "担",
    }
)


def _measure_word(rest: str) -> tuple[str, str] | None:
    """(unit, what follows it) at the start of ``rest``."""
    for word in _MEASURE_WORDS:
        if rest.startswith(word):
            return word, rest[len(word):]
    m = _ASCII_UNIT.match(rest)
    if m:
        return m.group(), rest[m.end():]
    if rest == "两":  # 三十两: the weight; 一两天 is a range
        return rest, ""
    if rest and unicodedata.category(rest[0]) == "Lo" and _tokenize(rest[0]) is None:
        return rest[0], rest[1:]
    return None  # no unit, or a numeral (五一个, 三五个: not one count)


def _split_latin_unit(s: str) -> tuple[str, str] | None:
    """(number part, unit) when ``s`` ends in a Latin-letter unit after the number
    (2000M, 290kg, 10万kW·h, 5kg/人); e-notation (2e3) is a number, not a unit."""
    letter = re.search(r"[A-Za-z]", s)
    if letter is None or letter.start() == 0 or _E_NOTATION.fullmatch(s):
        return None
    m = _LATIN_UNIT.fullmatch(s, letter.start())
    return (s[: letter.start()], m.group()) if m else None


def _context_unit(context_unit: str) -> tuple[Decimal, str | None] | None:
    """A bare cell's multiplier and unit from its header: 个 -> (1, 个), 万人 -> (1e4, 人),
    万亩 -> (1e4, 亩), kg -> (1, kg), 万t -> (1e4, t), 万 -> (1e4, None); None when the
    header does not read as a unit."""
    ctx = re.sub(r"[\s()（）\[\]【】]", "", _norm(context_unit)).translate(_UNIT_CHARS)
    latin = _split_latin_unit("1" + ctx)
    if latin is not None:
        factor = _read_whole(latin[0])
        if factor is not None:
            return factor.value, latin[1]
    split = _read_number_prefix("1" + ctx, _PREFIXED_UNITS)
    if split is None:
        return None
    if not split[1]:
        return split[0].value, None
    found = _measure_word(split[1])
    return (split[0].value, found[0]) if found is not None else None


def _read_quantity(s: str, context_unit: str | None) -> _Value | None:
    latin = _split_latin_unit(s)
    num = _read_whole(latin[0]) if latin is not None else None
    if latin is not None and num is not None:
        # 2000M is 2000 M (bandwidth), 290kg is 290 kg: the unit as written, no multiplier
        return num.value, num.precision, latin[1], _approx(num)
    split = _read_number_prefix(s, _PREFIXED_UNITS)
    if split is None:
        return None
    num, rest = split
    value, prec = num.value, num.precision
    if not rest:  # a bare count: multiplier and unit from the context, else no unit
        ctx = _context_unit(context_unit) if context_unit and context_unit.strip() else (ONE, None)
        if ctx is None:
            return None
        return value * ctx[0], prec * ctx[0], ctx[1], _approx(num)
    rest = rest.translate(_UNIT_CHARS)
    half = rest.startswith("个半")  # 一个半小时
    if half:
        rest = "个" + rest[2:]
    found = _measure_word(rest)
    if found is None:
        return None
    unit, after = found
    if after == "半" and not half:  # 一吨半
        half = True
    if half:
        value, prec = value + HALF, min(prec, HALF)
    return value, prec, unit, _approx(num)


_READERS = {"AMOUNT": _read_amount, "PERCENT": _read_percent, "SCORE": _read_score, "QUANTITY": _read_quantity}


def read_value(
    text: str, label: str, *, context_unit: str | None = None, qualifier: str | None = None
) -> Reading | None:
    """Reading of a value span's text (noise included) for label AMOUNT|PERCENT|SCORE|QUANTITY.

    See the module docstring for units, precision and the lower/upper rules.
    Returns None when the text does not read as a number of that label.
    """
    reader = _READERS.get(label)
    if reader is None or not isinstance(text, str):
        return None
    s, qualifier = _split_qualifiers(_clean_span(text), _norm(qualifier).strip() if qualifier else None)
    if not s:
        return None
    try:
        with localcontext(_CTX):
            got = reader(s, context_unit)
            if got is None or not _finite(got[0]):
                return None
            value, prec, unit, in_number = got
            lo, hi = _interval(value, prec, in_number, qualifier)
    except ArithmeticError:  # beyond the decimal context: not a figure of a report
        return None
    return Reading(
        value=float(value),
        unit=unit,
        precision=float(prec),
        lower=float(lo),
        upper=float(hi),
        approximate=qualifier if _approximating(qualifier) else (in_number[0] if in_number else None),
    )
