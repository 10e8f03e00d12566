"""Threat evaluation: what each threat puts at risk."""

from .value import value_at_risk

__all__ = ["value_at_risk"]
