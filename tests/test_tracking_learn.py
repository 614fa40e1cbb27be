"""The personal model: validated on simulations whose true effects are known, fitted from
the database, and folded into the coach score only above the documented amount of data."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import insert

from ringback.coach.scoring import score_script
from ringback.config import Settings
from ringback.db.session import transaction
from ringback.tracking.learn import (
    fit_grouped,
    fit_outcomes,
    personal_score,
    personal_weights,
    simulate,
)
from ringback.tracking.models import RULE_BITS, OutreachEvent
from tests.conftest import Cli
from tests.support.tracking import GOOD, add_contact

TRUE = {
    "call_to_action": 0.9,
    "specific_value": 0.6,
    "listener_focus": 0.4,
    "no_weak_phrases": -0.5,
}


def test_intervals_cover_the_true_effects_at_their_nominal_rate() -> None:
    covered = total = 0
    for seed in range(30):
        keys, trials, successes = simulate(3000, TRUE, intercept=-1.4, seed=seed)
        fit = fit_grouped(keys, trials, successes)
        for effect in fit.effects:
            total += 1
            covered += effect.low <= TRUE.get(effect.rule, 0.0) <= effect.high
    # 95 % intervals: over 330 intervals, coverage well inside 0.90–0.99.
    assert 0.90 <= covered / total <= 0.99


def test_strong_effects_are_found_and_null_ones_are_not() -> None:
    keys, trials, successes = simulate(20000, TRUE, intercept=-1.4, seed=2026)
    fit = fit_grouped(keys, trials, successes)
    by_rule = {e.rule: e for e in fit.effects}
    for rule, true in TRUE.items():
        assert by_rule[rule].low <= true <= by_rule[rule].high
        assert by_rule[rule].verdict == ("predicts a return" if true > 0 else "predicts no return")
    nulls = [e for e in fit.effects if e.rule not in TRUE]
    assert all(abs(e.effect) < 0.1 for e in nulls)  # true effect 0, standard error ~0.03
    assert abs(fit.intercept + 1.4) < 0.15


def test_rules_nobody_varies_stay_finite() -> None:
    # Every script follows rule 0, none follows rule 1: no information, no blow-up.
    bits = np.array([1, 1 | 4])
    fit = fit_grouped(bits, np.array([50, 50]), np.array([10, 30]))
    assert all(np.isfinite([e.effect, e.low, e.high]).all() for e in fit.effects)
    assert fit.effects[1].verdict == "unclear"
    assert fit.effects[2].low > 0  # rule 2 alone separates 20 % from 60 %


def _load(url: str, n: int, seed: int) -> None:
    """Simulated outcomes stored as the service stores them (voicemails with rule bits)."""
    rng = np.random.default_rng(seed)
    keys, trials, successes = simulate(n, TRUE, intercept=-1.0, seed=seed)
    t0 = datetime(2026, 6, 1, tzinfo=UTC)
    rows = []
    with transaction(url) as session:
        from ringback.contacts.models import Contact

        contact = Contact(name="Sim")
        session.add(contact)
        session.flush()
        for bits, count, returned in zip(keys, trials, successes, strict=True):
            for j in range(int(count)):
                epoch = int(t0.timestamp()) + int(rng.integers(0, 90 * 86400))
                rows.append(
                    {
                        "key": f"sim:{seed}:{bits}:{j}",
                        "contact_id": contact.id,
                        "channel": "voicemail",
                        "direction": "outbound",
                        "outcome": "voicemail",
                        "occurred_at": datetime.fromtimestamp(epoch, UTC),
                        "epoch": epoch,
                        "hour": epoch // 3600,
                        "source": "bulk",
                        "rule_bits": int(bits),
                        "return_seconds": 3600 if j < int(returned) else None,
                        "created_at": t0,
                    }
                )
        session.execute(insert(OutreachEvent.__table__), rows)


def test_fit_from_the_database_and_personal_weights(db_url: str) -> None:
    settings = Settings(database_url=db_url, personal_weights_min=200)
    now = int(datetime(2026, 11, 1, tzinfo=UTC).timestamp())
    _load(db_url, 150, seed=1)
    with transaction(db_url) as session:
        small = fit_outcomes(session, settings=settings, now_epoch=now)
    assert small.n == 150
    assert personal_weights(small, minimum=200) is None  # below the documented amount
    scored = score_script(GOOD)
    assert personal_score(scored, None) == scored.score

    _load(db_url, 6000, seed=2)
    with transaction(db_url) as session:
        fit = fit_outcomes(session, settings=settings, now_epoch=now)
        # Voicemails left within the window are not settled yet and do not count.
        early = fit_outcomes(session, settings=settings, now_epoch=int(
            (datetime(2026, 6, 1, tzinfo=UTC) + timedelta(days=3)).timestamp()))  # fmt: skip
    assert fit.n == 6150 and early.n < fit.n
    effects = {e.rule: e for e in fit.effects}
    assert effects["call_to_action"].verdict == "predicts a return"
    weights = personal_weights(fit, minimum=200)
    assert weights is not None
    from ringback.coach.rules import voicemail_rules

    base = {r.id: r.weight for r in voicemail_rules()}
    assert abs(sum(weights.values()) - sum(base.values())) < 0.01  # same 0–100 scale
    assert weights["call_to_action"] > base["call_to_action"]
    assert weights["no_weak_phrases"] < base["no_weak_phrases"]
    # A script that ends on a concrete next step scores higher for this user than one
    # that does not, by more than the coach alone says.
    weak_text = GOOD.replace("set up a 15-minute call Thursday at 10 to show", "show")
    good, weak = score_script(GOOD), score_script(weak_text)
    assert {f.rule for f in weak.failed} - {f.rule for f in good.failed} == {"call_to_action"}
    assert personal_score(good, weights) - personal_score(weak, weights) > good.score - weak.score


def test_learn_cli(cli: Cli) -> None:
    r = cli("learn", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["voicemails"] == 0 and data["status"].startswith("not enough data yet")
    bill = add_contact(cli)
    first = cli("log", "voicemail", "--contact", str(bill), "--script", GOOD,
                "--at", "2026-01-05 10:00", "--json")  # fmt: skip
    assert json.loads(first.stdout)["personal_score"] is None  # not enough data yet
    r = cli("learn", "--score", GOOD)
    assert r.exit_code == 0 and "not enough data yet: 1 of 200" in r.stdout
    assert "with your weights" in r.stdout
    assert len(RULE_BITS) == len(json.loads(cli("learn", "--json").stdout)["effects"])


def test_personal_weights_fold_into_logged_scores(cli: Cli) -> None:
    _load(cli.env["RINGBACK_DATABASE_URL"], 3000, seed=5)
    data = json.loads(cli("learn", "--json").stdout)
    assert data["status"] == "personal weights active" and data["voicemails"] == 3000
    bill = add_contact(cli)
    weak = GOOD.replace("set up a 15-minute call Thursday at 10 to show", "show")
    logged = [
        json.loads(
            cli(
                "log", "voicemail", "--contact", str(bill), "--script", text, "--at", at, "--json"
            ).stdout
        )
        for text, at in ((GOOD, "2026-11-02 10:00"), (weak, "2026-11-03 10:00"))
    ]
    # The coach's own score is what is stored; the personal one is shown beside it, and
    # for this user (for whom a concrete next step matters most) it separates them more.
    assert all(isinstance(x["personal_score"], int) for x in logged)
    personal_gap = logged[0]["personal_score"] - logged[1]["personal_score"]
    assert personal_gap > logged[0]["score"] - logged[1]["score"]
