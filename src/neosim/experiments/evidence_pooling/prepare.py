"""``prepare`` of the ``evidence_pooling`` kind: the published figures read and turned into study
likelihoods, the pre-flight budget.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from neosim.errors import InputError
from neosim.experiments.evidence_pooling.schema import Config
from neosim.inputs import resolve_path


@dataclass
class Prepared:
    """Everything a run needs, loaded and validated before any folder is created."""

    cfg: Config
    table: Any
    rows: list  # FigureRow, in config order
    studies: list  # StudyLikelihood, in config order
    table_status: list[dict]
    time_variants: dict[str, list]  # time conversion -> StudyLikelihoods


@dataclass(frozen=True)
class Endpoint:
    """What the pooled figures measure, in words: ``long`` for headlines and captions
    (``24-month overall survival``), ``short`` for axes (``24-month OS``), ``binary`` when every
    figure is survivors among n at an unknown follow-up (a proportion, not survival at a time)."""

    long: str
    short: str
    binary: bool


def pooled_endpoint(rows: list, landmark_months: float) -> Endpoint:
    """The :class:`Endpoint` of the figures ``rows`` (``FigureRow``) pooled at ``landmark_months``.

    >>> from types import SimpleNamespace as Row
    >>> pooled_endpoint([Row(measure="OS", landmark_months=None)], 24.0).long
    'proportion alive at last follow-up (binary)'
    >>> pooled_endpoint([Row(measure="OS", landmark_months=24.0),
    ...                  Row(measure="EFS", landmark_months=60.0)], 24.0).short
    '24-month OS/EFS'
    """
    measures = sorted({r.measure for r in rows})
    unknown = sum(r.landmark_months is None for r in rows)
    state = "alive and event-free" if measures == ["EFS"] else "alive"
    if unknown == len(rows):
        return Endpoint(f"proportion {state} at last follow-up (binary)",
                        f"{state} at last follow-up", True)
    words = {"OS": "overall survival", "EFS": "event-free survival"}
    single = len(measures) == 1
    t0 = f"{landmark_months:g}-month"
    long = f"{t0} {words[measures[0]] if single else 'survival (OS or EFS)'}"
    if unknown:
        long += f" ({unknown} of {len(rows)} figures: {state} at last follow-up)"
    return Endpoint(long, f"{t0} {measures[0] if single else 'OS/EFS'}", False)


def prepare(cfg: Config, source_file: str) -> Prepared:
    """Load the table, convert the chosen figures, and check every sensitivity variant."""
    from neosim.data.published import load_table
    from neosim.models.evidence import convert, convert_all

    d = cfg.data
    try:
        if d.table:
            table = load_table(resolve_path(d.table, source_file))
        else:
            table = load_table()
    except InputError as exc:
        raise exc.at(file=source_file, field="data.table") from None
    rows = [table.figure(fid, file=source_file, field=f"data.figures[{i}]")
            for i, fid in enumerate(d.figures)]
    settings = cfg.conversion.settings()
    studies = convert_all(rows, settings, file=source_file, field="data.figures")
    variants = {}
    for j, how in enumerate(cfg.sensitivity.time_conversions):
        try:
            variants[how] = convert_all(rows, cfg.conversion.settings(time_conversion=how))
        except InputError as exc:
            raise InputError(exc.message, file=source_file,
                             field=f"sensitivity.time_conversions[{j}]") from None
    status = []
    for fid, row in table.figures.items():
        entry = {"figure": fid, "study": row.study.id, "as_published": row.as_published,
                 "measure": row.measure, "landmark_months": row.landmark_months,
                 "evidence": row.evidence, "included": fid in d.figures}
        if fid in d.figures:
            entry["reason"] = "listed in data.figures"
        else:
            try:
                convert(row, settings)
                entry["reason"] = "not listed in data.figures"
            except InputError as exc:
                entry["reason"] = f"not listed in data.figures; under these settings: "\
                                  f"{exc.message}"
        status.append(entry)
    from neosim import budget

    budget.check(_estimate(cfg), cfg.output, file=source_file)
    return Prepared(cfg=cfg, table=table, rows=rows, studies=studies, table_status=status,
                    time_variants=variants)


def _estimate(cfg: Config):
    """Peak memory and rough duration: the NUTS fit with its MAP draws and mixture fits, or the
    largest quadrature grid (log marginals of every study on the grid x tau nodes, and one rFFT
    kernel per tau node), whichever is larger; time adds up every quadrature refit."""
    import math

    from neosim import budget

    q, k = cfg.quadrature, len(cfg.data.figures)
    m = round(2 * q.half_width / q.step) + 1
    nfft = 2 ** math.ceil(math.log2(3 * m - 2))
    half = nfft // 2 + 1
    grid = budget.F8 * (k + 4) * m * q.n_tau + 16.0 * half * (q.n_tau + 3 * k) + \
        budget.F8 * 8 * k * m
    refits = 2 + (k if cfg.sensitivity.leave_one_out else 0) + \
        len(cfg.sensitivity.tau_priors) + len(cfg.sensitivity.time_conversions)
    grid_seconds = refits * q.n_tau * (2 * k + 2) * nfft * math.log2(nfft) * 5e-9
    fit = budget.for_sampler_kind(cfg.sampler, k + 2 + 3 * cfg.map.replicates * cfg.map.k_max,
                                  extra_drivers=("map.replicates", "map.k_max"))
    # EM fits of 1 .. k_max beta components to every MAP draw (measured: ~2e-5 s per draw and
    # component)
    s, mp = cfg.sampler, cfg.map
    em_seconds = s.chains * s.draws * mp.replicates * mp.k_max * (mp.k_max + 1) / 2 * 2e-5
    quad = ("quadrature.n_tau", "quadrature.step", "quadrature.half_width", "data.figures",
            "sensitivity.tau_priors")
    memory = budget.BASE_PYMC + max(grid, fit.memory_bytes - budget.BASE_PYMC)
    return budget.Estimate(
        memory, fit.seconds + grid_seconds + em_seconds,
        budget.ranked({quad: grid, fit.drivers: fit.memory_bytes - budget.BASE_PYMC}),
        budget.ranked({quad: grid_seconds, fit.time_drivers: fit.seconds,
                       ("map.replicates", "map.k_max", "sampler.draws"): em_seconds}))
