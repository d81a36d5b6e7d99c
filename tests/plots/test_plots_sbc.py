"""SBC rank histograms: binning, the uniform band, and the figure, on synthetic ranks."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from scipy import stats

from neosim.config import OutputSection
from neosim.plots.sbc import plot_sbc_ranks, rank_histogram

from ..report_checks import check_png

STYLE = OutputSection(figure_width_in=6.0, figure_height_in=3.0, dpi=60)


def test_bins_cover_every_rank_once_even_when_unequal():
    # 0..9 in 3 bins: edges must be integers so each rank lands in exactly one bin
    h = rank_histogram(np.arange(10), 10, bins=3)
    assert h.edges.tolist() == [0, 3, 7, 10]
    assert h.counts.tolist() == [3, 4, 3]
    assert h.counts.sum() == 10
    np.testing.assert_allclose(h.expected, [3.0, 4.0, 3.0])


def test_band_is_the_central_binomial_interval_of_each_bin():
    rng = np.random.default_rng(7)
    ranks = rng.integers(0, 100, size=500)
    h = rank_histogram(ranks, 100, bins=20, prob=0.95)
    np.testing.assert_array_equal(h.lower, stats.binom.ppf(0.025, 500, 0.05))
    np.testing.assert_array_equal(h.upper, stats.binom.ppf(0.975, 500, 0.05))
    np.testing.assert_allclose(h.expected, 25.0)
    np.testing.assert_array_equal(h.counts, np.bincount(ranks // 5, minlength=20))


def test_uniform_ranks_mostly_inside_and_biased_ranks_outside():
    rng = np.random.default_rng(11)
    n_ranks, n = 200, 2000
    # 50 independent uniform histograms of 20 bins at a 99% band: 1000 bins, expect ~10 outside
    # (binomial sd ~3.2); 30 bounds it with margin, while a calibrated failure would exceed it.
    outside = sum(int(rank_histogram(rng.integers(0, n_ranks, n), n_ranks).outside.sum())
                  for _ in range(50))
    assert outside <= 30
    # an over-confident posterior puts the truth in the tails: U-shaped ranks
    u = rng.beta(0.5, 0.5, size=n)
    biased = np.minimum((u * n_ranks).astype(int), n_ranks - 1)
    h = rank_histogram(biased, n_ranks)
    assert h.outside[0] and h.outside[-1] and h.outside[len(h.counts) // 2]


@pytest.mark.parametrize(("ranks", "n_ranks", "bins"), [
    (np.array([0, 5, 10]), 10, 5),    # 10 is not a possible rank of 0..9
    (np.array([-1, 2]), 10, 5),
    (np.array([0.5, 2.0]), 10, 5),    # ranks are integers
    (np.array([1, 2]), 10, 11),       # more bins than ranks
])
def test_bad_ranks_are_rejected(ranks, n_ranks, bins):
    with pytest.raises(ValueError):
        rank_histogram(ranks, n_ranks, bins=bins)


def test_sbc_figure_from_a_dataset(tmp_path):
    rng = np.random.default_rng(3)
    n_sim, n_ranks = 400, 100
    ds = xr.Dataset(
        {"theta": ("simulation", rng.integers(0, n_ranks, n_sim)),
         "p": (("simulation", "subtype"), rng.integers(0, n_ranks, (n_sim, 2)))},
        coords={"subtype": ["ALL", "AML"]}, attrs={"n_ranks": n_ranks},
    )
    out = plot_sbc_ranks(ds, tmp_path / "sbc.png", caption="Synthetic ranks (test)", style=STYLE)
    _, h = check_png(out, width_in=6.0, dpi=60)
    assert h == pytest.approx(STYLE.figure_height_in * 0.8)  # one row of three panels
    bare = ds.copy()
    bare.attrs = {}
    with pytest.raises(ValueError, match="n_ranks"):
        plot_sbc_ranks(bare, tmp_path / "x.png", caption="", style=STYLE)
