"""Analysis of a finished run: KPIs against the planning targets, coverage curves, the supply audit."""
