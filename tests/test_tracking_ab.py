"""A/B verdicts: a plain "not enough data yet" on small samples, a real difference found,
no difference claimed where there is none; intervals that contain the observed rate."""

from __future__ import annotations

import math

from ringback.tracking.ab import beta_interval, compare_variants, two_proportion


def test_small_samples_say_not_enough_data_yet() -> None:
    out = compare_variants({"A": (12, 6), "B": (10, 1)})
    assert out["verdict"].startswith("not enough data yet")
    assert "A has 12" in out["verdict"] and "B has 10" in out["verdict"]
    assert out["comparisons"] == [
        {"variant": "B", "baseline": "A", "verdict": "not enough data yet"}
    ]
    assert compare_variants({"A": (500, 100)})["verdict"].startswith("not enough data yet")
    assert compare_variants({})["intervals"] == {}


def test_a_clear_difference_is_reported_with_its_direction() -> None:
    out = compare_variants({"A": (400, 80), "B": (380, 152)})  # 20 % vs 40 %
    [row] = out["comparisons"]
    assert row["baseline"] == "A" and row["variant"] == "B"
    assert row["p_value"] < 0.001 and row["difference"] > 0
    assert row["ci95"][0] > 0.1
    assert out["verdict"] == "B is returned more often than A"


def test_no_difference_is_not_dressed_up_as_one() -> None:
    out = compare_variants({"A": (200, 60), "B": (210, 64)})
    [row] = out["comparisons"]
    assert row["p_value"] > 0.5 and row["ci95"][0] < 0 < row["ci95"][1]
    assert out["verdict"] == "no clear difference yet"


def test_two_proportion_matches_the_textbook_z() -> None:
    # 45/100 vs 30/100: pooled p = 0.375, se = sqrt(.375*.625*.02) = 0.06847, z = 2.191
    z = two_proportion(45, 100, 30, 100)["z"]
    assert math.isclose(z, 2.191, abs_tol=0.001)


def test_beta_interval_contains_the_rate_and_narrows_with_data() -> None:
    small, large = beta_interval(3, 10), beta_interval(300, 1000)
    assert small[0] < 0.3 < small[1] and large[0] < 0.3 < large[1]
    assert large[1] - large[0] < (small[1] - small[0]) / 5
    lo, hi = beta_interval(0, 0)  # no data: the uniform prior, centred on one half
    assert math.isclose(lo, 1 - hi) and lo < 0.1
