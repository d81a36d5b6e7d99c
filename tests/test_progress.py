"""Progress bars on stderr: readable at 80 columns, silent when quiet."""

from __future__ import annotations

import io

from rich.console import Console

from neosim.progress import Progress


def test_a_bar_line_fits_80_columns_even_with_a_long_description():
    live = Console(file=io.StringIO(), width=80, force_terminal=True, color_system=None)
    p = Progress(console=live)
    with p.bar("Simulating 21 scenarios x 20000 trials with a long tail of words",
               total=10_000_000) as advance:
        advance(5_000_000)
        p._rich.add_task(p._fit("Drawing figures for a report with a long caption"), total=1)
        # the bar rows as a terminal of 80 columns shows them, in plain text
        out = Console(file=io.StringIO(), width=200, color_system=None, record=True)
        out.print(p._rich.make_tasks_table(p._rich.tasks))
    lines = [line.rstrip() for line in out.export_text().splitlines() if line.strip()]
    assert len(lines) == 2 and all(len(line) <= 80 for line in lines), lines
    assert all("…" in line for line in lines) and "5000000/10000000" in lines[0]


def test_quiet_prints_nothing(capsys):
    with Progress(quiet=True) as p:
        with p.bar("x", total=3) as advance:
            advance(3)
        p.note("hidden")
    assert capsys.readouterr().err == ""


def test_sampling_shows_a_bar_over_the_draws_and_the_draws_do_not_change():
    import numpy as np

    from neosim import sampling
    from neosim.models.frequencies import BinomialData, build_model
    from neosim.priors import Beta

    model = build_model([("neonatal_fraction", BinomialData(("A",), (3,), (20,)), Beta(1, 1))])
    settings = sampling.SamplerSettings(2, 100, 100, 0.8, 1)
    buf = io.StringIO()
    console = Console(file=buf, width=80, force_terminal=True, color_system=None)
    with Progress(console=console) as p:
        shown = sampling.sample(model, settings, seed=1, progress=p)
    assert "400/400" in buf.getvalue()  # 2 chains x (100 warm-up + 100 draws)
    silent = sampling.sample(model, settings, seed=1)
    a = shown["posterior"]["neonatal_fraction"].values
    assert np.array_equal(a, silent["posterior"]["neonatal_fraction"].values)
