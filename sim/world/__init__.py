"""The world of one run, complete when built: road graph and router, zones hit by the impact, agents, command, road-state layers, outage plan, random streams, event log."""
