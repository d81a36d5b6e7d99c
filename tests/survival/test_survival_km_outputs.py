"""The Kaplan–Meier outputs of a survival_ipd run: bands and the at-risk table stored per subtype
(values of R's survfit, tests/reference/survival_cases.R, KM3/KM4) and drawn in the figure."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import xarray as xr

from neosim.models import survival as sv
from neosim.survival.analysis import kaplan_meier_groups, risk_times

TIME = [9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161, 5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45]
EVENT = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]
ARM = [0] * 11 + [1] * 12


def _groups():
    data = sv.SurvivalData(np.asarray(TIME, float), np.asarray(EVENT), np.asarray(ARM),
                           ("Maintained", "Nonmaintained"))
    return kaplan_meier_groups(data, ci_prob=0.95, t_max=24.0)


def test_groups_store_r_log_bands_and_numbers_at_risk():
    km = _groups()
    m, n = km["Maintained"], km["Nonmaintained"]
    assert m.attrs["conf_type"] == "log" and m.attrs["ci_prob"] == 0.95
    # R summary(fit, times = c(12, 24)) on the aml arms (KM3, KM4 of survival_cases.R)
    at = np.searchsorted(m["time"].values, [12, 24], side="right") - 1
    np.testing.assert_allclose(m["lower"].values[at], [0.754133845081525, 0.37686705950168],
                               rtol=1e-12)
    np.testing.assert_allclose(m["upper"].values[at], [1.0, 0.999157600228473], rtol=1e-12)
    at = np.searchsorted(n["time"].values, [12, 24], side="right") - 1
    np.testing.assert_allclose(n["lower"].values[at], [0.361613705210385, 0.267518248858267],
                               rtol=1e-12)
    assert n["risk_time"].values.tolist() == [0, 6, 12, 18, 24]
    assert m["n_at_risk"].values.tolist() == [11, 11, 10, 8, 6]
    assert n["n_at_risk"].values.tolist() == [12, 10, 8, 6, 5]  # R n.risk: 10 at 6, 8 at 12, 5


@pytest.mark.parametrize(("t_max", "ticks"), [(60.0, 6), (24.0, 5), (5.0, 6), (1200.0, 6)])
def test_risk_times_are_round_and_at_most_seven(t_max, ticks):
    got = risk_times(t_max)
    assert got[0] == 0 and got[-1] <= t_max and len(got) == ticks


def test_figure_draws_km_band_and_at_risk_row(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    from neosim.plots import survival as plot

    km = _groups()
    grid = np.linspace(0, 24, 25)
    s = np.vstack([np.exp(-grid / 30)] * 2)
    curve = xr.Dataset({"median": (("subtype", "time"), s), "lower": (("subtype", "time"), s),
                        "upper": (("subtype", "time"), s)},
                       coords={"subtype": list(km), "time": grid}, attrs={"ci_prob": 0.95})
    seen = {}
    close = plt.close
    monkeypatch.setattr(plt, "close", lambda fig: seen.setdefault("fig", fig) and close(fig))
    style = SimpleNamespace(figure_width_in=7.0, figure_height_in=4.5, dpi=60)
    plot.plot_survival_models({"exponential": curve}, km, tmp_path / "s.png", caption="c",
                              style=style)
    axes = seen["fig"].axes
    texts = [t.get_text() for t in axes[1].texts]
    assert texts == ["12", "10", "8", "6", "5"]
    assert "at risk" in [t.get_text() for t in axes[0].texts]
    dotted = [ln for ln in axes[0].lines if ln.get_linestyle() == ":"]
    assert len(dotted) == 2
    assert list(axes[0].get_xticks()) == [0, 6, 12, 18, 24]


def test_findings_give_the_kaplan_meier_median_with_its_interval():
    import pandas as pd

    from neosim.survival.analysis import findings

    data = sv.SurvivalData(np.asarray(TIME, float), np.asarray(EVENT), np.asarray(ARM),
                           ("Maintained", "Nonmaintained"))
    prep = SimpleNamespace(data=data, ipd=SimpleNamespace(synthetic=False), description="aml",
                           spec=None, families=[])
    out = findings(prep, {}, _groups(), pd.DataFrame(index=["exponential"]))
    med = out["kaplan_meier_median_months"]
    # R print(survfit(...)): 31 (18, NA) and 23 (8, NA)
    assert med["Maintained"] == {"median": 31.0, "ci_lower": 18.0, "ci_upper": None}
    assert med["Nonmaintained"] == {"median": 23.0, "ci_lower": 8.0, "ci_upper": None}
    assert "print.survfit" in med["rule"]


def test_the_public_api_gives_r_numbers_from_a_dataframe():
    """ns.kaplan_meier and ns.logrank on R's aml data as a DataFrame: print(survfit(...))
    medians 31 (18, NA) and 23 (8, NA); survdiff chi-square 3.3964 on 1 df, p 0.065339 (LR1 of
    tests/reference/survival_cases.R)."""
    import pandas as pd

    import neosim as ns

    df = pd.DataFrame({"time": TIME, "status": EVENT,
                       "x": ["Maintained" if a == 0 else "Nonmaintained" for a in ARM]})
    km = ns.kaplan_meier(df, time="time", event="status", group="x")
    assert list(km) == ["Maintained", "Nonmaintained"]
    med, lower, upper = km["Maintained"].median()
    assert (med, lower) == (31.0, 18.0) and np.isnan(upper)
    assert km["Nonmaintained"].median()[:2] == (23.0, 8.0)
    lr = ns.logrank(df, time="time", event="status", group="x")
    assert lr.df == 1
    np.testing.assert_allclose([lr.statistic, lr.p_value], [3.3963886989776, 0.0653393220405051],
                               rtol=1e-9)
    from neosim.errors import InputError

    with pytest.raises(InputError):
        ns.logrank(df.assign(x="one"), time="time", event="status", group="x")
