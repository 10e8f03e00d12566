"""War-gaming: Monte Carlo replications (local processes now; Dask later); the coalition
composed otherwise (counterfactual reruns, what-ifs)."""

from .counterfactual import (
    Composition,
    LegalRecord,
    legal_record,
    rule_costs,
    scenario_gates,
    whatif,
)
from .replications import replicate, run_replications

__all__ = [
    "Composition",
    "LegalRecord",
    "legal_record",
    "replicate",
    "rule_costs",
    "run_replications",
    "scenario_gates",
    "whatif",
]
