"""The road network: RoadGraph (CSR arrays), readers for OSM/GraphML/CSV/DIMACS, the built-in district, snapping, areas."""
