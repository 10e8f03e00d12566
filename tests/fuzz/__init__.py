"""Fuzzing of scenario files: a seeded structure-aware mutator of the examples (``fuzzer.py``),
a short run of it in the suite (``test_fuzz.py``) and a long one under ``make fuzz``."""
