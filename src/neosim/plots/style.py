"""Shared look of every neosim figure: sizes from the config, a caption naming the data source,
and a visible "SYNTHETIC DATA" mark where that applies."""

from __future__ import annotations

import contextlib
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from neosim.results import atomic_path

PALETTE = ["#1b6ca8", "#d1495b", "#2e933c", "#edae49", "#66458f", "#00798c", "#8d6a9f"]

RC = {
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
}


@contextlib.contextmanager
def figure(
    path: str | Path,
    style: Any,
    *,
    nrows: int = 1,
    ncols: int = 1,
    caption: str = "",
    synthetic: bool = False,
    height_scale: float = 1.0,
    **subplot_kw: Any,
) -> Iterator[tuple[Any, Any]]:
    """Create a figure of the configured size, yield ``(fig, axes)``, then caption and save it.

    ``style`` has ``figure_width_in``, ``figure_height_in`` and ``dpi`` (the ``[output]`` table).
    The file is written atomically; the format follows the file suffix.
    """
    size = (style.figure_width_in, style.figure_height_in * height_scale)
    with plt.rc_context(RC):
        fig, axes = plt.subplots(nrows, ncols, figsize=size, squeeze=False, **subplot_kw)
        try:
            yield fig, axes
            text = caption
            if synthetic:
                text = "SYNTHETIC DATA. " + text
                fig.text(0.99, 0.99, "SYNTHETIC DATA", ha="right", va="top", color="#b00020",
                         fontsize=10, fontweight="bold")
            bottom = 0.0
            if text:
                wrapped = textwrap.fill(text, width=int(size[0] * 15))
                lines = wrapped.count("\n") + 1
                bottom = min(0.35, (0.12 + 0.16 * lines) / size[1])
                fig.text(0.01, 0.01, wrapped, ha="left", va="bottom", fontsize=7, color="#444444")
            fig.tight_layout(rect=(0, bottom, 1, 0.97 if synthetic else 1))
            path = Path(path)
            with atomic_path(path) as tmp:
                fig.savefig(tmp, dpi=style.dpi, format=path.suffix.lstrip("."))
        finally:
            plt.close(fig)
