"""The number reader: parse_number and read_value."""

from __future__ import annotations

import math

import pytest

from extractor.numbers import NumberReading, parse_number, read_value
from extractor.types import Reading


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


# --------------------------------------------------------------------------
# parse_number: value and precision

ARABIC = [
    ("726", 726.0, 1.0),
    ("2023", 2023.0, 1.0),
    ("2.5", 2.5, 0.1),
    ("2.50", 2.5, 0.01),
    ("1,100.9", 1100.9, 0.1),
    ("24,028,491.84", 24028491.84, 0.01),
    ("24, 028, 491. 84", 24028491.84, 0.01),
    ("103859187.26", 103859187.26, 0.01),
    (".5", 0.5, 0.1),
    ("-.5", -0.5, 0.1),
    ("4.800", 4.8, 0.001),
    ("0", 0.0, 1.0),
]

FULL_WIDTH = [
    ("４，５６５", 4565.0, 1.0),
    ("２．４", 2.4, 0.1),
    ("１１.92亿", 1192000000.0, 1000000.0),
    ("2４4", 244.0, 1.0),
    ("－1２２", -122.0, 1.0),
]

CHINESE = [
    ("一千八百零三", 1803.0, 1.0),
    ("壹佰伍拾", 150.0, 10.0),
    ("肆佰陸拾", 460.0, 10.0),
    ("两", 2.0, 1.0),
    ("两百", 200.0, 100.0),
    ("倆千两百贰拾二", 2222.0, 1.0),
    ("廿三", 23.0, 1.0),
    ("〇", 0.0, 1.0),
    ("零", 0.0, 1.0),
    ("十", 10.0, 10.0),
    ("十五", 15.0, 1.0),
    ("零十", 10.0, 10.0),
    ("一千二百万", 12000000.0, 1000000.0),
    ("四千萬零五十", 40000050.0, 10.0),
    ("一万二百五十", 10250.0, 10.0),
    ("五亿零六", 500000006.0, 1.0),
    ("一百零十万三千", 1103000.0, 1000.0),
    ("四万万", 400000000.0, 100000000.0),
    ("五兆六十二亿四万五千二", 5006200045200.0, 100.0),
    ("四千五百六十九万八千三百一十一亿四千八百七十二万五千三百八十二", 4569831148725382.0, 1.0),
    ("二〇二三", 2023.0, 1.0),
    ("半百", 50.0, 50.0),
]

SHORTHAND = [  # a digit after a unit is one place below it
    ("九万四", 94000.0, 1000.0),
    ("二百五", 250.0, 10.0),
    ("一千陆", 1600.0, 100.0),
    ("百三", 130.0, 10.0),
    ("千三", 1300.0, 100.0),
    ("两千三点一", 2300.1, 0.1),
    ("一千六点五", 1600.5, 0.1),
    ("四千二分之三", 3 / 4200, 0.0),
]

DECIMALS = [
    ("一千六点五", 1600.5, 0.1),
    ("零点五", 0.5, 0.1),
    ("两千点零", 2000.0, 0.1),
    ("四百亿点零五零", 40000000000.05, 0.001),
    ("八千 三百 八十五 万 二千 三百 二十六 点三三", 83852326.33, 0.01),
    ("两千万点五五四四", 20000000.5544, 0.0001),
]

MIXED = [
    ("1.2亿", 120000000.0, 10000000.0),
    ("3千万", 30000000.0, 10000000.0),
    ("2.3万", 23000.0, 1000.0),
    ("285.53万", 2855300.0, 100.0),
    ("10万万", 1000000000.0, 100000000.0),
    ("4.78万亿", 4780000000000.0, 10000000000.0),
    ("7 萬5 千4 百", 75400.0, 100.0),
    ("5亿1万4千6百", 500014600.0, 100.0),
    ("3万4000", 34000.0, 1.0),
    ("2千零30万", 20300000.0, 10000.0),
    ("1,100万", 11000000.0, 10000.0),
    ("1000  万", 10000000.0, 10000.0),
    ("40k", 40000.0, 1000.0),
    ("-2.5 M", -2500000.0, 100000.0),
    ("五十打", 600.0, 120.0),
]

NEGATIVES = [
    ("负三十二", -32.0, 1.0),
    ("負三十二", -32.0, 1.0),
    ("-10000", -10000.0, 1.0),
    ("负0.2", -0.2, 0.1),
    ("负四百零五亿零四百零四万", -40504040000.0, 10000.0),
]

FRACTIONS = [
    ("三分之一", 1 / 3, 0.0),
    ("16分之5", 5 / 16, 0.0),
    ("１６分之5", 5 / 16, 0.0),
    ("一百分之五十五点五七九", 0.55579, 0.00001),
    ("壹萬分之肆", 0.0004, 0.0001),
    ("百分之九十五", 0.95, 0.01),
    ("一万万分之七", 7e-08, 1e-08),
    ("負壹又二分之壹", -1.5, 0.0),
    ("三 百 五 又 三 分之 一", 350 + 1 / 3, 0.0),
    ("一百万又五十万分之二十五", 1000000.00005, 0.0),
    ("负３分之负一百五十七", 157 / 3, 0.0),
    ("-3/2", -1.5, 0.0),
    ("1 ３/5", 1.6, 0.0),
    ("1/100", 0.01, 0.01),
]

EXPONENTS = [
    ("-127.32e13", -1.2732e15, 1e11),
    ("12.32e+14", 1.232e15, 1e12),
    ("２.７８９０e－１", 0.2789, 0.00001),
    ("2e5", 200000.0, 100000.0),
    ("2^5", 32.0, 0.0),
    ("2.5^-1", 0.4, 0.0),
    ("-1.1^--23", -(1.1**23), 0.0),
]


@pytest.mark.parametrize(
    "text, value, precision",
    ARABIC + FULL_WIDTH + CHINESE + SHORTHAND + DECIMALS + MIXED + NEGATIVES + FRACTIONS + EXPONENTS,
)
def test_numbers_parse_value_and_precision(text: str, value: float, precision: float) -> None:
    r = parse_number(text)
    assert r is not None, text
    assert isinstance(r, NumberReading)
    assert close(r.value, value), (text, r.value)
    assert close(r.precision, precision), (text, r.precision)


def test_numbers_values_have_no_float_noise() -> None:
    assert parse_number("285.53万").value == 2855300.0
    assert parse_number("0.1万").value == 1000.0
    assert read_value("8,318.83 万元", "AMOUNT").value == 83188300.0
    assert read_value("99.47%", "PERCENT").value == 0.9947


@pytest.mark.parametrize(
    "text, value, approximate",
    [
        ("十余万", 100000.0, "余"),
        ("十 余 萬", 100000.0, "余"),
        ("160余", 160.0, "余"),
        ("500余万", 5000000.0, "余"),
        ("一千多万", 10000000.0, "多"),
        ("二十几万", 200000.0, "几"),
        ("一百零几万", 1000000.0, "几"),
        ("一百 二 十 几亿", 12000000000.0, "几"),
    ],
)
def test_numbers_parse_approximation_in_number(text: str, value: float, approximate: str) -> None:
    r = parse_number(text)
    assert r is not None and close(r.value, value) and r.approximate == approximate


@pytest.mark.parametrize(
    "text",
    ["", "   ", "abc", "分", "万元", "%", "第二", "三五", "五一", "一二百", "十百", "1.2.3", "12,34", "2023年", "3/0", "余", "两两"],
)
def test_numbers_parse_rejects_non_numbers(text: str) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize(
    "text",
    ["一千八百零三", "四千万零五十", "十万柒仟捌佰伍拾肆", "一万三", "九万四", "二百五", "两千万点五五四四", "负三十二", "壹佰伍拾", "一千六点五"],
)
def test_numbers_parse_agrees_with_cn2an(text: str) -> None:
    cn2an = pytest.importorskip("cn2an")
    assert close(parse_number(text).value, float(cn2an.cn2an(text, "smart")))


# --------------------------------------------------------------------------
# read_value: AMOUNT


@pytest.mark.parametrize(
    "text, context_unit, value, precision",
    [
        ("285.53 万元", None, 2855300.0, 100.0),
        ("218.16 万元", None, 2181600.0, 100.0),
        ("8,318.83 万元", None, 83188300.0, 100.0),
        ("103859187.26元", None, 103859187.26, 0.01),
        ("13.8 亿元", None, 1.38e9, 1e7),
        ("70萬", None, 700000.0, 10000.0),
        ("70萬", "万元", 700000.0, 10000.0),  # the text's own multiplier wins
        ("一千二百万元", None, 12000000.0, 1000000.0),
        ("1.2亿元", None, 120000000.0, 10000000.0),
        ("3千万元", None, 30000000.0, 10000000.0),
        ("5千元", None, 5000.0, 1000.0),
        ("四十九兆九千五百九十二億元", None, 49959200000000.0, 100000000.0),
        ("24, 028, 491. 84", "元", 24028491.84, 0.01),
        ("1,234.56", "万元", 12345600.0, 100.0),
        ("1,234.56", "（万元）", 12345600.0, 100.0),
        ("1234", None, 1234.0, 1.0),
        ("８亿元人民币", None, 800000000.0, 100000000.0),
        ("人民币 8千元", None, 8000.0, 1000.0),
        ("￥300", None, 300.0, 1.0),
        ("4人民币", None, 4.0, 1.0),
        ("50元6角三分", None, 50.63, 0.01),
        ("五元三毛", None, 5.3, 0.1),
        ("三块", None, 3.0, 1.0),
        ("300圆", None, 300.0, 1.0),
    ],
)
def test_numbers_amount_in_yuan(text: str, context_unit: str | None, value: float, precision: float) -> None:
    r = read_value(text, "AMOUNT", context_unit=context_unit)
    assert isinstance(r, Reading)
    assert r.unit == "元"
    assert close(r.value, value), (text, r.value)
    assert close(r.precision, precision), (text, r.precision)
    assert close(r.lower, value - precision / 2) and close(r.upper, value + precision / 2)


@pytest.mark.parametrize("text", ["1200亿美元", "1.95港元", "$20", "20个比特币", "人民币", "万元", "abc", ""])
def test_numbers_amount_rejects_foreign_and_garbage(text: str) -> None:
    assert read_value(text, "AMOUNT") is None


# --------------------------------------------------------------------------
# read_value: PERCENT


@pytest.mark.parametrize(
    "text, value, precision, unit",
    [
        ("99.47%", 0.9947, 0.0001, "%"),
        ("23.72%", 0.2372, 0.0001, "%"),
        ("100％", 1.0, 0.01, "%"),
        ("-22.2%", -0.222, 0.001, "%"),
        ("负3.9%", -0.039, 0.001, "%"),
        ("百分之九十五", 0.95, 0.01, "%"),
        ("百分之百", 1.0, 0.01, "%"),
        ("百 分 之 一 百二 十點 五", 1.205, 0.001, "%"),
        ("千分之２．４", 0.0024, 0.0001, "%"),
        ("萬分之肆", 0.0004, 0.0001, "%"),
        ("5‰", 0.005, 0.001, "‰"),
        ("2.5个百分点", 0.025, 0.001, "个百分点"),
        ("六個百分點", 0.06, 0.01, "个百分点"),
        ("九成", 0.9, 0.1, "%"),
        ("七成 六", 0.76, 0.01, "%"),
        ("三成半", 0.35, 0.05, "%"),
        ("半成", 0.05, 0.05, "%"),
        ("十成", 1.0, 0.1, "%"),
        ("七五折", 0.75, 0.01, "%"),
        ("75折", 0.75, 0.01, "%"),
        ("9.5折", 0.95, 0.01, "%"),
        ("三点一折", 0.31, 0.01, "%"),
        ("九折", 0.9, 0.1, "%"),
        ("对折", 0.5, 0.1, "%"),
        ("半折", 0.5, 0.1, "%"),
        ("$\\leq 100\\%$", 1.0, 0.01, "%"),
    ],
)
def test_numbers_percent_as_fraction(text: str, value: float, precision: float, unit: str) -> None:
    r = read_value(text, "PERCENT")
    assert r is not None, text
    assert close(r.value, value), (text, r.value)
    assert close(r.precision, precision), (text, r.precision)
    assert r.unit == unit


def test_numbers_percent_bare_number_needs_context() -> None:
    assert read_value("0.85", "PERCENT") is None  # a ratio, not a percentage
    r = read_value("95.5", "PERCENT", context_unit="%")
    assert r is not None and close(r.value, 0.955) and r.unit == "%"


@pytest.mark.parametrize("text", ["三分之一", "abc", "%", "百分之", "折", "成"])
def test_numbers_percent_rejects(text: str) -> None:
    assert read_value(text, "PERCENT") is None


# --------------------------------------------------------------------------
# read_value: SCORE and QUANTITY


@pytest.mark.parametrize(
    "text, value, precision",
    [("28 分", 28.0, 1.0), ("99 分", 99.0, 1.0), ("9.9分", 9.9, 0.1), ("98", 98.0, 1.0), ("2. 0", 2.0, 0.1), ("九十八分", 98.0, 1.0)],
)
def test_numbers_score_in_points(text: str, value: float, precision: float) -> None:
    r = read_value(text, "SCORE")
    assert r is not None and r.unit == "分"
    assert close(r.value, value) and close(r.precision, precision)


@pytest.mark.parametrize("text", ["分", "abc", "三分之一", ""])
def test_numbers_score_rejects(text: str) -> None:
    assert read_value(text, "SCORE") is None


@pytest.mark.parametrize(
    "text, value, unit, precision, approximate",
    [
        ("726 项", 726.0, "项", 1.0, None),
        ("24.5 万笔", 245000.0, "笔", 1000.0, None),
        ("160余次", 160.0, "次", 1.0, "余"),
        ("2.5 万余户", 25000.0, "户", 1000.0, "余"),
        ("0.5 个工作日", 0.5, "个工作日", 0.1, None),
        ("七个方面", 7.0, "个", 1.0, None),
        ("两条", 2.0, "条", 1.0, None),
        ("1个月", 1.0, "个月", 1.0, None),
        ("12 人次", 12.0, "人次", 1.0, None),
        ("3 小时", 3.0, "小时", 1.0, None),
        ("一吨半", 1.5, "吨", 0.5, None),
        ("一个半小时", 1.5, "个小时", 0.5, None),
        ("12千米", 12.0, "千米", 1.0, None),
        ("3千人", 3000.0, "人", 1000.0, None),
        ("168cm", 168.0, "cm", 1.0, None),
    ],
)
def test_numbers_quantity_with_measure_word(text: str, value: float, unit: str, precision: float, approximate: str | None) -> None:
    r = read_value(text, "QUANTITY")
    assert r is not None, text
    assert close(r.value, value) and r.unit == unit and close(r.precision, precision)
    assert r.approximate == approximate


def test_numbers_quantity_bare_number_takes_context_unit() -> None:
    r = read_value("12", "QUANTITY", context_unit="个")
    assert r is not None and r.value == 12.0 and r.unit == "个"
    r = read_value("1.5", "QUANTITY", context_unit="万人")
    assert r is not None and r.value == 15000.0 and r.unit == "人"
    r = read_value("12", "QUANTITY")
    assert r is not None and r.value == 12.0 and r.unit is None  # no unit: None, not ""


# Problems found by comparing the gold with read_value (annotations/GUIDELINE.md).


@pytest.mark.parametrize(
    "text, value, unit",
    [
        ("98小時", 98.0, "小时"),
        ("12場次", 12.0, "场次"),
        ("14個小時", 14.0, "个小时"),
        ("931項", 931.0, "项"),
        ("53戶", 53.0, "户"),
        ("6類", 6.0, "类"),
        ("3臺", 3.0, "台"),
        ("5張", 5.0, "张"),
        ("12條", 12.0, "条"),
        ("7筆", 7.0, "笔"),
        ("8處", 8.0, "处"),
        ("4間", 4.0, "间"),
        ("一個半小時", 1.5, "个小时"),
        ("3萬戶", 30000.0, "户"),
    ],
)
def test_numbers_quantity_traditional_measure_word_is_simplified(text: str, value: float, unit: str) -> None:
    r = read_value(text, "QUANTITY")
    assert r is not None, text
    assert close(r.value, value) and r.unit == unit, (text, r)


def test_numbers_quantity_traditional_context_unit_is_simplified() -> None:
    r = read_value("28", "QUANTITY", context_unit="項")
    assert r is not None and r.value == 28.0 and r.unit == "项"


@pytest.mark.parametrize(
    "text, value, precision, unit",
    [
        ("3‰", 0.003, 0.001, "‰"),
        ("0.0046‰", 4.6e-06, 1e-07, "‰"),
        ("千分之三", 0.003, 0.001, "%"),  # the written fraction keeps unit %
        ("0.5个千分点", 0.0005, 0.0001, "个千分点"),
        ("0.8262个千分点", 0.0008262, 1e-07, "个千分点"),
        ("0.5個千分點", 0.0005, 0.0001, "个千分点"),
        ("2千分点", 0.002, 0.001, "个千分点"),
    ],
)
def test_numbers_percent_per_mille(text: str, value: float, precision: float, unit: str) -> None:
    r = read_value(text, "PERCENT")
    assert r is not None, text
    assert close(r.value, value) and close(r.precision, precision) and r.unit == unit, (text, r)


@pytest.mark.parametrize(
    "text, value, unit",
    [
        ("1256 点次", 1256.0, "点次"),
        ("12点位", 12.0, "点位"),
        ("30062人次", 30062.0, "人次"),
        ("53户次", 53.0, "户次"),
        ("120车次", 120.0, "车次"),
        ("17 架次", 17.0, "架次"),
        ("3场次", 3.0, "场次"),
        ("8批次", 8.0, "批次"),
        ("5台次", 5.0, "台次"),
        ("9件次", 9.0, "件次"),
        ("30个工作日", 30.0, "个工作日"),
        ("5工作日", 5.0, "工作日"),
        ("4000平方米", 4000.0, "平方米"),
        ("30.4平方公里", 30.4, "平方公里"),
        ("32.1公里", 32.1, "公里"),
        ("12千米", 12.0, "千米"),
        ("387万亩", 3870000.0, "亩"),
        ("0.05亩", 0.05, "亩"),
        ("114.48公顷", 114.48, "公顷"),
        ("1659吨", 1659.0, "吨"),
        ("5440套", 5440.0, "套"),
        ("20000余册", 20000.0, "册"),
        ("6间", 6.0, "间"),
        ("3栋", 3.0, "栋"),
        ("10座", 10.0, "座"),
        ("4所", 4.0, "所"),
        ("30余家", 30.0, "家"),
        ("0辆", 0.0, "辆"),
        ("8县", 8.0, "县"),
        ("13 大", 13.0, "大"),
        ("五部门", 5.0, "部门"),
    ],
)
def test_numbers_quantity_compound_measure_words_whole(text: str, value: float, unit: str) -> None:
    r = read_value(text, "QUANTITY")
    assert r is not None, text
    assert close(r.value, value) and r.unit == unit, (text, r)


@pytest.mark.parametrize(
    "text, value, precision, unit",
    [
        ("5kg", 5.0, 1.0, "kg"),
        ("290kg", 290.0, 1.0, "kg"),
        ("3km", 3.0, 1.0, "km"),
        ("168CM", 168.0, 1.0, "CM"),
        ("2000M", 2000.0, 1.0, "M"),
        ("10000M", 10000.0, 1.0, "M"),
        ("2.5M", 2.5, 0.1, "M"),
        ("10G", 10.0, 1.0, "G"),
        ("2T", 2.0, 1.0, "T"),
        ("100Mbps", 100.0, 1.0, "Mbps"),
        ("500GB", 500.0, 1.0, "GB"),
        ("3.51万t", 35100.0, 100.0, "t"),
        ("30余kg", 30.0, 1.0, "kg"),
        ("10万kW·h", 100000.0, 10000.0, "kW·h"),
        ("25m2", 25.0, 1.0, "m2"),
    ],
)
def test_numbers_quantity_latin_unit_is_not_a_multiplier(text: str, value: float, precision: float, unit: str) -> None:
    r = read_value(text, "QUANTITY")
    assert r is not None, text
    assert close(r.value, value) and close(r.precision, precision) and r.unit == unit, (text, r)


def test_numbers_quantity_latin_context_and_number_reader_unchanged() -> None:
    r = read_value("2000", "QUANTITY", context_unit="M")
    assert r is not None and r.value == 2000.0 and r.unit == "M"
    r = read_value("28", "QUANTITY", context_unit="万t")
    assert r is not None and r.value == 280000.0 and r.unit == "t"
    r = read_value("28", "QUANTITY", context_unit="万亩")
    assert r is not None and r.value == 280000.0 and r.unit == "亩"
    assert parse_number("2.5M").value == 2500000.0  # the bare number reader keeps the multiplier
    r = read_value("40k人", "QUANTITY")  # not trailing: still a multiplier
    assert r is not None and r.value == 40000.0 and r.unit == "人"
    r = read_value("2e3", "QUANTITY")  # e-notation, not a unit "e3"
    assert r is not None and r.value == 2000.0 and r.unit is None


def test_numbers_quantity_bare_count_unit_is_none() -> None:
    for text in ("12", "0", "一千二百", "160余"):
        r = read_value(text, "QUANTITY")
        assert r is not None and r.unit is None, (text, r)
    r = read_value("12", "QUANTITY", context_unit="万")  # a multiplier only
    assert r is not None and r.value == 120000.0 and r.unit is None
    assert read_value("12", "QUANTITY", context_unit="%") is None


def test_numbers_wan_zhao_is_not_a_quantity() -> None:
    assert read_value("万兆", "QUANTITY") is None  # not tagged; left as it is


@pytest.mark.parametrize("text", ["五一个", "三五个", "abc", "5%", ""])
def test_numbers_quantity_rejects(text: str) -> None:
    assert read_value(text, "QUANTITY") is None


def test_numbers_unknown_label_is_none() -> None:
    assert read_value("12", "CLAIM") is None


# --------------------------------------------------------------------------
# read_value: lower/upper


@pytest.mark.parametrize(
    "text, label, qualifier, lower, upper, approximate",
    [
        ("285.53 万元", "AMOUNT", None, 2855250.0, 2855350.0, None),
        ("726 项", "QUANTITY", None, 725.5, 726.5, None),
        ("160余次", "QUANTITY", None, 160.0, 170.0, "余"),
        ("十余万人", "QUANTITY", None, 100000.0, 200000.0, "余"),
        ("500余万元", "AMOUNT", None, 5000000.0, 6000000.0, "余"),
        ("10万余元", "AMOUNT", None, 100000.0, 110000.0, "余"),
        ("二十几万元", "AMOUNT", None, 200000.0, 300000.0, "几"),
        ("99%", "PERCENT", "约", 0.98, 1.0, "约"),
        ("100万元", "AMOUNT", "约", 900000.0, 1100000.0, "约"),
        ("285.53 万元", "AMOUNT", "约", 2855200.0, 2855400.0, "约"),
        ("3000人", "QUANTITY", "近", 2700.0, 3000.0, "近"),
        ("8000篇", "QUANTITY", "超", 8000.0, 8800.0, "超"),
        ("95%", "PERCENT", "不低于", 0.945, 0.96, "不低于"),
        ("20%", "PERCENT", "不高于", 0.18, 0.205, "不高于"),
        ("99%", "PERCENT", "达到", 0.985, 0.995, None),
        ("99.8%以上", "PERCENT", None, 0.9975, 0.999, "以上"),
        ("约100万元", "AMOUNT", None, 900000.0, 1100000.0, "约"),
        ("100余万元", "AMOUNT", "超", 1000000.0, 2000000.0, "超"),
        ("-5%", "PERCENT", "近", -0.05, -0.04, "近"),
    ],
)
def test_numbers_interval_rules(text: str, label: str, qualifier: str | None, lower: float, upper: float, approximate: str | None) -> None:
    r = read_value(text, label, qualifier=qualifier)
    assert r is not None, text
    assert close(r.lower, lower) and close(r.upper, upper), (text, r.lower, r.upper)
    assert r.approximate == approximate
    assert r.lower <= r.value <= r.upper or r.value < 0


def test_numbers_unknown_qualifier_is_ignored() -> None:
    plain = read_value("99%", "PERCENT")
    assert read_value("99%", "PERCENT", qualifier="的") == plain
