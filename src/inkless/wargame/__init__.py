"""War-gaming on Dask: Monte Carlo replications, sweeps of variants and their comparison, the
coalition composed otherwise (counterfactual reruns, what-ifs); every rerun goes through the one
runner (:mod:`.runner`)."""

from .compare import compare, write_report
from .counterfactual import (
    Composition,
    LegalRecord,
    legal_record,
    rule_costs,
    scenario_gates,
    whatif,
)
from .replications import run_replications
from .runner import Arm, Cluster
from .sweep import BASELINE, Plan, Sweep, Variant, load_sweep, run_sweep

__all__ = [
    "BASELINE",
    "Arm",
    "Cluster",
    "Composition",
    "LegalRecord",
    "Plan",
    "Sweep",
    "Variant",
    "compare",
    "legal_record",
    "load_sweep",
    "rule_costs",
    "run_replications",
    "run_sweep",
    "scenario_gates",
    "whatif",
    "write_report",
]
