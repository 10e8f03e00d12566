"""The counterfactual of the shots withheld evaluates every kept cycle's tracks in batches
(:meth:`inkless.engine.screen.Screen.risks`): each cycle's screen is what it is alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from inkless.engine import Engine, withheld
from inkless.scenario import load_scenario

BASICS = Path(__file__).resolve().parents[2] / "examples" / "basics.yaml"


def test_batched_risks_screen_each_cycle_as_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Basics on the tracked picture (ballistic, cruise and drone tracks withheld): every kept
    cycle screened with its asset probabilities taken from one batch of all the cycles gives
    the candidates it gives evaluated alone."""
    eng = Engine(load_scenario(BASICS), 7, picture="tracked")
    eng.run()
    rec = eng.recorder
    assert rec is not None
    kept, screen = rec.withheld, rec.picture.screen
    assert len(kept) > 10 and (np.concatenate([w.cls for w in kept]) == 0).any()
    monkeypatch.setattr(withheld, "_BATCH", 7)  # batches that span several cycles
    screened = 0
    for w, risk in zip(kept, withheld._risks(kept, screen), strict=True):
        args = (w.t, w.tick, w.x, w.P, w.cls, np.ones(len(w.x), np.int64), w.remaining, w.track,
                w.obj)
        alone = screen.candidates(*args)
        batched = screen.candidates(*args, risk=risk)
        assert (alone is None) == (batched is None)
        if alone is None or batched is None:
            continue
        screened += 1
        np.testing.assert_array_equal(batched.keys, alone.keys)
        np.testing.assert_allclose(batched.value, alone.value, rtol=1e-12)
        for f in ("us", "idx", "cls", "asset", "pairs", "times"):
            np.testing.assert_array_equal(getattr(batched.options, f), getattr(alone.options, f))
        np.testing.assert_allclose(batched.options.ecef, alone.options.ecef, rtol=1e-12)
    assert screened > 5
