"""Chunked execution: identity-keyed seeding, checkpoints, resume."""

from __future__ import annotations

import numpy as np
import pytest

from neosim import compute, seeds
from neosim.compute import Checkpoint, Task, run_tasks, stack_results


def draw_blocks(task: Task, seed: int) -> dict[str, np.ndarray]:
    """Toy task: one row of normals per unit in ``task.args`` (units keyed individually)."""
    rows = [seeds.rng(seed, unit).normal(size=3) for unit in task.args]
    return {"unit": np.asarray(task.args), "x": np.asarray(rows)}


def _tasks(units: int, per_task: int) -> list[Task]:
    ids = list(range(units))
    return [Task(key=(i,), args=ids[j:j + per_task])
            for i, j in enumerate(range(0, units, per_task))]


@pytest.mark.parametrize("per_task", [1, 3, 7, 20])
def test_results_do_not_depend_on_chunk_size(per_task):
    ref = stack_results(run_tasks(draw_blocks, _tasks(20, 20), seed=11))
    got = stack_results(run_tasks(draw_blocks, _tasks(20, per_task), seed=11))
    np.testing.assert_array_equal(ref["x"], got["x"])


def test_results_do_not_depend_on_completion_order():
    tasks = _tasks(12, 2)

    class Reversed(compute.Backend):
        def map(self, fn, tasks, seed):
            for t in reversed(tasks):
                yield t, fn(t, seed)

    a = stack_results(run_tasks(draw_blocks, tasks, seed=3))
    b = stack_results(run_tasks(draw_blocks, tasks, seed=3, backend=Reversed()))
    np.testing.assert_array_equal(a["x"], b["x"])
    np.testing.assert_array_equal(a["unit"], np.arange(12))


def test_checkpoint_resume_computes_only_missing(tmp_path):
    tasks = _tasks(10, 2)
    ckpt = Checkpoint(tmp_path / "chunks")
    full = stack_results(run_tasks(draw_blocks, tasks, seed=5, checkpoint=ckpt))
    assert len(list((tmp_path / "chunks").glob("task-*.npz"))) == 5
    (tmp_path / "chunks" / "task-2.npz").unlink()
    (tmp_path / "chunks" / ".task-3.npz.tmp-1-dead").write_bytes(b"half a file")
    calls = []

    def counting(task, seed):
        calls.append(task.key)
        return draw_blocks(task, seed)

    resumed = stack_results(run_tasks(counting, tasks, seed=5, checkpoint=ckpt))
    assert calls == [(2,)]
    np.testing.assert_array_equal(full["x"], resumed["x"])
    assert not list((tmp_path / "chunks").glob(".task-*"))  # stale temporary removed


def test_duplicate_keys_rejected():
    with pytest.raises(ValueError, match="unique"):
        run_tasks(draw_blocks, [Task((0,), [0]), Task((0,), [1])], seed=1)


def test_local_cluster_backend_matches_in_process():
    """dask LocalCluster (2 worker processes) gives the same bits as in-process."""
    pytest.importorskip("distributed")
    tasks = _tasks(16, 3)
    a = stack_results(run_tasks(draw_blocks, tasks, seed=9))
    backend = compute.Backend(compute.ComputeSection(backend="dask", workers=2))
    b = stack_results(run_tasks(draw_blocks, tasks, seed=9, backend=backend))
    np.testing.assert_array_equal(a["x"], b["x"])
