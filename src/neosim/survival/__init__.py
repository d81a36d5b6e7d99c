"""Patient-level survival data: the IPD schema and loader (:mod:`.ipd`), synthetic cohorts
(:mod:`.synthetic`), and the nonparametric Kaplan–Meier estimate and log-rank test
(:mod:`.nonparametric`). The parametric families live in
:mod:`neosim.models.families` (one class each), their fitting in :mod:`neosim.models.survival`.
"""
