"""Prior files: the hand-over between fits (survival, pooling) and trial design/simulation.

A prior file is JSON with ``"schema": "neosim-prior/1"``, a ``name``, an integer ``version``,
where it came from (``source``: experiment, config hash, run folder, data citation, synthetic flag),
the ``quantity`` it describes, and its ``kind``:

``"mixture"``
    a mixture of conjugate components of one ``family``: ``"beta"`` (``a``, ``b``) for
    proportions, ``"gamma"`` (shape ``a``, rate ``b``) for hazards, ``"normal"`` (``mean``,
    ``sd``) for log hazard ratios or logits; each component has a ``weight`` (weights sum to 1).
``"draws"``
    posterior draws of one or more named quantities (``draws``: name -> list of floats, all of
    equal length), for example the parameters of a fitted survival model.

Files are written atomically through :mod:`neosim.results`; reading validates everything and reports
problems with the error contract. :func:`neosim.priors.mixture_of` turns a mixture file into a
:class:`neosim.priors.Mixture` and :meth:`~neosim.priors.Mixture.to_file` back.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from neosim.config import FieldError, Strict, validate
from neosim.priors.dists import Location, Scale, Shape

SCHEMA = "neosim-prior/1"
#: bounds of a prior file's numbers that the conjugate maths (digamma, gamma and beta densities,
#: exp of normal draws) survives, wide enough for every fit neosim writes (a tight gamma fit to
#: hazard draws has rates near 1e8): shapes and rates in [1e-8, 1e15], means within ±1e3,
#: standard deviations in [1e-6, 1e3], draws within ±1e6, at most 1e6 draws of at most 64
#: quantities, and a ``survival_probability_<T>m`` horizon T in (0, 1200] months
Finite = Annotated[float, Field(ge=-1e6, le=1e6, allow_inf_nan=False)]
MAX_DRAWS = 1_000_000
MAX_COMPONENTS = 100
_HORIZON = re.compile(r"^survival_probability_(\d+(?:\.\d+)?)m$")


class Component(Strict):
    """One mixture component. Beta/gamma use ``a``/``b``; normal uses ``mean``/``sd``."""

    weight: Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False)]
    a: Shape | None = None
    b: Shape | None = None
    mean: Location | None = None
    sd: Scale | None = None


class Source(Strict):
    experiment: str = ""
    config_sha256: str = ""
    run_folder: str = ""
    data: str = ""
    synthetic: bool = False


class PriorFile(Strict):
    """Schema of a prior file (see the module docstring)."""

    schema_: Literal["neosim-prior/1"] = Field(alias="schema", default=SCHEMA)
    name: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.\-]{0,127}$")]
    version: Annotated[int, Field(ge=1, le=10**6)] = 1
    created_utc: str = ""
    description: str = ""
    quantity: Annotated[str, Field(min_length=1, max_length=128)]
    kind: Literal["mixture", "draws"]
    family: Literal["beta", "gamma", "normal"] | None = None
    components: list[Component] = Field(default_factory=list, max_length=MAX_COMPONENTS)
    draws: dict[str, Annotated[list[Finite], Field(max_length=MAX_DRAWS)]] = Field(
        default_factory=dict, max_length=64)
    source: Source = Source()

    @model_validator(mode="after")
    def _check(self) -> Self:
        horizon = _HORIZON.match(self.quantity)
        if horizon and not 0.0 < float(horizon.group(1)) <= 1200.0:
            raise FieldError("quantity", "the horizon of survival_probability_<T>m must be in "
                                         "(0, 1200] months")
        if self.kind == "mixture":
            if self.family is None or not self.components:
                raise ValueError("a mixture needs a family and at least one component")
            for i, c in enumerate(self.components):
                need = ("mean", "sd") if self.family == "normal" else ("a", "b")
                if any(getattr(c, k) is None for k in need):
                    raise ValueError(f"components[{i}] needs {' and '.join(need)} for a "
                                     f"{self.family} mixture")
                if self.family == "beta" and min(c.a, c.b) / (c.a + c.b) < 1e-12:
                    raise FieldError(f"components[{i}]", "a beta component with its mean "
                                     "within 1e-12 of 0 or 1 is degenerate")
            total = sum(c.weight for c in self.components)
            if abs(total - 1.0) > 1e-6:
                raise ValueError(f"component weights sum to {total:.6g}, not 1")
        else:
            if not self.draws:
                raise ValueError("a draws prior needs at least one named quantity")
            lengths = {len(v) for v in self.draws.values()}
            if len(lengths) != 1 or 0 in lengths:
                raise ValueError("all draws must be non-empty and of equal length")
        return self


def write_prior(path: str | Path, prior: PriorFile) -> Path:
    """Write a prior file atomically (``created_utc`` is filled in if empty).

    Parameters
    ----------
    path : str or Path
        The file to write (JSON, ``neosim-prior/1``).
    prior : PriorFile
        What to write, e.g. ``Mixture.to_file(name, quantity)``.

    Returns
    -------
    Path
        The path written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import neosim as ns
    >>> robust = ns.Mixture.of([ns.Beta(12, 8), ns.Beta(1, 1)], [0.8, 0.2])
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> path = ns.write_prior(folder / "p.json", robust.to_file("p", "survival_probability_24m"))
    >>> ns.read_prior(path).components[0].a
    12.0
    """
    from neosim.results import atomic_write_json

    data = prior.model_dump(mode="json", by_alias=True, exclude_none=True)
    if not data.get("created_utc"):
        data["created_utc"] = datetime.now(UTC).isoformat(timespec="seconds")
    return atomic_write_json(path, data)


def read_prior(path: str | Path) -> PriorFile:
    """Read and validate a prior file; problems are :class:`InputError` naming file and field.

    Parameters
    ----------
    path : str or Path
        A ``neosim-prior/1`` JSON file.

    Returns
    -------
    PriorFile
        The validated file; :func:`neosim.priors.mixture_of` gives its :class:`Mixture`.

    Examples
    --------
    >>> import neosim as ns
    >>> from neosim.priors import mixture_of
    >>> prior = ns.read_prior("configs/priors/map_neonatal_all_survival_24m.json")
    >>> prior.kind, prior.family
    ('mixture', 'beta')
    >>> mixture_of(prior).label()   # doctest: +ELLIPSIS
    '... Beta(...) + ... Beta(1, 1)'
    """
    from neosim.inputs import load_json

    data = load_json(path, kind="prior")  # regular file under its cap, strict JSON object
    return validate(PriorFile, data, file=str(path))
