"""The public Python API of neosim (``import neosim as ns``; the names are listed there).

One module per theme, each a thin layer over the modules that do the work:

* :mod:`neosim.api.design`: ``sample_size``, ``power``, ``accrual`` (analytic design);
* :mod:`neosim.api.sequential`: ``group_sequential_design`` (group-sequential boundaries);
* :mod:`neosim.api.simulation`: ``simulate`` (the vectorised trial simulator);
* :mod:`neosim.api.adaptive`: ``bayesian_adaptive``, ``calibrate_thresholds`` (Bayesian
  adaptive designs: posterior and predictive probabilities at looks);
* :mod:`neosim.api.fit`: ``fit_proportions``, ``fit_survival`` (PyMC + nutpie fits);
* :mod:`neosim.api.pooling`: ``pool`` (random-effects pooling, MAP prior), ``ess``;
* :mod:`neosim.api.runs`: ``run``, ``read_run`` (configured experiments and run folders).

Importing this package imports nothing else; every heavy library loads inside the function that
needs it. Bad input raises :class:`neosim.errors.InputError` naming the argument.
"""
