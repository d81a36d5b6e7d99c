"""Every model writes its priors once: the prior objects its PyMC model is built from are the
objects its SBC prior draws come from (each shipped calibration: the frequency models, every
survival family, the aggregate survival model, the pooling model), and the survival config's
old flat prior keys are one-line errors naming the new table."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from neosim import seeds
from neosim.errors import InputError
from neosim.experiments import load_experiment, sbc
from neosim.priors import Distribution

from ..conftest import ROOT, write_config

EXPERIMENTS = ROOT / "experiments"
SBC = sorted(p.name for p in EXPERIMENTS.glob("sbc_*.toml"))


def _spy(prior: Distribution, log: list) -> Distribution:
    """A copy of ``prior`` (same class, same numbers) that logs who asks for its PyMC variable
    and who draws from it."""
    class Spy(type(prior)):
        def sample(self, size, rng):
            log.append(("sample", id(self)))
            return super().sample(size, rng)

        def pymc(self, name, dims=None, **kw):
            log.append(("pymc", id(self)))
            return super().pymc(name, dims, **kw)

    return Spy.model_validate(prior.model_dump())


def _replace_priors(value, log: list, spies: list):
    """``value`` with every prior object inside it (tuples, lists, config models) a spy."""
    if isinstance(value, Distribution):
        spies.append(_spy(value, log))
        return spies[-1]
    if isinstance(value, tuple | list):
        return type(value)(_replace_priors(v, log, spies) for v in value)
    if isinstance(value, BaseModel):
        return value.model_copy(update={k: _replace_priors(getattr(value, k), log, spies)
                                        for k in type(value).model_fields})
    return value


@pytest.mark.parametrize("name", SBC)
def test_pymc_and_sbc_draws_take_the_same_prior_objects(name):
    path = EXPERIMENTS / name
    spec = sbc.prepare(load_experiment(path), str(path)).spec
    log, spies = [], []
    args = _replace_priors(spec.build_args, log, spies)
    assert spies, "the model's priors are not prior objects"
    spec.build(*args)
    built = {i for what, i in log if what == "pymc"}
    log.clear()
    spec.draw(args, seeds.rng(5, 0))
    drawn = {i for what, i in log if what == "sample"}
    assert built and built == drawn  # every prior in the model is drawn, and nothing else


@pytest.mark.parametrize("target, where", [
    ("international_pooling.toml", lambda c: (c.model.mu_prior, c.model.tau_prior)),
    ("jilsg_survival.toml", lambda c: (c.model.logit_mean, c.model.logit_sd)),
    ("jilsg_subtypes.toml", lambda c: (c.models.neonatal_fraction.prior,)),
])
def test_sbc_specs_carry_the_config_prior_objects(target, where):
    """The kinds hand their config's prior objects themselves to the model and the SBC draws
    (not copies of their numbers)."""
    from neosim.experiments import kind_module

    path = EXPERIMENTS / target
    cfg = load_experiment(path)
    module = kind_module(cfg.experiment.kind)
    spec = module.sbc_spec(module.prepare(cfg, str(path)))
    ids = {id(p) for p in where(cfg)}
    assert ids <= {id(x) for x in _originals(spec.build_args)}


def _originals(value):
    if isinstance(value, Distribution):
        return [value]
    if isinstance(value, tuple | list):
        return [x for v in value for x in _originals(v)]
    if isinstance(value, BaseModel):
        return [x for k in type(value).model_fields for x in _originals(getattr(value, k))]
    return []


@pytest.mark.parametrize("old, new", [("hazard_a", "hazard"), ("scale_sd_log", "scale"),
                                      ("cure_beta", "cure_fraction")])
def test_old_survival_prior_keys_name_the_new_table(tmp_path, old, new):
    text = (EXPERIMENTS / "ipd_survival_synthetic.toml").read_text()
    text = text.replace("[models.priors]\n", f"[models.priors]\n{old} = 1.0\n")
    path = write_config(tmp_path / "old.toml", text)
    with pytest.raises(InputError) as err:
        load_experiment(path)
    msg = str(err.value)
    assert "\n" not in msg and f"models.priors.{old}: " in msg and f"write {new} = {{" in msg
