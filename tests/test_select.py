"""Cross-validation folds for comparing training settings (training/select.py)."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")


@pytest.mark.parametrize(("n_groups", "folds"), [(53, 3), (7, 3), (3, 3), (10, 5)])
def test_select_agency_folds_are_disjoint_cover_all_and_are_even(n_groups, folds):
    from training.select import agency_folds

    groups = [f"agency-{i}" for i in range(n_groups)]
    parts = agency_folds(groups, folds, seed=13)
    assert len(parts) == folds
    assert set().union(*parts) == set(groups) and sum(map(len, parts)) == n_groups  # every agency once
    assert max(map(len, parts)) - min(map(len, parts)) <= 1
    assert parts == agency_folds(list(reversed(groups)), folds, seed=13)  # the order given does not matter
