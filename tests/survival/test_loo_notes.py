"""The model labels of the survival figure: elpd differences with their SE, stacking weights
named as such, Pareto k-hat problems shown (issue 13). A comparison where one model takes all
the stacking weight while its elpd lead (0.8) is smaller than its SE (1.1) must not read as
certainty."""

from __future__ import annotations

import numpy as np
import pandas as pd

from neosim.survival.analysis import loo_notes


def _compare_table() -> pd.DataFrame:
    """Shaped as ``loo_table`` (arviz-stats ``compare``, best first, plus ``max_pareto_k``)."""
    return pd.DataFrame(
        {"rank": [0, 1, 2], "elpd": [-87.4, -88.2, np.nan], "se": [8.0, 8.1, np.nan],
         "elpd_diff": [0.0, -0.8, np.nan], "dse": [0.0, 1.1, np.nan],
         "weight": [1.0, 0.0, 0.0], "max_pareto_k": [0.41, 0.85, np.nan]},
        index=pd.Index(["weibull", "piecewise", "cure"], name="model"))


def test_labels_give_elpd_difference_with_se_and_name_the_stacking_weight():
    notes = loo_notes(_compare_table(), 0.7)
    assert notes["weibull"].splitlines() == ["best by PSIS-LOO", "stacking weight 1.00"]
    lines = notes["piecewise"].splitlines()
    assert lines[0] == "elpd −0.8 ± 1.1 (SE) vs best"
    assert lines[1] == "stacking weight 0.00"
    for note in notes.values():
        assert "weight" not in note.replace("stacking weight", "")  # never a bare "weight"


def test_pareto_k_problems_are_in_the_label():
    notes = loo_notes(_compare_table(), 0.7)
    assert "Pareto" not in notes["weibull"]
    assert notes["piecewise"].splitlines()[-1] == "⚠ Pareto k-hat 0.85 > 0.7: LOO unreliable"
    assert notes["cure"].splitlines() == ["PSIS-LOO failed", "stacking weight 0.00",
                                          "⚠ Pareto k-hat not computed"]
    assert "Pareto" not in loo_notes(_compare_table(), 0.9)["piecewise"]  # the threshold is used


def test_a_single_model_gets_its_elpd_and_se():
    table = pd.DataFrame({"rank": [0], "elpd": [-50.25], "p": [2.0], "se": [4.5],
                          "max_pareto_k": [0.3]}, index=pd.Index(["exponential"], name="model"))
    assert loo_notes(table, 0.7) == {"exponential": "elpd −50.2 ± 4.5 (SE)"}
