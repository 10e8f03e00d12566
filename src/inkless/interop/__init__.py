"""Formats coalition operators already use: Cursor-on-Target (TAK) and EUROCONTROL ASTERIX.

Adapters at the edge of the flow (above the after-action, below the command line): they read
what a run wrote or the engine made and speak it in another system's format, and read those
formats back in. ``cot`` (CoT XML and TAK protocol v1), ``asterix`` (CAT048 plots, CAT062 system
tracks), ``picture`` (the coalition picture a run writes as ``tracks.csv``, every track at
every decision cycle), ``radar`` (a run's radar plots as CAT048 and back into the fed picture),
``cotin`` (a recorded TAK feed's self-reports as friend evidence in a run).
"""

__all__: list[str] = []
