"""The limits a scenario file must keep, in one place (documented in ``docs/limits.md``).

Where it sits: the boundary. ``model.py`` uses the field limits, ``load.py`` the file limits and
:meth:`Size.run_bytes`, the estimate of the memory a run of a scenario will need, so that a file
that will not fit is refused before it runs, naming the field that drives the size. A file that
validates runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = [
    "APOGEE_MARGIN_M",
    "EPOCH_FIRST",
    "EPOCH_LAST",
    "MAX_CHANNELS",
    "MAX_DEPTH",
    "MAX_DURATION_S",
    "MAX_FILE_BYTES",
    "MAX_FLIGHTS",
    "MAX_ITEMS",
    "MAX_KEYS",
    "MAX_MEMBERS",
    "MAX_PERIOD_S",
    "MAX_POINTS",
    "MAX_PROBLEMS",
    "MAX_RECORDING_BYTES",
    "MAX_ROUNDS",
    "MAX_RUN_BYTES",
    "MAX_SAMPLES",
    "MAX_SEED",
    "MAX_SHOTS",
    "MAX_TIME_S",
    "MAX_WAVE_COUNT",
    "MIN_PERIOD_S",
    "Size",
]

#: Scenario file: bytes of text, nesting depth of mappings and lists, keys of one mapping (no
#: scenario mapping has more than a few dozen fields), problems listed.
MAX_FILE_BYTES = 8 << 20
MAX_DEPTH = 64
MAX_KEYS = 1000
MAX_PROBLEMS = 50
#: A civil recording (before decompression), bytes; it must be a regular file.
MAX_RECORDING_BYTES = 256 << 20
#: The scenario's epoch and every instant of the run lie in [EPOCH_FIRST, EPOCH_LAST): the
#: report, the figures and the ledger draw dates in this range.
EPOCH_FIRST = datetime(1970, 1, 1, tzinfo=UTC)
EPOCH_LAST = datetime(2100, 1, 1, tzinfo=UTC)
#: Any time in seconds after the epoch (launch windows, departures, closures), s: 100 days.
MAX_TIME_S = 100 * 86400.0
#: ``settings.duration_s``, s: 7 days.
MAX_DURATION_S = 7 * 86400.0
#: Decision period ``settings.scan_period_s`` and sensor scan periods, s.
MIN_PERIOD_S = 0.1
MAX_PERIOD_S = 600.0
#: ``settings.seed`` and ``--seed`` lie below this (a numpy seed of 64 bits, signed).
MAX_SEED = 2**63
#: ``settings.max_shots_per_threat``, per class.
MAX_SHOTS = 100
#: Counts: threats of one wave, ready rounds and channels of one fire unit, members.
MAX_WAVE_COUNT = 5000
MAX_ROUNDS = 10_000
MAX_CHANNELS = 1000
MAX_MEMBERS = 100
#: Items of one list: each section (assets, interceptors, sensors, fire units, regions, waves,
#: closures), a wave's aim assets and via points, a civil flight's route.
MAX_ITEMS = 1000
#: Points of one list: launch and aim points, a sensor route's waypoints, a region's vertices.
MAX_POINTS = 10_000
#: Civil flights, and recorded flights or callsigns kept.
MAX_FLIGHTS = 10_000
#: A ballistic apogee must clear the higher end point by this much, m: the ellipsoid's radius
#: differs by up to 21.4 km between the end point's latitude and the apogee's (WGS-84 a - b).
APOGEE_MARGIN_M = 25_000.0
#: Memory a run may plan for, bytes, and (decision tick x threat) samples of the truth grid.
#: April (43 200 s at 5 s, 320 threats) has 2.8e6 samples; basics with 2 000 more drones (2.9e6)
#: ran in 47 s of CPU and 0.5 GB; the run time grows faster than the threats (about n^1.4).
MAX_RUN_BYTES = 4 << 30
MAX_SAMPLES = 5_000_000

# Bytes per element of the arrays a perfect-picture run holds, per (tick, threat) sample (float32
# ECEF truth and heights, the coverage grid, the envelope windows and their intermediates: peak
# RSS of basics with 2 000 and 10 000 more drones was 0.48 GB for 2.9e6 samples and 1.8 GB for
# 1.4e7, about 110-160 bytes a sample), per (unit, threat) pair, per round in stock (interceptors
# in flight and their reasons), per (tick, civil flight) sample (upper bounds, not measured).
_PER_SAMPLE = 160
_PER_PAIR = 96
_PER_ROUND = 512
_PER_CIVIL_SAMPLE = 64


@dataclass(frozen=True)
class Size:
    """What drives a run's size: decision ticks, threats, fire units, rounds, civil flights."""

    ticks: int
    threats: int
    units: int
    rounds: int
    civil: int

    @property
    def samples(self) -> int:
        """(tick, threat) samples of the truth and coverage grids."""
        return self.ticks * self.threats

    def terms(self) -> dict[str, int]:
        """Estimated peak memory of a run, bytes, by what drives it: 'threats' (the (tick,
        threat) grids), 'units' (unit-threat pairs), 'rounds', 'civil' ((tick, flight) samples)."""
        return {
            "threats": _PER_SAMPLE * self.samples,
            "units": _PER_PAIR * self.units * self.threats,
            "rounds": _PER_ROUND * self.rounds,
            "civil": _PER_CIVIL_SAMPLE * self.ticks * self.civil,
        }

    def run_bytes(self) -> int:
        """Estimated peak memory of a run, bytes (an upper bound of the grid-sized arrays)."""
        return sum(self.terms().values())

    def driver(self) -> str:
        """The term that dominates :meth:`run_bytes`: 'threats', 'units', 'rounds' or 'civil'."""
        terms = self.terms()
        return max(terms, key=lambda k: terms[k])
