"""Clause boundaries for claim decoding (extractor/tagger/clauses.py); fixtures from the seeds."""

import pytest

from extractor.tagger.clauses import clauses, decode_claims


def surfaces(text):
    return [text[s:e] for s, e in clauses(text)]


def test_clauses_split_at_clause_punctuation_and_drop_list_markers():
    # seed 001
    text = "四是推动实现“跨域通办”。先后与湖南宜章、汝城等 2 省 11 县建立跨区域合作协议，218 项事项实现“省内通办”；129 项实现县级事项“跨省通办”。"
    assert surfaces(text) == ["推动实现“跨域通办”", "先后与湖南宜章、汝城等 2 省 11 县建立跨区域合作协议", "218 项事项实现“省内通办”", "129 项实现县级事项“跨省通办”"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("年初预算数 8,318.83 万元，执行率 99.47%。", ["年初预算数 8,318.83 万元", "执行率 99.47%"]),  # seed 002
        ("合计\t24, 028, 491. 84\t100%", ["合计", "24, 028, 491. 84", "100%"]),  # seed 004, OCR spacing in a number
        ("（1）预算编制合理性：预算编制科学", ["预算编制合理性", "预算编制科学"]),
        ("1. 持续完善政务服务标准化建设。", ["持续完善政务服务标准化建设"]),
        ("① 完成培训 3 期", ["完成培训 3 期"]),
        # bug: a list marker after the text's start was kept (a ^ anchor with match(text, pos))
        ("一是完成数字政府顶层设计。二是加大推广力度", ["完成数字政府顶层设计", "加大推广力度"]),
        ("| 产出指标 | 成本控制数 | ≤ | 30 | 万元 | 完成 |", ["产出指标", "成本控制数", "≤", "30", "万元", "完成"]),  # markdown table cells
        ("目标完成  已完成", ["目标完成", "已完成"]),  # a table row: cells separated by runs of spaces
        ("覆盖 62 个区直党政群机关、3 个乡镇", ["覆盖 62 个区直党政群机关、3 个乡镇"]),  # 、 joins, it does not split
        ("", []),
        ("。，\n", []),
    ],
)
def test_clauses_cases(text, expected):
    assert surfaces(text) == expected


def test_clauses_offsets_slice_the_text():
    text = "一是完成数字政府顶层设计。二是加大“粤系列”推广力度，拓展平台服务事项覆盖范围。"
    for start, end in clauses(text):
        assert text[start:end] == text[start:end].strip() and start < end


def test_decode_claims_keeps_clauses_whose_mean_probability_reaches_the_threshold():
    text = "一是完成数字政府顶层设计。为进一步明确任务，我局开展了规划编制。"
    inside = [0.0] * len(text)
    first = text.index("完成")
    for i in range(first, text.index("。")):
        inside[i] = 0.9
    inside[first + 3] = 0.1  # a dip inside the clause does not cut it in two
    claims = decode_claims(text, inside, threshold=0.5)
    assert [(text[s:e], label) for s, e, label, _ in claims] == [("完成数字政府顶层设计", "CLAIM")]
    assert 0.5 <= claims[0][3] <= 0.9
    assert decode_claims(text, inside, threshold=0.95) == []



def test_decode_claims_never_makes_a_bare_lead_in_a_claim():
    # seed 001: "目前，群众可在…办理事项 983 项" — the lead-in is its own clause, and no claim
    text = "目前，群众可在“粤省事”办理事项 983 项。截至2024年末，资金已到位。"
    claims = decode_claims(text, [0.9] * len(text), threshold=0.5)
    assert [text[s:e] for s, e, _, _ in claims] == ["群众可在“粤省事”办理事项 983 项", "资金已到位"]


def test_decode_claims_needs_words():
    """A claim asserts a result in words (every gold claim has two or more Chinese characters);
    a bare cell, a code or Latin letters never is one, however sure the network is."""
    text = "完成\t100%\t0.4\tabc\t已完成"
    claims = decode_claims(text, [0.9] * len(text), threshold=0.5)
    assert [text[s:e] for s, e, _, _ in claims] == ["完成", "已完成"]
