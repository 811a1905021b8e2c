"""Reconciliation: relations found in the text, checked within stated precision.

Two kinds of test: the seed reports through the real pipeline
(``extractor.extract_file``), and small texts whose value spans are built by
hand (so they do not depend on the tagger or the number reader).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from extractor import link
from extractor.reconcile import figure_of, misreadings, reconcile
from extractor.relations import Operand, find_relations
from extractor.types import Check, Span

REPO = Path(__file__).resolve().parent.parent

_UNITS = {"亿元": 1e8, "万元": 1e4, "元": 1.0}


# ----------------------------------------------------------------- hand-made spans


def make_spans(
    text: str,
    surfaces: list[tuple[str, str]],
    approx: dict[str, tuple[float, float]] | None = None,
    context_unit: str | None = None,
) -> list[Span]:
    """Spans for ``surfaces`` ((text, label) in document order), read naively:
    value in the base unit, precision from the written decimals, the rounding
    interval (or ``approx[surface]`` as lower/upper in base units). A bare
    AMOUNT cell takes ``context_unit`` (its column's 万元), as a model tagger
    hands it on."""
    spans: list[Span] = []
    cursor = 0
    for surface, label in surfaces:
        start = text.index(surface, cursor)
        cursor = start + len(surface)
        digits = re.search(r"\d[\d,]*(?:\.\d+)?", surface).group(0).replace(",", "")
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        scale = 1.0
        if label == "AMOUNT":
            scale = next((f for u, f in _UNITS.items() if u in surface), None) or _UNITS[context_unit or "元"]
        elif label == "PERCENT":
            scale = 0.01
        value = float(digits) * scale
        precision = 10.0**-decimals * scale
        lower, upper = value - precision / 2, value + precision / 2
        approximate = None
        if approx and surface in approx:
            lower, upper = approx[surface]
            approximate = "约"
        unit = {"AMOUNT": "元", "PERCENT": "%", "SCORE": "分"}.get(label, re.sub(r"[\d.,\s]", "", surface))
        spans.append(Span(start, cursor, label, surface, value, unit, precision, lower, upper, approximate))
    link.attach_metrics(text, spans)
    return spans


def checks_for(text: str, surfaces: list[tuple[str, str]], **kwargs) -> list[Check]:
    checks, _ = reconcile(text, make_spans(text, surfaces, **kwargs))
    return checks


def only(checks: list[Check], kind: str) -> Check:
    found = [c for c in checks if c.kind == kind]
    assert len(found) == 1, [c.to_dict() for c in checks]
    return found[0]


# ------------------------------------------------------------------------ tolerance

TOTAL_001 = "2024 年度总支出决算数 {total}，其中基本支出 231.11 万元，项目支出 54.42 万元。"


def test_sum_within_stated_precision_passes():
    text = TOTAL_001.format(total="285.53 万元")
    check = only(checks_for(text, [("285.53 万元", "AMOUNT"), ("231.11 万元", "AMOUNT"), ("54.42 万元", "AMOUNT")]), "sum")
    assert check.status == "pass"
    assert check.stated == pytest.approx(2855300.0)
    assert check.computed == pytest.approx(2855300.0)
    assert check.tolerance == pytest.approx(150.0)  # ±50 stated, ±100 for two rounded parts
    assert check.spans == [0, 1, 2]


def test_sum_outside_stated_precision_fails():
    text = TOTAL_001.format(total="285.56 万元")
    check = only(checks_for(text, [("285.56 万元", "AMOUNT"), ("231.11 万元", "AMOUNT"), ("54.42 万元", "AMOUNT")]), "sum")
    assert check.status == "fail"
    assert check.difference == pytest.approx(300.0)
    assert "285.56 万元" in check.description and "231.11 万元" in check.description


def test_rate_stated_to_hundredth_of_percent_fails_when_off():
    text = "全年预算数为 8,318.83 万元，全年执行数为 8,271.47 万元，执行率为 99.47%。"
    surfaces = [("8,318.83 万元", "AMOUNT"), ("8,271.47 万元", "AMOUNT"), ("99.47%", "PERCENT")]
    check = only(checks_for(text, surfaces), "rate")
    assert check.status == "fail"
    assert check.computed == pytest.approx(0.994307, abs=1e-6)
    assert check.difference == pytest.approx(0.000393, abs=1e-6)


@pytest.mark.parametrize(
    ("stated", "status"), [("99.42%", "pass"), ("99.43%", "fail"), ("99.4%", "pass"), ("99%", "pass"), ("99.5%", "fail")]
)
def test_rate_passes_exactly_when_the_exact_ratio_rounds_to_the_stated_figure(stated, status):
    # 1204 / 1211 = 99.42197...%; counts are exact, so only the stated rounding counts.
    text = f"下达图像指标1211条，已完成1204条，完成率{stated}。"
    check = only(checks_for(text, [("1211条", "QUANTITY"), ("1204条", "QUANTITY"), (stated, "PERCENT")]), "rate")
    assert check.status == status


def test_approximate_total_is_an_interval():
    text = "总支出约 300 万元，其中基本支出 120 万元，项目支出 178 万元。"
    surfaces = [("300 万元", "AMOUNT"), ("120 万元", "AMOUNT"), ("178 万元", "AMOUNT")]
    widened = only(checks_for(text, surfaces, approx={"300 万元": (2700000.0, 3300000.0)}), "sum")
    assert widened.status == "pass"
    plain = only(checks_for(text, surfaces), "sum")
    assert plain.status == "fail"  # a bare 300 万元 is 299.5..300.5 万元; 298 is outside


def test_counts_and_scores_are_exact():
    text = "承接职权事项共 12 项（委托类 8 项、下放类 3 项）。"
    check = only(checks_for(text, [("12 项", "QUANTITY"), ("8 项", "QUANTITY"), ("3 项", "QUANTITY")]), "count_total")
    assert check.status == "fail"
    assert check.tolerance == 0.0
    text = "自评 98.58 分，其中：履职效能自评分 49.58 分，管理效率自评分 49 分。"
    check = only(checks_for(text, [("98.58 分", "SCORE"), ("49.58 分", "SCORE"), ("49 分", "SCORE")]), "score_total")
    assert check.status == "pass" and check.tolerance == 0.0


def test_partial_list_shortfall_is_undetermined_not_fail():
    text = "下达指标共4134条，其中：下达数据指标2923条，下达图像指标1200条。"
    check = only(checks_for(text, [("4134条", "QUANTITY"), ("2923条", "QUANTITY"), ("1200条", "QUANTITY")]), "count_total")
    assert check.status == "undetermined"


def test_seed_004_figures_sum_by_hand():
    # 004 states 24,942,247.28 + 40,297,999.76 = 65,240,247.04 by its table
    # (test_seed_004_table_relations_pass); the same figures as a 其中 sentence:
    text = "全年预算数 65,240,247.04 元，其中基本支出 24,942,247.28 元，项目支出 40,297,999.76 元。"
    surfaces = [("65,240,247.04 元", "AMOUNT"), ("24,942,247.28 元", "AMOUNT"), ("40,297,999.76 元", "AMOUNT")]
    check = only(checks_for(text, surfaces), "sum")
    assert check.status == "pass"
    assert check.computed == pytest.approx(65240247.04)


def test_change_against_previous_year():
    text = "2024 年度总收入决算数 285.53 万元，上年总收入决算数为 374.30 万元，与上年度相比，收入决算数减少 23.72%。"
    surfaces = [("285.53 万元", "AMOUNT"), ("374.30 万元", "AMOUNT"), ("23.72%", "PERCENT")]
    check = only(checks_for(text, surfaces), "change")
    assert check.status == "pass"
    assert check.stated == pytest.approx(-0.2372)
    wrong = only(checks_for(text.replace("减少", "增长"), surfaces), "change")
    assert wrong.status == "fail"


def test_ratio_without_percent_sign():
    text = "公用经费预算数为 20.4 万元，决算数为 17.40 万元，实际支出的公用经费总额与预算安排的公用经费总额的比率为 0.85，不超预算。"
    checks = checks_for(text, [("20.4 万元", "AMOUNT"), ("17.40 万元", "AMOUNT")])
    rate = only(checks, "rate")
    assert rate.status == "pass" and rate.stated == 0.85 and rate.spans == [1, 0]
    assert only(checks, "inequality").status == "pass"


def test_stated_inequality_that_does_not_hold_fails():
    text = "日常公用经费决算数 917118.97 元 ≤ 日常公用经费调整预算数 817118.9 元。"
    check = only(checks_for(text, [("917118.97 元", "AMOUNT"), ("817118.9 元", "AMOUNT")]), "inequality")
    assert check.status == "fail"


def test_product_of_standard_and_count():
    text = "按 530元/人·月 的标准，为 20 人发放 12 个月补贴，共计 127200 元。"
    surfaces = [("530元", "AMOUNT"), ("20 人", "QUANTITY"), ("12 个月", "QUANTITY"), ("127200 元", "AMOUNT")]
    check = only(checks_for(text, surfaces), "product")
    assert check.status == "pass" and check.computed == pytest.approx(127200.0)


@pytest.mark.parametrize(("count", "status"), [("3个", "pass"), ("4个", "fail")])
def test_list_count(count, status):
    text = f"区政务服务数据管理局共设{count}职能股室，分别是办公室、政务服务股、数据管理股，共有行政编制6名。"
    check = only(checks_for(text, [(count, "QUANTITY"), ("6名", "QUANTITY")]), "list_count")
    assert check.status == status and check.computed == 3.0


def test_list_with_etc_is_never_a_failure():
    text = "公章、财务章、发票章等 5 枚印章现场免费领取。"
    check = only(checks_for(text, [("5 枚", "QUANTITY")]), "list_count")
    assert check.status == "undetermined"


def test_written_out_arithmetic():
    text = "综合得分 = (1 - 0%) × 4 × 60% + (1 - 0%) × 4 × 40% = 4。指标数 2923 + 1211 = 4135 条。"
    checks, _ = reconcile(text, [])
    statuses = sorted((c.stated, c.status) for c in checks)
    assert statuses == [(4.0, "pass"), (4135.0, "fail")]


SCORED = """（一）预算编制情况（28 分）

1. 预算编制。指标分值 18 分。

（1）预算编制合理性（10 分）。

自评得分 9 分，说明。

（2）预算编制规范性（8 分）。

自评得分 8 分，说明。

2. 目标设置。指标分值 10 分。

（1）绩效目标覆盖率（6 分）。

自评得分 5 分。

（2）资金下达合法性（3 分）。

本项不考核。

（3）绩效目标合理性（4 分）。

自评得分 4 分。
"""


def test_score_headings_against_their_items():
    text = "我局整体支出绩效自评结果为 26 分。\n\n" + SCORED
    surfaces = [(m.group(0), "SCORE") for m in re.finditer(r"\d+ 分", text)]
    checks = [c for c in checks_for(text, surfaces) if c.kind == "score_total"]
    by_stated = {(c.stated, len(c.spans)): c.status for c in checks}
    # 28 = 18 + 10; 18 = 10 + 8; 10 = 6 + 4 (3 not assessed); total 26 = 9 + 8 + 5 + 4
    assert by_stated == {(28.0, 3): "pass", (18.0, 3): "pass", (10.0, 3): "pass", (26.0, 5): "pass"}
    assert any("资金下达合法性" in c.description for c in checks)


# --------------------------------------------------------------- flattened tables

_CELL_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?(?:%|万元|元)?")
_CELL_LABELS = {"A": "AMOUNT", "P": "PERCENT", "S": "SCORE"}


def table_spans(text: str, labels: str, context_unit: str = "万元") -> list[Span]:
    """Value spans for every number of a flattened table, labelled in order by
    ``labels`` (one letter a number: A amount, P percent, S score, . untagged),
    bare amount cells read in ``context_unit`` as a model tagger reads them."""
    numbers = [m.group(0) for m in _CELL_NUMBER.finditer(text)]
    assert len(numbers) == len(labels.replace(" ", "")), numbers
    surfaces = [(n, _CELL_LABELS[c]) for n, c in zip(numbers, labels.replace(" ", "")) if c != "."]
    return make_spans(text, surfaces, context_unit=context_unit)


def table_checks(text: str, labels: str, context_unit: str = "万元") -> list[Check]:
    checks, _ = reconcile(text, table_spans(text, labels, context_unit))
    return checks


def by_stated(checks: list[Check], kind: str) -> dict[float, str]:
    return {round(c.stated, 6): c.status for c in checks if c.kind == kind}


# One cell a line, each closed by a pipe (a 部门预算项目支出绩效自评表 as web pages print it).
PIPE_TABLE = """预算执行情况 |
年度预算数（万元） |
年初预算 |
调整后预算数 |
预算执行数 |
预算执行率 |
权重 |
得分 |
原因 |
总额 |
120.00 |
150.00 |
135.00 |
90.00% |
10 |
9 |
|
其中：财政资金 |
100.00 |
130.00 |
{exec} |
{rate} |
/ |
/ |
单位资金 |
20.00 |
20.00 |
18.00 |
90.00% |
/ |
/ |
其他资金 |
|
|
|
|
/ |
/ |
绩效指标 |
"""
PIPE_LABELS = "AAAPSS AAAP AAAP"


def test_table_column_sums_row_rates_and_score():
    checks = table_checks(PIPE_TABLE.format(exec="117.00", rate="90.00%"), PIPE_LABELS)
    # each amount column: 总额 = 财政资金 + 单位资金 (其他资金 blank)
    assert by_stated(checks, "sum") == {1200000.0: "pass", 1500000.0: "pass", 1350000.0: "pass"}
    assert [c.status for c in checks if c.kind == "rate"] == ["pass", "pass", "pass"]  # 执行数 / 调整后预算数
    score = only(checks, "product")
    assert score.status == "pass" and score.computed == pytest.approx(9.0)  # 得分 = 执行率 × 权重
    assert "预算执行率" in score.description and "权重" in score.description


def test_table_parts_exceeding_the_total_fail_and_falling_short_is_undetermined():
    over = table_checks(PIPE_TABLE.format(exec="127.00", rate="97.69%"), PIPE_LABELS)
    assert by_stated(over, "sum")[1350000.0] == "fail"  # 127 + 18 > 135
    assert all(c.status == "pass" for c in over if c.kind == "rate")
    short = table_checks(PIPE_TABLE.format(exec="107.00", rate="90.00%"), PIPE_LABELS)
    assert by_stated(short, "sum")[1350000.0] == "undetermined"  # a part row may have been lost
    assert any(c.kind == "rate" and c.status == "fail" for c in short)  # 107 / 130 is not 90.00%


# One cell a line, blank lines between (the empty cells are lost).
PLAIN_TABLE = """项目资金

（万元）

年初预算数

全年预算数

全年执行数

分值

执行率

得分

年度资金总额

300

320

{total_exec}

10

{total_rate}

{total_score}

其中：当年财政拨款

300

320

{total_exec}

10

{total_rate}

{part_score}

上年结转资金

其他资金

年度总体目标
"""


def test_table_score_is_judged_by_its_rounding_and_the_rate_is_capped():
    text = PLAIN_TABLE.format(total_exec="287.68", total_rate="89.9%", total_score="9", part_score="8")
    checks = table_checks(text, "AAASPS AAASPS")
    products = {c.stated: c for c in checks if c.kind == "product"}
    assert products[9.0].status == "pass"  # 89.9% x 10 = 8.99, and 9 stands for [8.5, 9.5]
    assert products[8.0].status == "fail" and "8.99" in products[8.0].description
    over = PLAIN_TABLE.format(total_exec="336", total_rate="105%", total_score="10", part_score="10")
    assert {c.status for c in table_checks(over, "AAASPS AAASPS") if c.kind == "product"} == {"pass"}  # 105% counts as 100%


def test_table_row_whose_cells_do_not_line_up_gives_no_check():
    # The 其中 row lost its 年初预算数 cell: its percentage would sit in the
    # 全年执行数 column, so nothing is read from that row.
    text = PLAIN_TABLE.format(total_exec="287.68", total_rate="89.9%", total_score="9", part_score="8")
    text = text.replace("其中：当年财政拨款\n\n300\n\n320", "其中：当年财政拨款\n\n320")
    checks = table_checks(text, "AAASPS AASPS")
    assert all(c.status != "fail" for c in checks if c.kind != "product")
    part_cells = {i for i, v in enumerate(table_spans(text, "AAASPS AASPS")) if v.start > text.index("其中")}
    assert not any(set(c.spans) & part_cells for c in checks if c.kind in ("rate", "sum"))


def test_table_glued_header_in_traditional_characters():
    text = "資金投入情況(萬元)全年預算數(A)全年執行數(B)預算執行率(B/A×100%)\n年度資金總額:50048096%\n其中:中央財政資金40038496%\n地方資金1009696%\n其他資金\n"
    surfaces = [(n, "AMOUNT") for n in ("500", "480")] + [("96%", "PERCENT")]
    surfaces += [(n, "AMOUNT") for n in ("400", "384")] + [("96%", "PERCENT")]
    surfaces += [(n, "AMOUNT") for n in ("100", "96")] + [("96%", "PERCENT")]
    checks, _ = reconcile(text, make_spans(text, surfaces, context_unit="万元"))
    assert by_stated(checks, "sum") == {5000000.0: "pass", 4800000.0: "pass"}
    assert [c.status for c in checks if c.kind == "rate"] == ["pass", "pass", "pass"]


def test_table_on_one_line_with_the_rate_formula_in_its_header():
    text = (
        "项目资金(万元) 年初预算数 全年预算数 全年执行数 分值 执行率(全年 执行数/全年 预算数) 得分 "
        "年度资金总额: 80万元 90万元 81万元 10 90% 9 其中:当年财政 拨款 80万元 90万元 81万元 10 90% 9 上年结转资金 其他资金 预期目标"
    )
    checks = table_checks(text, "AAASPS AAASPS")
    assert by_stated(checks, "sum") == {800000.0: "pass", 900000.0: "pass", 810000.0: "pass"}
    rates = [c for c in checks if c.kind == "rate"]
    assert len(rates) == 2 and all(c.status == "pass" and c.computed == pytest.approx(0.9) for c in rates)


@pytest.mark.parametrize(
    ("header", "columns"),
    [
        ("年初预算数", ["年初预算数"]),
        ("年度预算数（万元）", []),  # the label column's header, not the column 预算数
        ("项目金（万元） 初预算数  全年预算数 全年执行数", ["全年预算数", "全年执行数"]),
        ("资金投入情况(万元)全年预算数(A)全年执行数(B)预算执行率(B/A)", ["全年预算数", "全年执行数", "预算执行率"]),
        ("执行率(全年 执行数/全年 预算数)", ["执行率"]),
    ],
)
def test_table_header_cells(header, columns):
    from extractor.table_relations import trailing_roles

    assert [c.name for c in trailing_roles(header)[0]] == columns


ROLE_ROWS = "\t\t基本支出\t项目支出\t上级资金\t本级资金\n全年预算数\t\t300.00\t700.00\t\t1000.00\n全年执行数\t\t270.00\t630.00\t\t900.00\n完成率\t\t{rate}\t90.00%\t\t90.00%\n"


def test_table_role_rows_rates_per_column_and_a_row_broken_down_two_ways():
    checks = table_checks(ROLE_ROWS.format(rate="90.00%"), "AAA AAA PPP", context_unit="元")
    assert [c.status for c in checks if c.kind == "rate"] == ["pass", "pass", "pass"]
    total = only([c for c in checks if c.stated == 1000.0], "sum")  # 本级资金 = 基本支出 + 项目支出
    assert total.status == "pass" and total.computed == pytest.approx(1000.0)
    wrong = table_checks(ROLE_ROWS.format(rate="95.00%"), "AAA AAA PPP", context_unit="元")
    assert by_stated(wrong, "rate")[0.95] == "fail"  # 270 / 300 is 90%: the columns line up, so it fails


def test_table_row_broken_down_two_ways_never_fails():
    # 本级资金 is the total only if the blank 上级资金 cell is truly empty: a mismatch is undetermined.
    text = ROLE_ROWS.format(rate="90.00%").replace("\t\t1000.00", "\t\t950.00")
    checks = table_checks(text, "AAA AAA PPP", context_unit="元")
    assert by_stated(checks, "sum") == {950.0: "undetermined", 900.0: "pass"}  # 300 + 700 exceed 950


SCORE_TABLE = """一级指标\t分值\t二级指标\t分值\t三级指标\t分值\t得分
投入\t20\t预算编制\t12\t编制科学性\t6\t6
\t\t\t\t编制规范性\t{item}\t5
\t\t预算执行\t8\t执行率\t8\t7
产出\t80\t产出数量\t50\t完成数量\t50\t48
\t\t产出质量\t30\t合格率\t30\t30
总分\t100\t\t\t\t\t96
"""


def test_score_table_headings_against_their_items():
    checks = [c for c in table_checks(SCORE_TABLE.format(item="6"), "SSSS SS SSS SSSS SSS SS") if c.kind == "score_total"]
    # 投入 20 = 12 + 8; 产出 80 = 50 + 30; 预算编制 12 = 6 + 6; 预算执行 8; 产出数量 50; 产出质量 30; 总分 100 = 20 + 80
    assert by_stated(checks, "score_total") == {20.0: "pass", 80.0: "pass", 12.0: "pass", 8.0: "pass", 50.0: "pass", 30.0: "pass", 100.0: "pass"}


def test_score_table_mismatch_is_undetermined_and_unaligned_tables_give_nothing():
    checks = table_checks(SCORE_TABLE.format(item="5"), "SSSS SS SSS SSSS SSS SS")
    assert by_stated(checks, "score_total")[12.0] == "undetermined"  # which rows a merged cell spans is inferred
    assert all(c.status != "fail" for c in checks)
    # The first row does not carry its headings' points (merged cells printed mid-block): no heading check.
    centred = SCORE_TABLE.format(item="6").replace("投入\t20\t预算编制\t12\t", "投入\t\t预算编制\t\t").replace("\t\t\t\t编制规范性", "\t20\t\t12\t编制规范性")
    assert not [c for c in table_checks(centred, "SS SSSS SSS SSSS SSS SS") if c.kind == "score_total" and c.stated in (12.0, 20.0)]


# ---------------------------------------------------------------------------- hints


def test_hint_names_the_one_misread_figure():
    # 544200.00 read as 5442200.00 (a doubled 2): only that figure can be fixed by one slip.
    text = "总支出决算数 2855300.00 元，其中基本支出 2311100.00 元，项目支出 5442200.00 元。"
    surfaces = [("2855300.00 元", "AMOUNT"), ("2311100.00 元", "AMOUNT"), ("5442200.00 元", "AMOUNT")]
    check = only(checks_for(text, surfaces), "sum")
    assert check.status == "fail"
    assert check.hint is not None
    assert "5442200.00 元 were 544200.00 元" in check.hint
    assert "2311100.00" not in check.hint and "2855300.00" not in check.hint


def test_hint_for_a_rate_names_the_candidates():
    text = "全年预算数为 8,318.83 万元，全年执行数为 8,271.47 万元，执行率为 99.47%。"
    surfaces = [("8,318.83 万元", "AMOUNT"), ("8,271.47 万元", "AMOUNT"), ("99.47%", "PERCENT")]
    check = only(checks_for(text, surfaces), "rate")
    assert check.hint and "99.47% were 99.43%" in check.hint


def test_no_hint_without_a_single_slip():
    text = "2025年支出数是103859187.26元，其中基本支出25707969.34元，项目支出77090701.29元。"
    surfaces = [("103859187.26元", "AMOUNT"), ("25707969.34元", "AMOUNT"), ("77090701.29元", "AMOUNT")]
    check = only(checks_for(text, surfaces), "sum")
    assert check.status == "fail" and check.hint is None


def test_misreadings_cover_the_ocr_slips():
    spans = make_spans("支出 285.53 万元", [("285.53 万元", "AMOUNT")])
    fig = figure_of(Operand(index=0, text=spans[0].text), spans)
    values = {round(f.value, 2) for f in misreadings(fig)}
    assert 2865300.0 in values  # a digit changed
    assert 285300.0 in values or 255300.0 in values  # a digit dropped from the reading
    assert 28553000.0 in values  # the decimal point moved
    assert 285.53 in values  # 元 read for 万元
    assert 28553000000.0 in values  # 亿元/万元 confusion the other way (x10000)


def test_values_are_never_changed():
    text = "总支出决算数 2855300.00 元，其中基本支出 2311100.00 元，项目支出 5442200.00 元。"
    spans = make_spans(text, [("2855300.00 元", "AMOUNT"), ("2311100.00 元", "AMOUNT"), ("5442200.00 元", "AMOUNT")])
    before = [s.to_dict() for s in spans]
    reconcile(text, spans)
    assert [s.to_dict() for s in spans] == before


# ------------------------------------------------------------------------- fields


def test_fields_from_a_hand_made_report():
    text = "2024年度部门整体支出绩效 自评报告\n\n部门名称：乐昌市政务服务和数据管理局\n\n" + TOTAL_001.format(total="285.53 万元")
    _, fields = reconcile(text, make_spans(text, [("285.53 万元", "AMOUNT"), ("231.11 万元", "AMOUNT"), ("54.42 万元", "AMOUNT")]))
    assert fields["fiscal_year"] == {"value": 2024, "span": None}
    assert fields["department"] == {"value": "乐昌市政务服务和数据管理局", "span": None}
    assert fields["total_expenditure"] == {"value": pytest.approx(2855300.0), "span": 0}
    assert fields["basic_expenditure"]["span"] == 1 and fields["project_expenditure"]["span"] == 2


def test_no_model_imports():
    for name in ("reconcile.py", "relations.py", "table_relations.py"):
        source = (REPO / "extractor" / name).read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+(torch|transformers|extractor\.tagger)", source, re.MULTILINE), name


def test_relations_survive_spans_without_readings():
    text = "总支出 285.53 万元，其中基本支出 231.11 万元，项目支出 54.42 万元，执行率 99%。"
    spans = make_spans(text, [("285.53 万元", "AMOUNT"), ("231.11 万元", "AMOUNT"), ("54.42 万元", "AMOUNT"), ("99%", "PERCENT")])
    spans[1].value = spans[1].lower = spans[1].upper = None
    checks, _ = reconcile(text, spans)
    assert all(c.status != "fail" for c in checks)
    assert find_relations("", []) == []


# ------------------------------------------------------------ the seeds, end to end


@pytest.fixture(scope="module")
def seed_results(sample_paths):
    extractor = pytest.importorskip("extractor")
    return {key: extractor.extract_file(path) for key, path in sample_paths.items()}


def find_check(result, kind, stated=None, status=None):
    for c in result.checks:
        if c.kind == kind and (stated is None or c.stated == pytest.approx(stated)) and (status is None or c.status == status):
            return c
    raise AssertionError(f"no {kind} check stated {stated}: {[c.to_dict() for c in result.checks]}")


def test_seed_003_expenditure_does_not_add_up(seed_results):
    check = find_check(seed_results["003"], "sum", 103859187.26)
    assert check.status == "fail"
    assert check.computed == pytest.approx(25707969.34 + 77090701.29)
    assert check.difference == pytest.approx(1060516.63, abs=0.005)
    assert check.hint is None


def test_seed_002_execution_rate_fails(seed_results):
    check = find_check(seed_results["002"], "rate", 0.9947)
    assert check.status == "fail"
    assert check.computed == pytest.approx(82714700 / 83188300)
    assert "99.47%" in check.description and "8,271.47" in check.description


def test_seed_001_sum_change_and_ratio_pass(seed_results):
    result = seed_results["001"]
    assert find_check(result, "sum", 2855300.0).status == "pass"
    changes = [c for c in result.checks if c.kind == "change"]
    assert len(changes) == 2 and all(c.status == "pass" and c.stated == pytest.approx(-0.2372) for c in changes)
    assert find_check(result, "rate", 0.85).status == "pass"  # 17.40 / 20.4, written without %
    assert find_check(result, "score_total", 99.0).status == "pass"


def test_seed_000_counts_and_rate_pass(seed_results):
    result = seed_results["000"]
    assert find_check(result, "count_total", 4134.0).status == "pass"
    assert find_check(result, "count_total", 12.0).status == "pass"
    assert find_check(result, "rate", 0.994).status == "pass"
    assert find_check(result, "list_count", 3.0).status == "pass"


def test_seed_004_table_relations_pass(sample_paths):
    # 004's 部门整体支出 table: 按资金结构 基本支出 + 项目支出 against 按预算级次 区级资金,
    # and each column's 完成率, through the real pipeline with the rule tagger.
    from extractor import extract_file
    from extractor.tagger import load_tagger

    result = extract_file(sample_paths["004"], tagger=load_tagger("rules"))
    total = find_check(result, "sum", 65240247.04)
    assert total.status == "pass"
    assert [result.values[i].text for i in total.spans] == ["65,240,247.04", "24,942,247.28", "40,297,999.76"]
    assert total.computed == pytest.approx(24942247.28 + 40297999.76)
    basic = find_check(result, "rate", 0.9634)
    assert basic.status == "pass" and basic.computed == pytest.approx(24028491.84 / 24942247.28)
    assert find_check(result, "rate", 0.8793).computed == pytest.approx(57368166.31 / 65240247.04)
    # its score table: 资金管理 16 = seven items' points; 采购管理 2 = its one item
    assert find_check(result, "score_total", 16.0).status == "pass"
    assert len(find_check(result, "score_total", 16.0).spans) == 8
    assert find_check(result, "score_total", 2.0).status == "pass"


BUDGET_TABLE_WITH_UNITS = """（三）项目资金执行情况
项目资金（万元） 年初预算数 全年预算数 全年执行数 分值 执行率 得分
年度资金总额： 150.00万元 160.00万元 148.80万元 10 93% 9
其中：当年财政拨款 120.00万元 130.00万元 {part_exec} — 93% —
上年结转资金 — — — — — —
其他资金 30.00万元 30.00万元 27.90万元 — 93% —
"""


@pytest.mark.parametrize(("part_exec", "column_sum", "part_rate"), [("120.90万元", "pass", "pass"), ("125.90万元", "fail", "fail")])
def test_budget_table_through_the_pipeline(part_exec, column_sum, part_rate):
    # The rule tagger tags cells that carry their unit; the bare 分值 and 得分
    # cells stay untagged and still hold their columns' places.
    from extractor import extract_text
    from extractor.tagger import load_tagger

    result = extract_text(BUDGET_TABLE_WITH_UNITS.format(part_exec=part_exec), tagger=load_tagger("rules"))
    sums = {c.stated: c.status for c in result.checks if c.kind == "sum"}
    assert sums == {1500000.0: "pass", 1600000.0: "pass", 1488000.0: column_sum}  # 148.80 vs 120.90 (125.90) + 27.90
    rates = [c.status for c in result.checks if c.kind == "rate"]
    assert rates == ["pass", part_rate, "pass"]  # 年度资金总额, 当年财政拨款, 其他资金
    assert not [c for c in result.checks if c.kind == "product"]  # 分值 and 得分 are not read


def test_seeds_have_no_false_failures(seed_results):
    failures = {(key, c.kind, c.stated) for key, r in seed_results.items() for c in r.checks if c.status == "fail"}
    assert failures == {("002", "rate", 0.9947), ("003", "sum", 103859187.26)}


def test_seed_fields(seed_results):
    fields_001 = seed_results["001"].fields
    assert fields_001["fiscal_year"]["value"] == 2024
    assert fields_001["department"]["value"] == "乐昌市政务服务和数据管理局"
    assert fields_001["total_expenditure"]["value"] == pytest.approx(2855300.0)
    assert fields_001["self_score"]["value"] == 99.0
    fields_002 = seed_results["002"].fields
    assert fields_002["budget_execution_rate"]["value"] == pytest.approx(0.9947)
    assert fields_002["department"]["value"] == "广州市增城区政务服务数据管理局"
    fields_003 = seed_results["003"].fields
    assert fields_003["basic_expenditure"]["value"] == pytest.approx(25707969.34)
    assert seed_results["004"].fields["fiscal_year"]["value"] == 2021
