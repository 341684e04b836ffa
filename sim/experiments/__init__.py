"""Experiments: batches of replications on common random numbers, sweeps, executors, results, paired comparisons and their statistics."""
