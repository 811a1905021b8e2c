from __future__ import annotations

import pytest

from extractor.normalise import normalise


def working_span(original: str, needle: str) -> tuple[str, int, int]:
    work = normalise(original)
    start = work.text.index(needle)
    o_start, o_end = work.to_original(start, start + len(needle))
    return work.text, o_start, o_end


@pytest.mark.parametrize(
    ("original", "needle", "original_span"),
    [
        ("基本支出 24, 028, 491. 84\t项目", "24,028,491.84", "24, 028, 491. 84"),  # seed 004
        ("总收入决算数 285.53 万元，", "285.53万元", "285.53 万元"),  # seed 001
        ("执行率为９９．４７％。", "99.47%", "９９．４７％"),
        ("支出 285.\n53 万元", "285.53万元", "285.\n53 万元"),
        ("执行率 82. 73%\t", "82.73%", "82. 73%"),
        ("偏差率 $\\leq 100\\%$；", "≤100%", "\\leq 100\\%"),
        ("合计 18397.67\n万元", "18397.67万元", "18397.67\n万元"),
        ("数据目录数合计923\n个", "923个", "923\n个"),  # a PDF line wrap (found on the text-layer sample PDF)
        ("业务办理量突破 48\n万笔", "48万笔", "48\n万笔"),
    ],
    ids=["spaced-thousands", "space-before-unit", "full-width", "broken-line", "space-after-point", "latex", "unit-on-next-line", "wrapped-measure-word", "wrapped-multiplier"],
)
def test_normalise_noise_maps_back_to_original(original, needle, original_span):
    _, o_start, o_end = working_span(original, needle)
    assert original[o_start:o_end] == original_span


def test_normalise_keeps_tabs_and_separate_numbers():
    work = normalise("分值\t2.0\t1.8\n2 省 11 县")
    assert "2.0\t1.8" in work.text
    assert "2 省 11 县" in work.text  # 省 is no unit: nothing to join


def test_normalise_identity_on_clean_text():
    text = "全年预算数为8,318.83万元。执行率99.47%。"
    work = normalise(text)
    assert work.text == text
    assert work.to_original(0, len(text)) == (0, len(text))


def test_normalise_rejects_empty_working_span():
    with pytest.raises(ValueError):
        normalise("abc").to_original(1, 1)
