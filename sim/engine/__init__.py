"""The engine: runs a world in SimPy, scheduling the hazard's changes and work, the outage windows and rescue."""
