"""Shared pieces of the simulator benchmarks: the reference design and a timer."""

from __future__ import annotations

import math
import time

from neosim.simulator import Accrual, Exponential, TrialScenario

#: The acceptance design: 100 patients 1:1, median 12 months on control, HR 0.7, uniform accrual
#: over 24 months, 1 % dropout a month, event-driven analysis at 70 events.
DESIGN = TrialScenario(n=100, control=Exponential(math.log(2) / 12),
                       accrual=Accrual.uniform(100, 24), hazard_ratio=0.7, events=70,
                       dropout_rate=0.01)


def timed(fn, *args, **kw):
    """``(result, seconds)`` of one call."""
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t0
