"""Scenario files: schema (pydantic v2), loading with every problem reported, SI tables.

Where it sits: the first stage. ``load_scenario`` validates a YAML file once; ``compile_tables``
converts it once to SI struct-of-arrays tables; nothing downstream sees a unit suffix.
"""

from .load import load_scenario, parse_scenario
from .model import THREAT_CLASSES, Scenario, ThreatClass

__all__ = ["THREAT_CLASSES", "Scenario", "ThreatClass", "load_scenario", "parse_scenario"]
