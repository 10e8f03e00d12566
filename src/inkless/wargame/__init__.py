"""War-gaming: Monte Carlo replications (local processes now; Dask later)."""

from .replications import replicate, run_replications

__all__ = ["replicate", "run_replications"]
