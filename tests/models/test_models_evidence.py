"""Published figures to logit-scale likelihoods: the delta method, CIs, effective counts, time."""

from __future__ import annotations

import math
from statistics import NormalDist

import pytest

from neosim.data.published import load_table
from neosim.errors import InputError
from neosim.models.evidence import ConversionSettings, convert, convert_all, logit

Z975 = NormalDist().inv_cdf(0.975)


@pytest.fixture(scope="module")
def fig():
    return load_table().figures


def test_se_by_delta_method(fig):
    st = convert(fig["interfant99_congenital_os24"], ConversionSettings())
    assert st.kind == "normal"
    assert st.y == pytest.approx(math.log(0.2 / 0.8), rel=1e-12)
    assert st.s == pytest.approx(0.091 / (0.2 * 0.8), rel=1e-12)
    assert st.assumptions == ()


def test_se_from_a_published_ci(fig):
    s = ConversionSettings(time_conversion="plateau")
    st = convert(fig["alfaar2017_os60"], s)
    se = (0.499 - 0.283) / (2 * Z975)
    assert st.s == pytest.approx(se / (0.391 * 0.609), rel=1e-12)
    st = convert(fig["alfaar2017_os60"], ConversionSettings(time_conversion="plateau",
                                                             ci_scale="logit"))
    assert st.s == pytest.approx((logit(0.499) - logit(0.283)) / (2 * Z975), rel=1e-12)
    assert any("logit scale" in a for a in st.assumptions)


def test_missing_se_is_an_error_unless_a_bridge_is_chosen(fig):
    with pytest.raises(InputError, match="no SE or CI published"):
        convert(fig["bresters2002_os24"], ConversionSettings(), file="e.toml", field="x")
    st = convert(fig["bresters2002_os24"], ConversionSettings(missing_se="binomial_n"))
    assert st.s == pytest.approx(1 / math.sqrt(117 * 0.23 * 0.77), rel=1e-12)
    assert "understates" in st.assumptions[0]


def test_effective_binomial_counts_reproduce_the_se(fig):
    st = convert(fig["interfant99_congenital_os24"],
                 ConversionSettings(likelihood="effective_binomial"))
    assert st.kind == "binomial"
    p = st.k / st.n
    assert p == pytest.approx(0.2)
    assert math.sqrt(p * (1 - p) / st.n) == pytest.approx(0.091, rel=1e-12)


def test_time_conversions(fig):
    row = fig["cog_p9407_efs60"]
    base = dict(measures=("OS", "EFS"))
    with pytest.raises(InputError, match="landmark 60 months differs"):
        convert(row, ConversionSettings(**base))
    plateau = convert(row, ConversionSettings(time_conversion="plateau", **base))
    assert plateau.y == pytest.approx(logit(0.155))
    assert any("plateau" in a for a in plateau.assumptions)
    assert any("EFS pooled with OS" in a for a in plateau.assumptions)
    expo = convert(row, ConversionSettings(time_conversion="exponential", **base))
    r = 24 / 60
    p = 0.155**r
    assert expo.p_obs == pytest.approx(p, rel=1e-12)
    # delta method against a numerical derivative of p -> p^r
    h = 1e-6
    deriv = ((0.155 + h) ** r - (0.155 - h) ** r) / (2 * h)
    assert expo.s == pytest.approx(deriv * 0.101 / (p * (1 - p)), rel=1e-6)


def test_measure_must_be_pooled(fig):
    with pytest.raises(InputError, match="measure EFS is not among"):
        convert(fig["interfant99_congenital_efs24"], ConversionSettings(measures=("OS",)))


def test_counts_at_unknown_follow_up(fig):
    row = fig["jilsg2006_survivors"]
    with pytest.raises(InputError, match="unknown follow-up"):
        convert(row, ConversionSettings())
    st = convert(row, ConversionSettings(unknown_follow_up="as_landmark"))
    assert (st.kind, st.k, st.n) == ("binomial", 4.0, 11.0)
    assert "unknown follow-up taken as survival at 24 months" in st.assumptions[0]


def test_one_figure_per_study(fig):
    rows = [fig["interfant99_congenital_os24"], fig["interfant99_congenital_efs24"]]
    with pytest.raises(InputError, match="same study") as exc:
        convert_all(rows, ConversionSettings(measures=("OS", "EFS")), file="e.toml",
                    field="data.figures")
    assert exc.value.field == "data.figures[1]"
