"""Validating priors from tables: the :data:`Prior` union of every family (chosen by the
``family`` key), :func:`one_of` for a section that allows some families, :func:`parse_prior`,
and :func:`bounded` for a config section that needs narrower bounds than the generic ones (the
prior of a logit mean, the scale of τ): ``bounded(Normal, mu=(LogitLocation, 0.0), ...)`` is the
same class with its number types replaced, so every prior is still a :mod:`neosim.priors.dists`
class.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, Literal, Self, Union

from pydantic import Discriminator, Field, Tag, TypeAdapter, create_model, model_validator

from neosim.config import FieldError, Strict, validate
from neosim.priors.dists import (
    Beta,
    Distribution,
    Gamma,
    HalfNormal,
    HalfStudentT,
    LogNormal,
    Normal,
)
from neosim.priors.files import MAX_COMPONENTS
from neosim.priors.mixture import Mixture

#: every prior family (``family`` tag -> class); a config names only these
FAMILIES: dict[str, type[Distribution]] = {
    c.model_fields["family"].default: c
    for c in (Beta, Gamma, Normal, LogNormal, HalfNormal, HalfStudentT)}

def one_of(*classes: type[Distribution], default: str | None = None) -> Any:
    """The type of a prior that is one of ``classes``, chosen by the table's ``family`` key
    (``default`` when the table has none): ``one_of(HalfNormal, HalfStudentT,
    default="half_normal")``. An unknown family is one error at ``<field>.family``."""
    names = [c.model_fields["family"].default for c in classes]

    def family(value: Any) -> str | None:
        tag = value.get("family", default) if isinstance(value, dict) else getattr(
            value, "family", None)
        return f"prior[{tag}]" if tag in names else None

    # the tags ("prior[beta]") are dropped from error locations by neosim.config
    members = tuple(Annotated[c, Tag(f"prior[{n}]")] for c, n in zip(classes, names, strict=True))
    return Annotated[Union[members], Discriminator(  # noqa: UP007 (a runtime tuple of members)
        family, custom_error_type="prior_family",
        custom_error_message=f"family must be one of {', '.join(names)}",
        custom_error_context={"discriminator": "'family'"})]


#: one prior of any family, validated from a table by its ``family`` key
Prior = one_of(Beta, Gamma, Normal, LogNormal, HalfNormal, HalfStudentT)
_ADAPTER: TypeAdapter = TypeAdapter(Prior)


class MixtureTable(Strict):
    """A mixture written as a table: ``{ family = "mixture", weights = [0.8, 0.2], components =
    [{ family = "beta", alpha = 12.0, beta = 8.0 }, { family = "beta", alpha = 1.0, beta = 1.0 }]
    }``: components all beta, all gamma or all normal, one weight each, weights summing to 1."""

    family: Literal["mixture"] = "mixture"
    weights: list[Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False)]] = Field(
        min_length=1, max_length=MAX_COMPONENTS)
    components: list[one_of(Beta, Gamma, Normal)] = Field(min_length=1,
                                                          max_length=MAX_COMPONENTS)

    @model_validator(mode="after")
    def _check(self) -> Self:
        if len(self.weights) != len(self.components):
            raise FieldError("weights", f"needs one weight per component ({len(self.components)})")
        if len({c.family for c in self.components}) != 1:
            raise FieldError("components", "must be all beta, all gamma or all normal")
        if abs(sum(self.weights) - 1.0) > 1e-6:
            raise FieldError("weights", f"sum to {sum(self.weights):.6g}, not 1")
        return self

    def mixture(self) -> Mixture:
        return Mixture.of(self.components, self.weights)


def parse_prior(data: Any, *, file: str = "<prior>", prefix: str = "") -> Distribution | Mixture:
    """The prior a TOML/JSON table describes (``family`` and its parameters, or a mixture).

    Parameters
    ----------
    data : dict
        E.g. ``{"family": "beta", "alpha": 1.0, "beta": 1.0}`` (a parsed TOML inline table or
        JSON object); ``family`` is one of :data:`FAMILIES`, or ``"mixture"`` with ``weights``
        and ``components`` (:class:`MixtureTable`).
    file, prefix : str
        Where the table came from (file and dotted field), for the error message.

    Returns
    -------
    Distribution or Mixture
        The prior object (:class:`Beta`, :class:`Gamma`, ..., or a :class:`Mixture`).

    Raises
    ------
    neosim.errors.InputError
        One line naming the file and field, for an unknown family, key or a number out of range.

    Examples
    --------
    >>> import json, tomllib
    >>> import neosim as ns
    >>> a = ns.parse_prior(tomllib.loads('p = { family = "gamma", shape = 1.0, rate = 24.0 }')["p"])
    >>> b = ns.parse_prior(json.loads('{"family": "gamma", "alpha": 1.0, "beta": 24.0}'))
    >>> a == b, a.label()
    (True, 'Gamma(1, 24)')
    >>> robust = ns.parse_prior({"family": "mixture", "weights": [0.8, 0.2], "components": [
    ...     {"family": "beta", "a": 12.0, "b": 8.0}, {"family": "beta", "a": 1.0, "b": 1.0}]})
    >>> robust.label()
    '0.8 Beta(12, 8) + 0.2 Beta(1, 1)'
    """
    if isinstance(data, dict) and data.get("family") == "mixture":
        return validate(MixtureTable, data, file=file, prefix=prefix).mixture()
    return validate(_Adapter, data, file=file, prefix=prefix)


class _Adapter:
    """``model_validate`` of the whole union (its error names the known families)."""

    @staticmethod
    def model_validate(data: Any) -> Distribution:
        return _ADAPTER.validate_python(data)


@cache
def _bounded(cls: type[Distribution], spec: tuple[tuple[str, Any, Any], ...]):
    fields = {}
    for name, tp, default in spec:
        alias = cls.model_fields[name].validation_alias
        fields[name] = (Annotated[tp, Field(validation_alias=alias)], default)
    new = create_model(cls.__name__, __base__=cls, __module__=cls.__module__, **fields)
    new.__reduce__ = _reduce_to_family  # picklable (dask workers) as its family's own class
    return new


def _reduce_to_family(self: Distribution):
    """Pickle a bounded prior as its family's class with the same numbers (the bounds were
    checked when it was made; a class made at run time cannot be pickled by reference)."""
    family = FAMILIES[self.family]
    return family.model_validate, (self.model_dump(),)


def bounded(cls: type[Distribution], **fields: tuple[Any, Any]) -> type[Distribution]:
    """``cls`` with the number types (and defaults) of some parameters replaced: ``bounded(Normal,
    mu=(LogitLocation, 0.0), sigma=(LogitSd, 2.0))``. The result is a subclass of ``cls`` (the
    same methods, label and ``family``); use ``...`` as the default of a required parameter."""
    return _bounded(cls, tuple((k, tp, d) for k, (tp, d) in sorted(fields.items())))
