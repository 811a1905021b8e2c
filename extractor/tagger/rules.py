"""The rule labeler: regular expressions over the normalised working text.

It is the pre-annotator, the baseline the model must beat, and the fallback
when no model is installed. It finds values that carry their own unit
(万元, %, 分, 项 ...), scores after a scoring keyword, bare numbers in
table columns whose header names a unit, and bare numbers whose next table
cell is a unit. It does not find claims.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractor.normalise import Normalised, normalise
from extractor.types import TaggedSpan

_AR = r"(?:\d+(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_CN_DIGIT = "零〇一二两三四五六七八九壹贰叁肆伍陆柒捌玖廿"
_CN_PLACE = "十百千拾佰仟"
_CN_BIG = "万亿萬億"
# A Chinese numeral starts with a digit or 十 (十五); 百件/千家 alone are set phrases.
_CN = rf"(?:[{_CN_DIGIT}十拾][{_CN_DIGIT}{_CN_PLACE}{_CN_BIG}点]*)"
# An Arabic number may carry a Chinese multiplier: 3千万, 1.2亿, 24.5万.
_NUM = rf"(?:{_AR}(?:[千百]?[{_CN_BIG}])?|{_CN})"
_APPROX_IN = r"(?:余|多)?"

_MONEY_UNIT = r"(?:万元|亿元|千元|元|圆|萬元|億元|万圆|萬圆)"
_MEASURE_WORDS = sorted(
    """个工作日 工作日 人次 户次 小时 个月 平方米 平方公里 公里 千米 学时 课时 批次 个 项 件 人 户 笔 条 台 篇 次 家 宗 路 架 名
    天 所 套 场 批 份 张 处 座 辆 册 本 期 类 种 吨 亩 株 棵 头 间 栋 幢 支 部 轮 堂 起 单 例 位 颗 辖 期次 分钟 周
    公顷 平方千米 立方米 公斤 千克 米 千瓦""".split(),
    key=len,
    reverse=True,
)
# Measured quantities written with Latin units (LABELS.md: "any other counted or measured
# quantity"): 1429.39hm2, 290kg, 3.51万t, 25m², 2000M (bandwidth). Not followed by a letter.
_LATIN_MEASURE = r"(?:[hk]?m[²³23]?|kg|kWh|kW|MW|t|M)(?![A-Za-z])"
_MEASURE = "(?:" + "|".join(map(re.escape, _MEASURE_WORDS)) + "|" + _LATIN_MEASURE + ")"

# What may not stand right before a value (it would be part of another token).
_LEFT = r"(?<![\d.,A-Za-z第])"
# What may not follow a number for it to end there.
_NUM_END = r"(?![\d.])"

_PATTERNS: list[tuple[str, re.Pattern[str], float]] = [
    ("PERCENT", re.compile(rf"{_LEFT}百分之{_NUM}"), 0.95),
    ("PERCENT", re.compile(rf"{_LEFT}{_NUM}{_NUM_END}(?:%|‰|个百分点)"), 0.97),
    ("AMOUNT", re.compile(rf"{_LEFT}{_NUM}{_NUM_END}{_APPROX_IN}{_MONEY_UNIT}"), 0.97),
    # 分 as points, not 分钟/分之/分析/分别/分类/分配/分局...
    ("SCORE", re.compile(rf"{_LEFT}{_AR}{_NUM_END}分(?![钟之析别类配解局散布担摊项批期享工级值])"), 0.93),
    ("QUANTITY", re.compile(rf"{_LEFT}{_NUM}{_NUM_END}{_APPROX_IN}{_MEASURE}(?!百分点)"), 0.85),
]

# Bare scores after a scoring keyword: 自评分数 98 / 自评得分：100
_SCORE_KEYWORD = re.compile(rf"(?:自评得分|自评分数|自评总分|综合得分|评价得分|得分|总分|分值|自评分)[为是：:\s]*({_AR})(?![\d.%％万元分项个])")

# Not values: dates, document numbers, phone numbers, ranks; candidates
# overlapping these are dropped.
_EXCLUDE = re.compile(
    r"\d{2,4}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?"
    r"|\d{1,2}\s*月\s*\d{1,2}\s*[日号]"
    r"|[〔\[【(（]\s*\d{4}\s*[〕\]】)）]\s*\d+\s*号"
    r"|\d{3,4}-\d{7,8}|1[3-9]\d{9}"
    r"|第\s*[\d一二三四五六七八九十百]+\s*[名位次届批期章条款项个]"
    r"|\d+\s*年一遇"
    r"|[×x]\s*100\s*%"
)

# A single 一 before a measure word is usually a set phrase (一件事, 一个平台).
_SET_PHRASE_NUMERALS = {"一", "两", "二"}

_QUALIFIER_BEFORE = re.compile(r"(?:约|近|超过|超|逾|达到|达|突破|大于|小于|不低于|不少于|不超过|高于|低于|≥|≤|>|<)\s*$")


# (start, end, label, confidence, context unit of a bare table cell)
_Candidate = tuple[int, int, str, float, "str | None"]


@dataclass(frozen=True)
class RuleTagger:
    """Tag value spans with regular expressions."""

    name: str = "rules"

    def tag(self, text: str, normalised: Normalised | None = None) -> list[TaggedSpan]:
        work = normalised if normalised is not None else normalise(text)
        found = _find_working_spans(work.text)
        spans: list[TaggedSpan] = []
        for start, end, label, confidence, context_unit in found:
            o_start, o_end = work.to_original(start, end)
            spans.append(TaggedSpan(o_start, o_end, label, confidence, context_unit))
        return spans

    def find_working(self, work_text: str) -> list[_Candidate]:
        """Spans over the working text itself (the model's rule features)."""
        return _find_working_spans(work_text)


def _find_working_spans(work: str) -> list[_Candidate]:
    excluded = [(m.start(), m.end()) for m in _EXCLUDE.finditer(work)]
    candidates: list[_Candidate] = []
    for label, pattern, confidence in _PATTERNS:
        for match in pattern.finditer(work):
            start, end = match.start(), match.end()
            if label == "QUANTITY" and not _plausible_quantity(work, start, end):
                continue
            candidates.append((start, end, label, confidence, None))
    for match in _SCORE_KEYWORD.finditer(work):
        candidates.append((match.start(1), match.end(1), "SCORE", 0.8, "分"))
    candidates.extend(_range_first_halves(work, candidates))
    candidates.extend(_bare_table_cells(work))
    candidates.extend(_cells_before_a_unit_cell(work))
    return _resolve(candidates, excluded)


def _plausible_quantity(work: str, start: int, end: int) -> bool:
    numeral = re.match(_NUM, work[start:end])
    if numeral is None:
        return False
    number = numeral.group(0)
    if number in _SET_PHRASE_NUMERALS:
        return False
    # 十四五 (a plan period) and the like: a Chinese numeral glued to a preceding Chinese numeral word
    return True


_BARE_CELL = re.compile(rf"(?<=\t)\s*({_AR})\s*(?=\t|\n|$)")
# A money-shaped figure inside a table cell that also holds its row label (基本支出 24,942,247.28).
_LABELLED_MONEY_CELL = re.compile(r"(?<=[\u4e00-\u9fff\s:：])(\d{1,3}(?:,\d{3})+\.\d{2})(?=\s*(?:\t|\n|$))")
_MONEY_CELL = re.compile(r"\d{1,3}(?:,\d{3})+\.\d{2}|\d+\.\d{2}")
_SCORE_HEADER = re.compile(r"分值|得分|权重|自评分|评分")
_MONEY_HEADER = re.compile(r"预算数|执行数|决算数|金额|万元|（元）|\(元\)")
_HEADER_LOOKBACK_LINES = 12


def _bare_table_cells(work: str) -> list[_Candidate]:
    """Bare numbers in tab-separated cells, labelled by a recent header line.

    A money-shaped cell (two decimals) under a money header is AMOUNT; a small
    number under a points header (分值, 得分) is SCORE. Anything else is left.
    """
    found = []
    lines = work.split("\n")
    offset = 0
    recent: list[str] = []
    for line in lines:
        if "\t" in line:
            header = "\n".join(recent[-_HEADER_LOOKBACK_LINES:] + [line])
            for match in _BARE_CELL.finditer(line):
                cell = match.group(1)
                start, end = offset + match.start(1), offset + match.end(1)
                if _MONEY_CELL.fullmatch(cell) and _MONEY_HEADER.search(header) and float(cell.replace(",", "")) >= 1000:
                    found.append((start, end, "AMOUNT", 0.6, "元"))
                elif _SCORE_HEADER.search(header) and float(cell.replace(",", "")) <= 100:
                    found.append((start, end, "SCORE", 0.6, "分"))
            if _MONEY_HEADER.search(header):
                for match in _LABELLED_MONEY_CELL.finditer(line):
                    found.append((offset + match.start(1), offset + match.end(1), "AMOUNT", 0.6, "元"))
        recent.append(line)
        offset += len(line) + 1
    return found


# Target tables (指标性质 | 指标值 | 度量单位 | 分值) put a figure's unit in the next cell: `| ≥ | 90 | % | 10 |`.
_CELL_EDGE = r"[|\t]"
_UNIT_CELL = re.compile(
    rf"(?:^|(?<={_CELL_EDGE}))[ ]*({_AR})[ ]*{_CELL_EDGE}[ ]*(?:({_MONEY_UNIT})(?:/[\u4e00-\u9fff]{{1,2}})?|([%‰])|({_MEASURE})|(分))[ ]*(?={_CELL_EDGE}|$)",
    re.M,
)


def _cells_before_a_unit_cell(work: str) -> list[_Candidate]:
    """A bare number whose next table cell is only a unit takes that unit's label."""
    found = []
    for match in _UNIT_CELL.finditer(work):
        money, percent, measure, points = match.group(2, 3, 4, 5)
        label, unit = ("AMOUNT", money) if money else ("PERCENT", percent) if percent else ("QUANTITY", measure) if measure else ("SCORE", points)
        found.append((match.start(1), match.end(1), label, 0.8, unit))
    return found


# A range joins its numbers tightly (10-20%, 15～30天, 90 至 95%); `1 - 0%` in a formula is no range.
_RANGE_SEP = r"(?:[-~～—]|\s*[至到]\s*)"


def _range_first_halves(work: str, candidates: list[_Candidate]) -> list[_Candidate]:
    """In ``10-20%`` or ``15-30天`` the first number takes the second's label."""
    extra = []
    for start, _end, label, confidence, _unit in candidates:
        if label not in ("PERCENT", "QUANTITY", "AMOUNT"):
            continue
        match = re.search(rf"({_AR}){_RANGE_SEP}$", work[max(0, start - 24) : start])
        if match is None:
            continue
        offset = max(0, start - 24)
        extra.append((offset + match.start(1), offset + match.end(1), label, confidence * 0.9, None))
    return extra


def _resolve(candidates: list[_Candidate], excluded: list[tuple[int, int]]) -> list[_Candidate]:
    """Longest candidate wins; no overlaps; nothing inside an excluded stretch."""
    chosen: list[_Candidate] = []
    blocked = bytearray(max([e for _, e in excluded] + [c[1] for c in candidates] + [0]))  # excluded or taken characters
    for s, e in excluded:
        blocked[s:e] = b"\x01" * (e - s)
    for cand in sorted(candidates, key=lambda c: (-(c[1] - c[0]), -c[3], c[0])):
        start, end = cand[0], cand[1]
        if any(blocked[start:end]):
            continue
        chosen.append(cand)
        blocked[start:end] = b"\x01" * (end - start)
    return sorted(chosen)


def qualifier_before(text: str, start: int) -> str | None:
    """The approximation or bound word right before a span (约, 超, ≥ ...), if any."""
    match = _QUALIFIER_BEFORE.search(text[max(0, start - 6) : start])
    return match.group(0).strip() if match else None
