"""``summary.csv`` of fits: median and Monte-Carlo SE columns, and contrasts named with their
direction (issue 13). Checked on a posterior built from known draws, so no sampling is needed."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from neosim import constants, inference
from neosim.models.frequencies import contrast_label


def _tree(groups=("ALL", "AML"), seed=3):
    """A posterior of two proportions (the first near 0.6, the second near 0.1) with the
    contrasts of ``models.frequencies.add_proportions``: first minus and over second."""
    rng = np.random.default_rng(seed)
    p = np.stack([rng.beta(60, 40, size=(4, 500)), rng.beta(10, 90, size=(4, 500))], axis=-1)
    if groups[0] == "AML":
        p = p[..., ::-1]
    post = xr.Dataset(
        {"frac": (("chain", "draw", "subtype"), p),
         "frac_difference": (("chain", "draw"), p[..., 0] - p[..., 1]),
         "frac_ratio": (("chain", "draw"), p[..., 0] / p[..., 1])},
        coords={"chain": np.arange(4), "draw": np.arange(500), "subtype": list(groups)})
    return xr.DataTree.from_dict({"/posterior": post}), p


def test_summary_has_median_and_mcse_columns_in_contract_order():
    dt, p = _tree()
    table = inference.summarize(dt, ["frac", "frac_difference"])
    assert tuple(table.columns) == constants.SUMMARY_COLUMNS
    assert {"median", "mcse_mean"} <= set(table.columns)
    row = table.set_index("parameter").loc["frac[ALL]"]
    assert row["median"] == pytest.approx(np.median(p[..., 0]), rel=1e-12)
    # independent draws: the MC SE of the mean is sd / sqrt(draws) within the ESS noise
    iid = np.std(p[..., 0]) / np.sqrt(p[..., 0].size)
    assert 0.8 * iid < row["mcse_mean"] < 1.25 * iid


@pytest.mark.parametrize("groups", [("ALL", "AML"), ("AML", "ALL")])
def test_contrasts_are_named_with_their_direction(groups):
    dt, _ = _tree(groups)
    table = inference.summarize(dt, ["frac", "frac_difference", "frac_ratio"]).set_index(
        "parameter")
    first, second = groups
    diff = table.loc[f"frac_difference[{first}-{second}]"]
    ratio = table.loc[f"frac_ratio[{first}/{second}]"]
    assert "frac_difference" not in table.index and "frac_ratio" not in table.index
    # the named direction is the computed one: ALL (near 0.6) minus AML (near 0.1) is positive
    sign = 1 if first == "ALL" else -1
    assert sign * diff["mean"] > 0.4 and (ratio["mean"] > 1) == (first == "ALL")
    assert diff["mean"] == pytest.approx(table.loc[f"frac[{first}]", "mean"]
                                         - table.loc[f"frac[{second}]", "mean"], abs=1e-12)


def test_contrast_label_leaves_other_variables_alone():
    dt, _ = _tree()
    post = dt["posterior"]
    assert contrast_label(post, "frac") is None
    assert contrast_label(post, "missing_difference") is None
    assert contrast_label(post, "frac_ratio") == "frac_ratio[ALL/AML]"
