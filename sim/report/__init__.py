"""Reports: output files of a run, plots, the exercise timeline, the console summary, the region description."""
