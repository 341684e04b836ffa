"""Test-suite settings: Hypothesis runs derandomized, so CI sees the same
examples on every run (a property failure is then a real regression, not luck)."""
from hypothesis import settings

settings.register_profile("sim", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("sim")
