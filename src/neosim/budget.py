"""Pre-flight estimate of a run's peak memory and rough duration, checked against the budget.

Every experiment kind's ``prepare`` ends with :func:`check` on its estimate, so a run that would
exhaust the machine is refused (exit 2, one line naming the fields that drive the estimate and
the budget to raise) before its run folder exists. The budget lives in the ``[output]`` table that
every kind has: ``memory_budget_gib`` (default 4 GiB, for a 2-core laptop with 24 GiB) and
``time_budget_hours`` (default 48 h).

Estimates are deliberately generous upper bounds: a fixed baseline for the interpreter and the
libraries a kind imports (measured: about 0.55 GiB for a PyMC fit, 0.15 GiB for an analytic
design), plus every array whose size a config field drives, counted with the copies the code
makes (``tests/experiments/test_size_limits.py`` checks that a run's peak RSS stays below its
estimate). Durations are rough (a factor of a few either way) and only refuse the absurd.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from neosim.errors import InputError

GIB = 2.0**30
#: interpreter, numpy, scipy, matplotlib (analytic kinds)
BASE_NUMPY = 0.5 * GIB
#: the above plus PyMC, PyTensor, nutpie and ArviZ (kinds that sample)
BASE_PYMC = 1.0 * GIB
#: bytes of one float64
F8 = 8.0
#: copies of the posterior a fit holds at its peak (sampler trace, DataTree, summaries, plots)
POSTERIOR_COPIES = 6.0
#: rough seconds per gradient evaluation of a small model, and leapfrog steps per draw
GRAD_SECONDS = 2e-5
STEPS_PER_DRAW = 10.0
#: rough compile time of a PyMC model with nutpie (seconds)
COMPILE_SECONDS = 15.0


@dataclass(frozen=True)
class Estimate:
    """A run's estimated peak memory (bytes) and rough duration (seconds).

    ``drivers`` are the dotted config fields that drive the memory estimate, the largest first,
    and ``time_drivers`` those that drive the duration (the same when empty); the error message
    names them.
    """

    memory_bytes: float
    seconds: float
    drivers: tuple[str, ...]
    time_drivers: tuple[str, ...] = ()

    @property
    def memory_gib(self) -> float:
        return self.memory_bytes / GIB


def check(estimate: Estimate, output, *, file: str) -> Estimate:
    """Refuse a run whose estimate exceeds ``output.memory_budget_gib`` or
    ``output.time_budget_hours``.

    Raises
    ------
    InputError
        Naming the first driver as the field, every driver and the budget in the message.
    """
    fields = ", ".join(estimate.drivers)
    field = estimate.drivers[0] if estimate.drivers else "output.memory_budget_gib"
    mem = estimate.memory_gib
    if not math.isfinite(mem) or mem > output.memory_budget_gib:
        raise InputError(
            f"the run needs about {_num(mem)} GiB of memory by the pre-flight estimate (driven "
            f"by {fields}), over output.memory_budget_gib = {output.memory_budget_gib:g}; "
            "make those smaller, or raise output.memory_budget_gib if the machine has the memory",
            file=file, field=field)
    hours = estimate.seconds / 3600.0
    if estimate.time_drivers:
        fields = ", ".join(estimate.time_drivers)
        field = estimate.time_drivers[0]
    if not math.isfinite(hours) or hours > output.time_budget_hours:
        raise InputError(
            f"the run takes roughly {_num(hours)} hours by the pre-flight estimate (driven by "
            f"{fields}), over output.time_budget_hours = {output.time_budget_hours:g}; make "
            "those smaller, or raise output.time_budget_hours", file=file, field=field)
    return estimate


def ranked(terms: dict[tuple[str, ...], float]) -> tuple[str, ...]:
    """The fields of ``terms`` (fields -> bytes or seconds they drive), largest term first."""
    out: list[str] = []
    for fields, _ in sorted(terms.items(), key=lambda kv: -kv[1]):
        out += [f for f in fields if f not in out]
    return tuple(out)


def _num(x: float) -> str:
    return f"{x:.3g}" if math.isfinite(x) and x < 1e15 else "more than 1e15"


def sampler(chains: int, draws: int, tune: int, values_per_draw: float, *,
            cores: int = 1, data_size: float = 1.0) -> tuple[float, float]:
    """Memory (bytes) of a fit's stored draws and its rough duration (seconds).

    ``values_per_draw``: numbers stored per draw (parameters, deterministics, pointwise
    log-likelihood); ``data_size``: observations a gradient touches.
    """
    memory = POSTERIOR_COPIES * F8 * chains * draws * max(values_per_draw, 1.0)
    grads = chains * (draws + tune) * STEPS_PER_DRAW
    seconds = grads * GRAD_SECONDS * (1.0 + data_size / 100.0) / max(1, min(cores, chains))
    return memory, seconds


def for_sampler_kind(sampler_cfg, values_per_draw: float, *, fits: int = 1,
                     data_size: float = 1.0, kept_fits: int = 1,
                     extra_bytes: float = 0.0, extra_drivers: tuple[str, ...] = ()) -> Estimate:
    """Estimate of a kind that runs ``fits`` NUTS fits with ``[sampler]`` settings and keeps
    ``kept_fits`` of them in memory at once."""
    s = sampler_cfg
    mem, sec = sampler(s.chains, s.draws, s.tune, values_per_draw, cores=s.cores,
                       data_size=data_size)
    return Estimate(BASE_PYMC + kept_fits * mem + extra_bytes, COMPILE_SECONDS + fits * sec,
                    ("sampler.draws", "sampler.chains", *extra_drivers),
                    ("sampler.draws", "sampler.tune", "sampler.chains", *extra_drivers))
