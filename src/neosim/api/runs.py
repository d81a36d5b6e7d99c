"""Configured experiments from Python: run one into a new run folder, read a run folder back.

Thin over :func:`neosim.experiments.runner.run_experiment` (the runner of ``neosim run``: the
same validation, pre-flight budget, whole-folder creation and provenance) and the readers of
:mod:`neosim.results`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from neosim.errors import InputError

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

__all__ = ["Run", "read_posterior", "read_run", "read_simulation", "run"]


@dataclass(frozen=True, eq=False)
class Run:
    """A run folder's results, read back.

    Attributes
    ----------
    path : Path
        The run folder.
    experiment, kind : str
        From ``provenance.json`` (or ``run.json`` for an unfinished run).
    complete : bool
        Whether the run finished (``provenance.json`` is written last).
    passed : bool or None
        The run's checks (``diagnostics.json`` ``passed``), if it has any.
    summary : pandas.DataFrame or None
        ``summary.csv``.
    posterior : xarray.DataTree or None
        ``posterior.nc`` (fits).
    simulation : xarray.Dataset or None
        ``simulation.nc`` (simulations and calibrations).
    diagnostics, findings : dict or None
        ``diagnostics.json`` and ``findings.json``.
    """

    path: Path
    experiment: str
    kind: str
    complete: bool
    passed: bool | None
    summary: pd.DataFrame | None = field(repr=False)
    posterior: xr.DataTree | None = field(repr=False)
    simulation: xr.Dataset | None = field(repr=False)
    diagnostics: dict[str, Any] | None = field(repr=False)
    findings: dict[str, Any] | None = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Path, names, status and what the folder holds (JSON-ready; no arrays)."""
        return {"path": str(self.path), "experiment": self.experiment, "kind": self.kind,
                "complete": self.complete, "passed": self.passed,
                "has": [k for k in ("summary", "posterior", "simulation", "diagnostics",
                                    "findings") if getattr(self, k) is not None]}

    def __repr__(self) -> str:
        d = self.to_dict()
        state = "complete" if self.complete else "incomplete"
        checks = {True: "checks passed", False: "checks FAILED", None: "no checks"}[self.passed]
        return (f"Run({self.experiment!r}, kind {self.kind!r}, {state}, {checks}; "
                f"{', '.join(d['has']) or 'no results'}; {self.path})")


def _json(path: Path) -> Any:
    from neosim.inputs import load_json

    return load_json(path, kind="run") if path.is_file() else None


def read_run(folder: str | Path) -> Run:
    """Read a run folder: summary, posterior or simulation, diagnostics and findings.

    Parameters
    ----------
    folder : str or Path
        A folder written by ``neosim run`` or :func:`run`.

    Returns
    -------
    Run
        Frozen; the files a folder lacks are ``None``.

    Examples
    --------
    >>> import tempfile
    >>> import neosim as ns
    >>> out = tempfile.mkdtemp()
    >>> r = ns.run("experiments/survival_design.toml", out=f"{out}/design")
    >>> again = ns.read_run(r.path)
    >>> again.kind, again.complete, again.summary is not None
    ('survival_design', True, True)
    """
    from neosim import results

    path = Path(folder)
    if not path.is_dir():
        raise InputError("not a run folder (no such directory)", file=str(path))
    meta = _json(path / results.PROVENANCE) or _json(path / "run.json")
    if not isinstance(meta, dict):
        raise InputError("not a run folder (neither provenance.json nor run.json)",
                         file=str(path))
    diagnostics = _json(path / results.DIAGNOSTICS)
    return Run(
        path=path, experiment=str(meta.get("experiment", "")), kind=str(meta.get("kind", "")),
        complete=results.is_complete(path),
        passed=diagnostics.get("passed") if isinstance(diagnostics, dict) else None,
        summary=results.read_summary(path) if (path / results.SUMMARY).is_file() else None,
        posterior=(results.read_posterior(path) if (path / results.POSTERIOR).is_file()
                   else None),
        simulation=(results.read_simulation(path) if (path / results.SIMULATION).is_file()
                    else None),
        diagnostics=diagnostics, findings=_json(path / "findings.json"))


def _results_file(folder: str | Path, want: str) -> Path:
    """The run folder holding ``want`` (a results file), or a one-line error saying what the
    folder holds instead and how to read it."""
    from neosim import results

    path = Path(folder)
    if not path.is_dir():
        raise InputError("not a run folder (no such directory)", file=str(path))
    if (path / want).is_file():
        return path
    readers = {results.POSTERIOR: "a posterior (posterior.nc): read it with ns.read_posterior",
               results.SIMULATION: "simulation results (simulation.nc): read them with "
                                   "ns.read_simulation"}
    has = [text for name, text in readers.items() if (path / name).is_file()]
    what = "posterior" if want == results.POSTERIOR else "simulation results"
    raise InputError(f"holds no {what} ({want}); it holds "
                     + (has[0] if has else "neither a posterior nor simulation results")
                     + " (ns.read_run reads any run folder)", file=str(path))


def read_simulation(folder: str | Path) -> xr.Dataset:
    """The simulated operating characteristics of a ``trial_simulation`` (or SBC) run folder.

    Parameters
    ----------
    folder : str or Path
        A run folder holding ``simulation.nc``.

    Returns
    -------
    xarray.Dataset
        Loaded into memory: ``power`` and ``power_mc_se`` over the grid's dimensions
        (``subjects``, ``hazard_ratio``, any other design field varied) and ``analysis``,
        ``events_mean``, ``duration_mean`` …, ``assurance`` when a design prior was given.

    Examples
    --------
    >>> import neosim as ns
    >>> ns.read_simulation("no/such/folder")
    Traceback (most recent call last):
    ...
    neosim.errors.InputError: no/such/folder: not a run folder (no such directory)
    """
    from neosim import results

    return results.read_simulation(_results_file(folder, results.SIMULATION))


def read_posterior(folder: str | Path) -> xr.DataTree:
    """The posterior of a fit's run folder (``posterior.nc``).

    Parameters
    ----------
    folder : str or Path
        A run folder holding ``posterior.nc`` (a fit); a simulation folder gets a one-line
        error pointing to :func:`read_simulation`.

    Returns
    -------
    xarray.DataTree
        Loaded into memory, with the groups ArviZ expects (``posterior``, ``sample_stats``,
        ``observed_data`` …).

    Examples
    --------
    >>> import tempfile
    >>> import neosim as ns
    >>> out = tempfile.mkdtemp()
    >>> r = ns.run("experiments/survival_design.toml", out=f"{out}/design")
    >>> ns.read_posterior(r.path)
    Traceback (most recent call last):
    ...
    neosim.errors.InputError: ...: holds no posterior (posterior.nc); it holds neither a posterior nor simulation results (ns.read_run reads any run folder)
    """  # noqa: E501
    from neosim import results

    return results.read_posterior(_results_file(folder, results.POSTERIOR))


def run(experiment: str | Path, *, out: str | Path | None = None, seed: int | None = None,
        quiet: bool = True) -> Run:
    """Run a configured experiment (a TOML file) into a new run folder and read it back.

    Parameters
    ----------
    experiment : str or Path
        The experiment file (see ``experiments/``).
    out : str or Path, optional
        The run folder to create (must not exist); default
        ``runs/<experiment>/<time>-<hash>/``.
    seed : int, optional
        Overrides ``experiment.seed``.
    quiet : bool
        No progress output (default).

    Returns
    -------
    Run
        As :func:`read_run`. A run whose checks fail still returns (``passed`` is False);
        bad input raises :class:`neosim.errors.InputError` before any folder exists.

    Examples
    --------
    >>> import tempfile
    >>> import neosim as ns
    >>> r = ns.run("experiments/survival_design.toml", out=f"{tempfile.mkdtemp()}/run")
    >>> r.complete, r.kind
    (True, 'survival_design')
    """
    from neosim.experiments.runner import run_experiment

    result = run_experiment(experiment, out=out, seed=seed, quiet=quiet,
                            argv=["neosim.run", str(experiment)])
    return read_run(result.path)


