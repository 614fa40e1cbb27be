"""What works for *your* prospects: a small, explainable model of which coach rules predict
a return, fitted on your own outcomes.

Logistic regression of "returned within the window" on the coach's rule pass/fail features
(one coefficient per rule, plus an intercept), fitted by Newton–Raphson (IRLS) on the data
grouped by rule bitmask — at most 2^11 groups, so a million voicemails fit in milliseconds.
A weak ridge penalty (``RIDGE``) keeps a rule that every script follows (or none does) at
a finite, near-zero effect instead of diverging. Each effect comes with a 95 % Wald interval
from the inverse of the penalised Hessian; ``simulate`` draws data from known effects so
that tests can check the intervals cover them.

Personal weights. Only voicemails whose outcome is known count: returned, or left longer
ago than the return window. Below ``settings.personal_weights_min`` of them (default 200)
the coach's own weights are used unchanged. Above it each rule's weight is multiplied by
``exp(shrink · effect)``, where ``shrink = n / (n + personal_weights_min)`` (more data, more
trust) and the effect is clipped to ±1.5 (a factor of at most ~4.5), then the weights are
renormalised to the coach's total — so the personal score stays on the same 0–100 scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ringback.tracking.models import RULE_BITS

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.coach.scoring import Score
    from ringback.config import Settings

RIDGE = 0.5  # prior precision on each rule's effect (not the intercept)
Z95 = 1.959963984540054
MAX_EFFECT = 1.5


@dataclass(frozen=True)
class Effect:
    rule: str
    effect: float  # log-odds change when the rule is followed
    low: float
    high: float
    followed: int  # voicemails that followed the rule

    @property
    def odds_ratio(self) -> float:
        return math.exp(self.effect)

    @property
    def verdict(self) -> str:
        if self.low > 0:
            return "predicts a return"
        if self.high < 0:
            return "predicts no return"
        return "unclear"

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "effect": round(self.effect, 3),
            "ci95": [round(self.low, 3), round(self.high, 3)],
            "odds_ratio": round(self.odds_ratio, 3),
            "followed": self.followed,
            "verdict": self.verdict,
        }


@dataclass(frozen=True)
class Fit:
    n: int
    returned: int
    intercept: float
    effects: tuple[Effect, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "voicemails": self.n,
            "returned": self.returned,
            "intercept": round(self.intercept, 3),
            "effects": [e.as_json() for e in self.effects],
        }


def design(bits: np.ndarray, rules: int) -> np.ndarray:
    """Intercept column plus one 0/1 column per rule bit."""
    x = np.ones((len(bits), rules + 1))
    for i in range(rules):
        x[:, i + 1] = (bits >> i) & 1
    return x


def fit_grouped(
    bits: np.ndarray,
    trials: np.ndarray,
    successes: np.ndarray,
    *,
    rules: tuple[str, ...] = RULE_BITS,
    ridge: float = RIDGE,
) -> Fit:
    """Binomial logistic regression on (bitmask, voicemails, returned) groups."""
    x = design(bits.astype(np.int64), len(rules))
    n = trials.astype(float)
    y = successes.astype(float)
    penalty = np.full(x.shape[1], ridge)
    penalty[0] = 1e-6  # the base rate is (all but) not shrunk; > 0 keeps "no data" solvable
    beta = np.zeros(x.shape[1])
    total = n.sum()
    if total > 0 and 0 < y.sum() < total:
        beta[0] = math.log(y.sum() / (total - y.sum()))
    hessian = np.eye(x.shape[1])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(x @ beta)))
        gradient = x.T @ (y - n * p) - penalty * beta
        weights = n * p * (1 - p)
        hessian = (x.T * weights) @ x + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        beta += step
        if np.max(np.abs(step)) < 1e-8:
            break
    cov = np.linalg.inv(hessian)
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    followed = [int(n[x[:, i + 1] == 1].sum()) for i in range(len(rules))]
    effects = tuple(
        Effect(
            rule,
            float(beta[i + 1]),
            float(beta[i + 1] - Z95 * se[i + 1]),
            float(beta[i + 1] + Z95 * se[i + 1]),
            followed[i],
        )
        for i, rule in enumerate(rules)
    )
    return Fit(int(total), int(y.sum()), float(beta[0]), effects)


def simulate(
    n: int, effects: dict[str, float], *, intercept: float, seed: int, follow_rate: float = 0.5
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` voicemails whose rules are followed at random and returned with the logistic
    probability of the given true effects; grouped like the database query returns them."""
    rng = np.random.default_rng(seed)
    rules = len(RULE_BITS)
    followed = rng.random((n, rules)) < follow_rate
    bits = (followed * (1 << np.arange(rules))).sum(axis=1)
    true = np.array([effects.get(rule, 0.0) for rule in RULE_BITS])
    p = 1.0 / (1.0 + np.exp(-(intercept + followed @ true)))
    returned = rng.random(n) < p
    keys, index = np.unique(bits, return_inverse=True)
    trials = np.bincount(index, minlength=len(keys))
    successes = np.bincount(index, weights=returned, minlength=len(keys))
    return keys, trials, successes


def fit_outcomes(session: Session, *, settings: Settings, now_epoch: int) -> Fit:
    """Fit on the user's voicemails whose outcome is known (see the module docstring)."""
    from sqlalchemy import text

    from ringback.accounts.scope import owner_sql

    window = round(settings.return_window_days * 86400)
    owners, params = owner_sql(session)  # the acting user's voicemails (a team's, all)
    rows = session.execute(
        text(
            "SELECT rule_bits, COUNT(*), COUNT(return_seconds) FROM outreach_events "
            "WHERE outcome = 'voicemail' AND direction = 'outbound' AND rule_bits IS NOT NULL "
            f"AND (return_seconds IS NOT NULL OR epoch <= :settled){owners} GROUP BY rule_bits"
        ),
        {"settled": now_epoch - window, **params},
    ).all()
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return fit_grouped(empty, empty, empty)
    data = np.array([[int(b), int(n), int(r)] for b, n, r in rows], dtype=np.int64)
    return fit_grouped(data[:, 0], data[:, 1], data[:, 2])


def personal_weights(fit: Fit, *, minimum: int) -> dict[str, float] | None:
    """Rule weights adjusted by the user's own effects, or None below ``minimum`` data."""
    from ringback.coach.rules import voicemail_rules

    if fit.n < minimum:
        return None
    shrink = fit.n / (fit.n + minimum)
    effects = {e.rule: e.effect for e in fit.effects}
    base = {rule.id: float(rule.weight) for rule in voicemail_rules()}
    raw = {
        rule: weight * math.exp(shrink * max(-MAX_EFFECT, min(MAX_EFFECT, effects.get(rule, 0.0))))
        for rule, weight in base.items()
    }
    scale = sum(base.values()) / sum(raw.values())
    return {rule: round(w * scale, 3) for rule, w in raw.items()}


def personal_score(score: Score, weights: dict[str, float] | None) -> int:
    """The coach score re-weighted with personal weights (the coach's own when None)."""
    if weights is None:
        return score.score
    total = sum(weights.get(f.rule, float(f.weight)) for f in score.findings)
    earned = sum(weights.get(f.rule, float(f.weight)) * f.credit for f in score.findings)
    return round(100 * earned / total) if total else score.score


def personal_coach_score(session: Session, *, event: Any, settings: Settings) -> int | None:
    """A logged voicemail's coach score with the user's personal weights, or None while
    there are fewer than ``settings.personal_weights_min`` settled voicemails."""
    from ringback.coach.scoring import score_script
    from ringback.contacts.profile import profile_of
    from ringback.contacts.service import contact_by_id
    from ringback.db.base import utcnow

    if not event.script:
        return None
    fit = fit_outcomes(session, settings=settings, now_epoch=int(utcnow().timestamp()))
    weights = personal_weights(fit, minimum=settings.personal_weights_min)
    if weights is None:
        return None
    profile = profile_of(contact_by_id(session, event.contact_id))
    return personal_score(score_script(event.script, profile=profile), weights)
