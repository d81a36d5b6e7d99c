"""The vectorised trial engine: blocks of trials drawn from seeded streams, analysed by a kernel.

Seeding (the reproducibility contract): the unit of randomness is a **block** of :data:`BLOCK`
trials. Block ``b`` of scenario ``s`` draws from
``seeds.rng(seed, s, b)`` (``SeedSequence(entropy=seed, spawn_key=(s, b))``) and always
draws a whole block (the last one is truncated after drawing), so the statistics of trial ``i``
depend only on ``(seed, s, i)``: identical for any chunking, worker count or completion order,
and a run of ``n`` trials is a prefix of a run of more.

:func:`simulate_blocks` is the pure unit of work (a chunk = a run of whole blocks; it returns plain
numpy arrays, ready to be shipped by dask or checkpointed); :func:`simulate` is the in-process
driver that runs chunks on threads through the one executor, :class:`neosim.compute.Backend`
(the kernel and numpy's generators release the GIL).
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterable, Sequence

import numpy as np

from neosim import seeds
from neosim.compute import Backend, Task
from neosim.simulator.scenario import DesignPrior, Looks, TrialScenario

#: Trials per block, the unit of seeding. Changing it changes every simulated number.
BLOCK = 1024
#: Blocks per chunk in :func:`simulate` (affects speed and memory only, never results).
CHUNK_BLOCKS = 8


def n_blocks(n_trials: int) -> int:
    """Blocks needed for ``n_trials`` trials."""
    return math.ceil(n_trials / BLOCK)


def block_rng(seed: int, scenario_index: int, block: int) -> np.random.Generator:
    """The random stream of one block: keyed by identity, never by execution order."""
    return seeds.rng(seed, scenario_index, block)


def draw_block(scenario: TrialScenario, rng: np.random.Generator,
               design_prior: DesignPrior | None = None):
    """Draw the patients of one block of :data:`BLOCK` trials.

    Returns ``entry, event_time, dropout_time`` (``(BLOCK, n)`` months; ``dropout_time`` is
    ``None`` without dropout) and a dict of the per-trial true parameters drawn from the design
    prior (empty without one). Order of draws: entry uniforms, event exponentials, dropout
    exponentials (if any dropout), design prior (if any).
    """
    from neosim.simulator.kernels import accrual_entry
    from neosim.simulator.models import Exponential

    n = int(scenario.n)
    arm = scenario.arm
    entry = rng.random((BLOCK, n))
    cum, times = scenario.accrual.knots(n)
    keep = np.concatenate([np.diff(cum) > 0, [True]])
    accrual_entry(entry, cum[keep], times[keep], float(n))
    e = rng.standard_exponential((BLOCK, n))
    tdrop = None
    drop_t, drop_c = scenario.dropout_rates
    if drop_t > 0 or drop_c > 0:
        tdrop = rng.standard_exponential((BLOCK, n))
        if drop_t == drop_c:
            tdrop *= 1.0 / drop_c
        else:  # per arm; an arm without dropout never drops out
            with np.errstate(divide="ignore"):
                scale = np.where(arm == 1, 1.0 / drop_t if drop_t > 0 else np.inf,
                                 1.0 / drop_c if drop_c > 0 else np.inf)
            tdrop *= scale
            tdrop[:, np.isinf(scale)] = np.inf
    truth: dict[str, np.ndarray] = {}
    if scenario.treatment is not None:  # non-proportional hazards: one model per arm
        t, c = arm == 1, arm == 0
        e[:, t] = scenario.treatment.inverse_cumulative_hazard(e[:, t])
        e[:, c] = scenario.control.inverse_cumulative_hazard(e[:, c])
        return entry, e, tdrop, truth
    if design_prior is not None:
        log_hr, rate = design_prior.sample(BLOCK, rng, scenario)
        truth = {"true_log_hr": log_hr, "true_control_rate": rate}
        e /= np.exp(np.outer(log_hr, arm))  # HR on treatment slots, 1 on control slots
        if design_prior.control_rate is not None:
            e *= (scenario.control.rate / rate)[:, None]
    else:  # one pass: E / HR on treatment slots, and / rate for an exponential control
        factor = np.where(arm == 1, 1.0 / scenario.hazard_ratio, 1.0)
        if isinstance(scenario.control, Exponential):
            e *= factor / scenario.control.rate
            return entry, e, tdrop, truth
        if scenario.hazard_ratio != 1.0:
            e *= factor
    if isinstance(scenario.control, Exponential):
        e *= 1.0 / scenario.control.rate
        return entry, e, tdrop, truth
    return entry, scenario.control.inverse_cumulative_hazard(e), tdrop, truth


def simulate_blocks(
    scenario: TrialScenario,
    scenario_index: int,
    block_indices: Iterable[int],
    n_trials: int,
    seed: int,
    *,
    design_prior: DesignPrior | None = None,
    cox: bool = True,
    looks: Looks | None = None,
) -> dict[str, np.ndarray]:
    """Simulate and analyse the given blocks of one scenario (a chunk). Pure: same input, same
    output, whatever else runs.

    Parameters
    ----------
    scenario, scenario_index
        The scenario and its index in the run's grid (part of the seed key).
    block_indices
        Blocks to run (trials ``b * BLOCK`` … ``(b + 1) * BLOCK - 1``, truncated at ``n_trials``).
    n_trials
        Trials in the whole run (only truncates the last block).
    seed
        The run's seed.
    design_prior
        Per-trial true parameters (assurance); ``None`` for fixed parameters.
    cox
        Fit the Cox model (costs about as much as everything else together).
    looks
        Interim looks (:class:`neosim.simulator.scenario.Looks`): analyse every trial at each
        look instead of once (same draws, so the same patients as without looks).

    Returns
    -------
    dict
        One 1-d array per statistic (:data:`neosim.simulator.kernels.STATS`, plus
        ``os_expected`` = Σ Λ₀(yᵢ) for single-arm trials and ``true_log_hr`` /
        ``true_control_rate`` with a design prior), trials in block order. With ``looks``: one
        ``(trials, looks)`` array per name of :data:`neosim.simulator.seq_kernels.LOOK_STATS`
        (plus the design prior's truths).
    """
    from neosim.simulator.kernels import N_STATS, STATS, trial_statistics

    blocks = [b for b in block_indices if b * BLOCK < n_trials]
    if looks is not None:
        return _look_blocks(scenario, scenario_index, blocks, n_trials, seed, design_prior, cox,
                            looks)
    n = int(scenario.n)
    out = np.empty((len(blocks) * BLOCK, N_STATS))
    single = scenario.design == "single_arm"
    expected = np.empty(len(blocks) * BLOCK) if single else None
    truths: list[dict[str, np.ndarray]] = []
    d_target = int(scenario.events or 0)
    t_analysis = float(scenario.analysis_time or 0.0)
    t_max = float(scenario.max_duration) if scenario.max_duration is not None else np.inf
    landmark = float(scenario.landmark) if scenario.landmark is not None else -1.0
    y = np.empty((BLOCK, n)) if single else None
    for k, b in enumerate(blocks):
        entry, tev, tdrop, truth = draw_block(scenario, block_rng(seed, scenario_index, b),
                                              design_prior)
        rows = slice(k * BLOCK, (k + 1) * BLOCK)
        trial_statistics(entry, tev, tdrop, scenario.n_treatment, d_target, t_analysis, t_max,
                         float(scenario.time_resolution), landmark, cox, y, out[rows])
        if single:
            expected[rows] = scenario.control.cumulative_hazard(y).sum(axis=1)
        truths.append(truth)
    keep = _keep_rows(blocks, n_trials)
    result = {name: np.ascontiguousarray(out[keep, j]) for j, name in enumerate(STATS)}
    if single:
        result["os_expected"] = expected[keep]
    if truths and truths[0]:
        for name in truths[0]:
            result[name] = np.concatenate([t[name] for t in truths])[keep]
    return result


def _keep_rows(blocks: Sequence[int], n_trials: int) -> np.ndarray:
    """Rows to keep: all of every block but the run's last, which is truncated at n_trials."""
    return np.concatenate([k * BLOCK + np.arange(min(BLOCK, n_trials - b * BLOCK))
                           for k, b in enumerate(blocks)]) if blocks else np.arange(0)


def _look_blocks(scenario: TrialScenario, scenario_index: int, blocks: Sequence[int],
                 n_trials: int, seed: int, design_prior: DesignPrior | None, cox: bool,
                 looks: Looks) -> dict[str, np.ndarray]:
    """:func:`simulate_blocks` with looks: the same draws, analysed at every look."""
    from neosim.simulator.seq_kernels import sequential_statistics

    looks.check(scenario)
    t_max = float(scenario.max_duration) if scenario.max_duration is not None else np.inf
    parts: list[dict[str, np.ndarray]] = []
    for b in blocks:
        entry, tev, tdrop, truth = draw_block(scenario, block_rng(seed, scenario_index, b),
                                              design_prior)
        res = sequential_statistics(entry, tev, tdrop, scenario.n_treatment, looks.events,
                                    looks.times, t_max, float(scenario.time_resolution),
                                    looks.theta_h0, cox)
        parts.append(res | truth)
    keep = _keep_rows(blocks, n_trials)
    if not parts:
        return {}
    return {name: np.ascontiguousarray(np.concatenate([p[name] for p in parts])[keep])
            for name in parts[0]}


def chunk_task(task, seed: int) -> dict[str, np.ndarray]:
    """:func:`simulate_blocks` as a :mod:`neosim.compute` task.

    ``task.args = (scenario, scenario_index, blocks, n_trials, design_prior, cox[, looks])``;
    picklable, so the same chunk runs in process, on threads or on dask workers with identical
    results.
    """
    scenario, scenario_index, blocks, n_trials, design_prior, cox, *rest = task.args
    return simulate_blocks(scenario, scenario_index, blocks, n_trials, seed,
                           design_prior=design_prior, cox=cox, looks=rest[0] if rest else None)


def chunks_of(n_trials: int, chunk_blocks: int = CHUNK_BLOCKS) -> list[range]:
    """Split the blocks of a run into chunks of ``chunk_blocks`` whole blocks."""
    nb = n_blocks(n_trials)
    return [range(i, min(i + chunk_blocks, nb)) for i in range(0, nb, chunk_blocks)]


def default_workers() -> int:
    """Threads to use: the cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def simulate(
    scenario: TrialScenario,
    n_trials: int,
    seed: int,
    *,
    scenario_index: int = 0,
    design_prior: DesignPrior | None = None,
    cox: bool = True,
    workers: int | None = None,
    chunk_blocks: int = CHUNK_BLOCKS,
    progress=None,
    description: str = "Simulating trials",
    looks: Looks | None = None,
) -> dict[str, np.ndarray]:
    """Run ``n_trials`` trials of one scenario in process, chunks on ``workers`` threads.

    The result is bit-identical for any ``workers`` and ``chunk_blocks`` (see the module
    docstring). ``progress`` is a :class:`neosim.progress.Progress` (a bar over trials).
    With ``looks`` each statistic is a ``(n_trials, looks)`` array (see :func:`simulate_blocks`).
    """
    if n_trials < 1:
        raise ValueError("n_trials must be positive")
    if design_prior is not None:
        design_prior.check(scenario)
    from neosim.simulator.kernels import trial_statistics  # noqa: F401 - compile/load once here

    workers = workers or default_workers()
    chunks = chunks_of(n_trials, chunk_blocks)
    out: dict[str, np.ndarray] = {}

    def store(chunk: Sequence[int], res: dict[str, np.ndarray]) -> int:
        start = chunk[0] * BLOCK
        stop = start + len(next(iter(res.values())))
        for name, values in res.items():
            if name not in out:
                out[name] = np.empty((n_trials, *values.shape[1:]), dtype=values.dtype)
            out[name][start:stop] = values
        return stop - start

    def run(task: Task, seed: int) -> dict[str, np.ndarray]:
        return simulate_blocks(scenario, scenario_index, task.args, n_trials, seed,
                               design_prior=design_prior, cox=cox, looks=looks)

    # the one executor (compute.Backend) on threads, always in this process: a chunk's key is
    # its first block, and store() puts each result at its own trials, whatever the order
    tasks = [Task(key=(chunk[0],), args=chunk) for chunk in chunks]
    backend = Backend(threads=workers, scheduler="")
    bar = progress.bar(description, total=n_trials) if progress is not None else None
    advance = bar.__enter__() if bar is not None else (lambda n=1: None)
    try:
        with contextlib.closing(backend.map(run, tasks, seed)) as finished:
            for task, res in finished:
                advance(store(task.args, res))
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    return out
