from __future__ import annotations

import pytest

from extractor.link import metric_before


@pytest.mark.parametrize(
    ("text", "value", "metric"),
    [
        ("其中基本支出 231.11 万元", "231.11", "其中基本支出"),
        ("全年预算资金支出率为 58.48%", "58.48", "全年预算资金支出率"),
        ("2024年下达153.3万元", "153.3", "2024年下达"),  # 下达 is a word, not the filler 达 (bug found by the reconciler)
        ("服务群众人数达 9.5 万人次", "9.5", "服务群众人数"),
        ("累计收到 12 件", "12", "累计收到"),
        ("（三）自评得分：98", "98", "自评得分"),
    ],
)
def test_link_metric_before_value(text, value, metric):
    assert metric_before(text, text.index(value)) == metric


def test_link_metric_stops_at_the_previous_value():
    text = "项目支出 54.42 万元 231.11 万元"
    assert metric_before(text, text.index("231.11"), floor=text.index("万元") + 2) is None
