"""Nonparametric survival from a pandas DataFrame: Kaplan–Meier curves and the log-rank test.

Thin over :mod:`neosim.survival.nonparametric`, which follows R's ``survival`` conventions
(Greenwood variance; pointwise intervals on the ``log`` scale by default, as ``survfit``; the
median of ``print.survfit``); ``neosim survival check`` prints the same numbers for an IPD file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from neosim.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from neosim.survival.nonparametric import KaplanMeier, LogRank

__all__ = ["kaplan_meier", "logrank"]


def _columns(df, time: str, event: str, group: str | None):
    """Checked arrays of the time, event and group-label columns (the checks of
    :func:`neosim.api.fit.survival_columns`; times may be 0)."""
    from neosim.api.fit import survival_columns

    t, d, labels, index = survival_columns(df, time, event, group, zero_times=True)
    return t, d, np.asarray(labels, dtype=object)[index]


def kaplan_meier(df: pd.DataFrame, *, time: str, event: str,
                 group: str | None = None) -> dict[str, KaplanMeier]:
    """Kaplan–Meier curve of each group of a DataFrame of right-censored times.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per patient.
    time, event : str
        Columns: follow-up time (months, >= 0) and the event flag (1 event, 0 censored).
    group : str, optional
        Column of group labels; without it every row is one group ``"all"``.

    Returns
    -------
    dict of str to KaplanMeier
        One curve per group, in order of first appearance, each with ``time``, ``survival``,
        ``variance`` (Greenwood), ``at_risk``, ``band(prob, conf_type)``, ``median(prob,
        conf_type)``, ``quantile(p, ...)``, ``at_times(times, ...)`` and
        ``number_at_risk(t)``: R ``survival``'s conventions (see ``docs/ipd_schema.md``).

    Examples
    --------
    >>> import pandas as pd
    >>> import neosim as ns
    >>> df = pd.DataFrame({"months": [6, 13, 21, 30, 31, 37, 38, 47, 49, 50],
    ...                    "died":   [1,  1,  1,  1,  0,  1,  1,  0,  1,  1]})
    >>> km = ns.kaplan_meier(df, time="months", event="died")["all"]
    >>> [round(float(x), 4) for x in km.at([12, 36])]
    [0.9, 0.6]
    >>> med, lower, upper = km.median()
    >>> float(med)
    37.0
    """
    from neosim.survival.nonparametric import kaplan_meier as km

    t, d, g = _columns(df, time, event, group)
    return {str(label): km(t[g == label], d[g == label]) for label in dict.fromkeys(g)}


def logrank(df: pd.DataFrame, *, time: str, event: str, group: str) -> LogRank:
    """Log-rank test of equal survival in the groups of a DataFrame.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per patient.
    time, event, group : str
        Columns: follow-up time, event flag (1 event, 0 censored) and group label (two or more
        groups).

    Returns
    -------
    LogRank
        ``statistic`` (χ² on ``df`` degrees of freedom), ``p_value``, and the ``observed`` and
        ``expected`` deaths by group (``groups`` in sorted order), as R's ``survdiff``.

    Examples
    --------
    >>> import pandas as pd
    >>> import neosim as ns
    >>> df = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6, 7, 8], "d": [1, 1, 1, 0, 1, 1, 0, 0],
    ...                    "arm": ["a", "a", "a", "a", "b", "b", "b", "b"]})
    >>> r = ns.logrank(df, time="t", event="d", group="arm")
    >>> r.df, [float(x) for x in r.observed]
    (1, [3.0, 2.0])
    """
    from neosim.survival.nonparametric import logrank as lr

    t, d, g = _columns(df, time, event, group)
    if len(set(g)) < 2:
        raise InputError("the log-rank test needs at least two groups", field="group")
    return lr(t, d, g)
