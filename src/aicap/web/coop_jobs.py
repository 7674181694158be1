"""Background jobs of the cooperation registry (security review F9): imports and matchmaking
run on worker threads, never on the server's event loop, so the site answers while they work.

``POST /api/coop/import/iati?background=true`` (and the CSV import, and ``POST
/api/coop/matches/propose`` with ``"background": true``) answer 202 at once with the job;
``GET /api/coop/jobs/{id}`` gives its state (``queued``, ``running``, ``done``, ``failed``),
its progress (``done`` of ``total`` steps: activities for an import) and, once finished, its
result or its error (the API's error shape). Without ``background`` the request waits for the
job, still on a worker thread. Jobs are kept in memory (the last :data:`KEEP` finished ones)
and, when the site runs as several processes (``aicap serve --workers N``), also as one JSON
file per job in a folder the processes share (``AICAP_JOBS_DIR``; ``serve --workers`` sets it
to ``jobs/`` beside the warehouse), so that whichever process answers ``GET /api/coop/jobs/{id}``
sees the job that another one runs. They are administrators' work: only an administrator reads
them.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aicap.warehouse.cooperation.store import CoopError

#: ``progress(done, total)``: called by a job as it goes.
Progress = Callable[[int, int], None]
KEEP = 200
#: Seconds between two writes of a running job's progress to the shared folder.
SAVE_EVERY = 0.5


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass
class Job:
    id: str
    kind: str
    owner: str
    state: str = "queued"
    done: int = 0
    total: int | None = None
    result: Any = None
    error: dict[str, Any] | None = None
    created_at: str = field(default_factory=_now)
    finished_at: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "owner": self.owner,
            "state": self.state,
            "progress": {"done": self.done, "total": self.total},
            "result": self.result,
            "error": self.error,
            "created_at": self.created_at,
            "finished_at": self.finished_at,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Job:
        progress = d.get("progress") or {}
        return cls(
            id=str(d["id"]),
            kind=str(d["kind"]),
            owner=str(d["owner"]),
            state=str(d["state"]),
            done=int(progress.get("done") or 0),
            total=progress.get("total"),
            result=d.get("result"),
            error=d.get("error"),
            created_at=str(d["created_at"]),
            finished_at=d.get("finished_at"),
        )


class JobFolder:
    """Jobs as ``<id>.json`` files, written atomically (temporary file, then rename)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def save(self, job: Job) -> None:
        try:
            fd, name = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(job.as_dict(), f, default=str)
            Path(name).replace(self.folder / f"{job.id}.json")
        except OSError:
            pass  # the job still runs and this process still answers for it

    def load(self, job_id: str) -> Job | None:
        if not job_id.isalnum():  # ids are hex: nothing else names a file
            return None
        try:
            return Job.from_dict(json.loads((self.folder / f"{job_id}.json").read_text("utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def all(self) -> list[Job]:
        files = sorted(self.folder.glob("*.json"), key=lambda p: p.stat().st_mtime)
        for old in files[:-KEEP]:
            old.unlink(missing_ok=True)
        jobs = [self.load(p.stem) for p in files[-KEEP:]]
        return [j for j in jobs if j is not None]


class JobRunner:
    """A small pool of worker threads and the jobs it ran (see the module doc)."""

    def __init__(self, workers: int = 2, folder: Path | None = None) -> None:
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="coop-job")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        env = os.environ.get("AICAP_JOBS_DIR")
        where = folder if folder is not None else (Path(env) if env else None)
        self._shared = JobFolder(where) if where is not None else None

    def _save(self, job: Job) -> None:
        if self._shared is not None:
            self._shared.save(job)

    def submit(
        self, kind: str, owner: str, work: Callable[[Progress], Any]
    ) -> tuple[Job, Future[Any]]:
        job = Job(id=uuid.uuid4().hex[:16], kind=kind, owner=owner)
        with self._lock:
            self._jobs[job.id] = job
            finished = [k for k, j in self._jobs.items() if j.state in ("done", "failed")]
            for k in finished[: max(0, len(self._jobs) - KEEP)]:
                del self._jobs[k]

        self._save(job)
        last = [0.0]

        def progress(done: int, total: int) -> None:
            job.done, job.total = done, total
            if self._shared is not None and time.monotonic() - last[0] >= SAVE_EVERY:
                last[0] = time.monotonic()
                self._save(job)

        def run() -> Any:
            job.state = "running"
            self._save(job)
            try:
                job.result = work(progress)
                job.state = "done"
                return job.result
            except CoopError as exc:
                job.error = {
                    "status": exc.status,
                    "code": exc.code,
                    "message": exc.message,
                    "detail": exc.detail,
                }
                job.state = "failed"
                raise
            except Exception as exc:  # a job's crash is reported, not lost
                job.error = {
                    "status": 500,
                    "code": "internal_error",
                    "message": f"{type(exc).__name__}: {exc}",
                    "detail": None,
                }
                job.state = "failed"
                raise
            finally:
                job.finished_at = _now()
                self._save(job)

        return job, self._pool.submit(run)

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None and self._shared is not None:
            return self._shared.load(job_id)  # run by another process of the site
        return job

    def all(self) -> list[Job]:
        with self._lock:
            mine = list(self._jobs.values())
        if self._shared is None:
            return list(reversed(mine))
        by_id = {j.id: j for j in self._shared.all()}
        by_id.update({j.id: j for j in mine})  # this process's own copies are the freshest
        return sorted(by_id.values(), key=lambda j: j.created_at, reverse=True)
