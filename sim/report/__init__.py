"""Reports: a run's output files, plots, the exercise event list, GeoJSON, the HTML reports of runs, batches and comparisons, the console summary, the region description."""
