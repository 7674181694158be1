"""Background jobs seen from every process of a multi-process site (`serve --workers N`):
two runners sharing a folder stand for two processes."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from aicap.warehouse.cooperation.errors import ConflictError
from aicap.web.coop_jobs import JobRunner, Progress


def test_a_job_run_by_one_process_is_seen_by_another(tmp_path: Path) -> None:
    a, b = JobRunner(folder=tmp_path), JobRunner(folder=tmp_path)
    gate = threading.Event()

    def work(progress: Progress) -> dict[str, int]:
        progress(3, 10)
        gate.wait(10)
        progress(10, 10)
        return {"imported": 10}

    job, future = a.submit("import", "admin", work)
    seen = b.get(job.id)
    assert seen is not None and seen.owner == "admin" and seen.state in ("queued", "running")
    gate.set()
    assert future.result(10) == {"imported": 10}
    seen = b.get(job.id)
    assert seen is not None and seen.state == "done" and seen.result == {"imported": 10}
    assert seen.done == 10 and seen.total == 10 and seen.finished_at
    assert [j.id for j in b.all()] == [job.id]


def test_a_failed_job_keeps_its_error_across_processes(tmp_path: Path) -> None:
    a, b = JobRunner(folder=tmp_path), JobRunner(folder=tmp_path)

    def work(progress: Progress) -> None:
        raise ConflictError("the activity exists", field="iati_identifier")

    job, future = a.submit("import", "admin", work)
    with pytest.raises(ConflictError):
        future.result(10)
    seen = b.get(job.id)
    assert seen is not None and seen.state == "failed"
    assert seen.error is not None and seen.error["status"] == 409


@pytest.mark.parametrize("bad", ["../secret", "x/y", "", "a.json"])
def test_a_job_id_never_names_another_file(tmp_path: Path, bad: str) -> None:
    (tmp_path.parent / "secret.json").write_text('{"id": "x"}')
    assert JobRunner(folder=tmp_path).get(bad) is None


def test_without_a_shared_folder_jobs_stay_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AICAP_JOBS_DIR", raising=False)
    runner = JobRunner()
    job, future = runner.submit("match", "admin", lambda p: 1)
    future.result(10)
    assert runner.get(job.id) is not None and runner.get(job.id).state == "done"  # type: ignore[union-attr]
    assert JobRunner().get(job.id) is None  # another process without the folder: not seen
