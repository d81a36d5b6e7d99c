"""PyMC model builders. Each model is defined once; fitting happens only when asked
(see :mod:`neosim.inference`). Builders take plain arrays, not datasets, so the same model serves
real data, simulated data (calibration) and tests.
"""
