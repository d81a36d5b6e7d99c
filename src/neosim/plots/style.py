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

#: PNG text key holding the configured size, ``"<width_in>x<height_in>"``.
SIZE_KEY = "neosim:figsize_in"

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
    The figure is ``figure_width_in`` wide and ``figure_height_in * height_scale`` high (plots
    with many panels or rows ask for a taller figure); that size is recorded in the file
    (:data:`SIZE_KEY` in PNG text metadata) so checks can compare it with the pixels written.
    The file is written atomically; the format follows the file suffix.
    """
    # whole pixels, so the file is exactly size x dpi (matplotlib truncates fractional pixels)
    height = round(style.figure_height_in * height_scale * style.dpi) / style.dpi
    size = (style.figure_width_in, height)
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
            top = 1.0 - min(0.15, 0.3 / size[1]) if synthetic else 1.0  # room for the mark
            fig.tight_layout(rect=(0, bottom, 1, top))
            path = Path(path)
            fmt = path.suffix.lstrip(".")
            # a fixed salt makes SVG element ids (else random) equal on every run and resume
            with atomic_path(path) as tmp, plt.rc_context({"svg.hashsalt": "neosim"}):
                # No bbox_inches: the file must keep the configured size (tests check it).
                fig.savefig(tmp, dpi=style.dpi, format=fmt, metadata=_metadata(fmt, size))
        finally:
            plt.close(fig)


def _metadata(fmt: str, size: tuple[float, float]) -> dict[str, Any]:
    """File metadata: the configured size (PNG) and no date (SVG), so reruns give equal files."""
    if fmt == "png":
        return {SIZE_KEY: f"{size[0]:.6g}x{size[1]:.6g}"}
    if fmt in ("svg", "pdf"):
        return {"Date": None}
    return {}
