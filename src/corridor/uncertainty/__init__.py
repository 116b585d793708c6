"""Uncertainty of a corridor study: every ranged input sampled (Latin hypercube), N study evaluations on Dask
(or a plain loop), P10/P50/P90 of the headline metrics, P(ENPV > 0) and a tornado of ENPV."""
