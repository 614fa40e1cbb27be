"""Is one voicemail variant really returned more often than another?

Two tools, both plain arithmetic (no SciPy): a two-proportion z-test for the difference,
and a Bayesian 95 % interval for each variant's own rate (Beta(1 + returned, 1 + not)
posterior, by the Wilson-style normal approximation of its quantiles — close enough at
the sample sizes where a verdict is given at all). Below a minimum sample the answer is
a plain "not enough data yet", because a test on 8 voicemails is noise with a p-value.
"""

from __future__ import annotations

import math
from typing import Any

MIN_PER_VARIANT = 30  # voicemails per variant before any comparison is reported
MIN_RETURNS = 5  # and at least this many returned and unreturned in each (normal approx.)
ALPHA = 0.05
Z95 = 1.959963984540054


def normal_cdf(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def beta_interval(returned: int, left: int) -> tuple[float, float]:
    """95 % credible interval of the return rate under a uniform prior: mean ± 1.96 sd of
    the Beta(1 + r, 1 + n − r) posterior, clipped to [0, 1]."""
    a, b = 1 + returned, 1 + left - returned
    mean = a / (a + b)
    sd = math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
    return max(0.0, mean - Z95 * sd), min(1.0, mean + Z95 * sd)


def two_proportion(returned_a: int, left_a: int, returned_b: int, left_b: int) -> dict[str, Any]:
    """Difference of rates (a − b), its 95 % confidence interval, z and two-sided p."""
    pa, pb = returned_a / left_a, returned_b / left_b
    pooled = (returned_a + returned_b) / (left_a + left_b)
    se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / left_a + 1 / left_b))
    z = (pa - pb) / se_pooled if se_pooled > 0 else 0.0
    p = 2 * (1 - normal_cdf(abs(z)))
    se = math.sqrt(pa * (1 - pa) / left_a + pb * (1 - pb) / left_b)
    return {
        "difference": round(pa - pb, 4),
        "ci95": [round(pa - pb - Z95 * se, 4), round(pa - pb + Z95 * se, 4)],
        "z": round(z, 3),
        "p_value": round(p, 4),
    }


def enough(left: int, returned: int) -> bool:
    return left >= MIN_PER_VARIANT and returned >= MIN_RETURNS and left - returned >= MIN_RETURNS


def compare_variants(counts: dict[str, tuple[int, int]]) -> dict[str, Any]:
    """Each variant's interval, and every other variant compared with the one most used.

    ``counts`` maps variant → (left, returned). The verdict is one plain sentence.
    """
    intervals = {
        name: [round(x, 4) for x in beta_interval(returned, left)]
        for name, (left, returned) in sorted(counts.items())
    }
    out: dict[str, Any] = {"intervals": intervals, "comparisons": [], "verdict": ""}
    if len(counts) < 2:
        out["verdict"] = "not enough data yet: log voicemails with at least two --variant names"
        return out
    baseline = max(sorted(counts), key=lambda n: counts[n][0])
    short = [n for n, (left, ret) in sorted(counts.items()) if not enough(left, ret)]
    for name in sorted(counts):
        if name == baseline:
            continue
        (la, ra), (lb, rb) = counts[name], counts[baseline]
        row: dict[str, Any] = {"variant": name, "baseline": baseline}
        if name in short or baseline in short:
            row["verdict"] = "not enough data yet"
        else:
            row.update(two_proportion(ra, la, rb, lb))
            if row["p_value"] < ALPHA:
                better = "more" if row["difference"] > 0 else "less"
                row["verdict"] = f"{name} is returned {better} often than {baseline}"
            else:
                row["verdict"] = "no clear difference yet"
        out["comparisons"].append(row)
    if short:
        need = ", ".join(f"{n} has {counts[n][0]}" for n in short)
        out["verdict"] = (
            f"not enough data yet: each variant needs {MIN_PER_VARIANT} voicemails and "
            f"{MIN_RETURNS} returned and unreturned ({need})"
        )
    else:
        found = [c["verdict"] for c in out["comparisons"] if "often" in c["verdict"]]
        out["verdict"] = "; ".join(found) if found else "no clear difference yet"
    return out
