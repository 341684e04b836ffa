"""Agents: the SimPy processes of a run — depots, trucks, teams, zones, shelters — and driving over the roads."""
