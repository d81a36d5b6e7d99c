"""Plots, one module per plot kind. Each function draws from stored results (a posterior
``DataTree``, a summary table, a simulation ``Dataset``) and writes one figure file; nothing here
computes a statistic that a result file does not already hold, beyond densities for display.
"""
