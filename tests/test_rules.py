from __future__ import annotations

import pytest

from extractor.tagger.rules import RuleTagger

TAGGER = RuleTagger()


def tagged(text: str) -> list[tuple[str, str]]:
    return [(text[s.start : s.end], s.label) for s in TAGGER.tag(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("全年预算数为8,318.83 万元，执行率99.47%。", [("8,318.83 万元", "AMOUNT"), ("99.47%", "PERCENT")]),
        ("释放保证金13.8 亿元", [("13.8 亿元", "AMOUNT")]),
        ("一千二百万元和3千万元", [("一千二百万元", "AMOUNT"), ("3千万元", "AMOUNT")]),
        ("满意度达到百分之九十五", [("百分之九十五", "PERCENT")]),
        ("高出近 5 个百分点", [("5 个百分点", "PERCENT")]),
        ("预算编制情况（28 分）", [("28 分", "SCORE")]),
        ("自评分数 98，", [("98", "SCORE")]),
        ("业务办理量突破 48 万笔", [("48 万笔", "QUANTITY")]),
        ("开展培训160余次", [("160余次", "QUANTITY")]),
        ("压缩至 0.5 个工作日", [("0.5 个工作日", "QUANTITY")]),
        ("涉及七个方面", [("七个", "QUANTITY")]),
        ("降低10-20%", [("10", "PERCENT"), ("20%", "PERCENT")]),
        ("补助标准530元/人·月", [("530元", "AMOUNT")]),
        ("监测发现错误3天内完成修改", [("3天", "QUANTITY")]),
        # measured quantities, Latin units included (were missed: no measure word matched)
        ("治理水土流失面积1429.39hm2,年保土量3.51万t", [("1429.39hm2", "QUANTITY"), ("3.51万t", "QUANTITY")]),
        ("新增造林面积12.5万公顷，储水2.3亿立方米", [("12.5万公顷", "QUANTITY"), ("2.3亿立方米", "QUANTITY")]),
        ("人均产粮增加290kg，带宽2000M", [("290kg", "QUANTITY"), ("2000M", "QUANTITY")]),
    ],
)
def test_rules_tag_values(text, expected):
    assert tagged(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2023 年度部门整体支出",  # a year
        "填报日期：2025年8月14日",  # a date
        "湛财绩〔2025〕2号",  # a document number
        "联系电话：0751-5550981",  # a phone number
        "在全省排名第 2 名",  # a rank
        "出生一件事",  # a set phrase
        "（三）部门整体支出目标",  # a section number
        "×100%",  # a constant in a formula
        "打造身边百件实事",  # a set phrase with a bare place numeral
        "建成5G基站，服务G20峰会",  # Latin letters that are no unit
    ],
)
def test_rules_do_not_tag_non_values(text):
    assert tagged(text) == []


def test_rules_bare_score_cells_in_a_score_table():
    table = "三级指标\t分值\t指标解释\t得分\n预算完成率\t2.0\t反映预算完成程度。\t1.8\n"
    assert tagged(table) == [("2.0", "SCORE"), ("1.8", "SCORE")]


def test_rules_formula_dash_is_no_range():
    """Seed 003: `(1 - 0%)` is a formula, not the range 1-0% (bug: the 1 was tagged PERCENT)."""
    assert tagged("$(1 - 0\\%) \\times 4$") == [("0\\%", "PERCENT")]


def test_rules_money_cell_next_to_its_row_label():
    """Seed 004: `基本支出 24,942,247.28` in a cell under a money header."""
    table = "年度部门整体支出\t全年预算数\t财政拨款 65,240,\t\t基本支出 24,942,247.28\t项目支出 40,297,999.76\t\n"
    assert tagged(table) == [("24,942,247.28", "AMOUNT"), ("40,297,999.76", "AMOUNT")]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        # 绩效目标表: 三级指标 | 指标性质 | 指标值 | 度量单位 | 分值 — the unit is the next cell
        ("| 培训覆盖率 | ≥ | 95 | % | 10 |", [("95", "PERCENT"), ("10", None)]),
        ("| 宣传成本 | ≤ | 30 | 万元 | 5 |", [("30", "AMOUNT")]),
        ("| 人均发放成本 | = | 1 | 元/人 | 5 |", [("1", "AMOUNT")]),
        ("培训人次\t≥\t300\t人次\t10\n", [("300", "QUANTITY")]),
    ],
)
def test_rules_a_bare_number_takes_the_unit_of_the_next_cell(row, expected):
    from extractor.pipeline import extract_text

    found = [(v.text, v.label) for v in extract_text(row, tagger=TAGGER).values]
    for surface, label in expected:
        if label is None:  # a weight cell with no unit after it stays untagged
            assert surface not in [text for text, _ in found]
        else:
            assert (surface, label) in found


def test_rules_a_unit_cell_scales_the_number_before_it():
    from extractor.pipeline import extract_text

    values = {v.text: v for v in extract_text("| 宣传成本 | ≤ | 30 | 万元 | 5 |", tagger=TAGGER).values}
    assert values["30"].value == 300000 and values["30"].unit == "元"
