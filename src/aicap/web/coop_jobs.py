"""Background jobs of the cooperation registry (security review F9): imports and matchmaking
run on worker threads, never on the server's event loop, so the site answers while they work.

``POST /api/coop/import/iati?background=true`` (and the CSV import, and ``POST
/api/coop/matches/propose`` with ``"background": true``) answer 202 at once with the job;
``GET /api/coop/jobs/{id}`` gives its state (``queued``, ``running``, ``done``, ``failed``),
its progress (``done`` of ``total`` steps: activities for an import) and, once finished, its
result or its error (the API's error shape). Without ``background`` the request waits for the
job, still on a worker thread. Jobs are kept in memory, per process (the last
:data:`KEEP` finished ones); they are administrators' work: only an administrator reads them.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aicap.warehouse.cooperation.store import CoopError

#: ``progress(done, total)``: called by a job as it goes.
Progress = Callable[[int, int], None]
KEEP = 200


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


class JobRunner:
    """A small pool of worker threads and the jobs it ran (see the module doc)."""

    def __init__(self, workers: int = 2) -> None:
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="coop-job")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()

    def submit(
        self, kind: str, owner: str, work: Callable[[Progress], Any]
    ) -> tuple[Job, Future[Any]]:
        job = Job(id=uuid.uuid4().hex[:16], kind=kind, owner=owner)
        with self._lock:
            self._jobs[job.id] = job
            finished = [k for k, j in self._jobs.items() if j.state in ("done", "failed")]
            for k in finished[: max(0, len(self._jobs) - KEEP)]:
                del self._jobs[k]

        def progress(done: int, total: int) -> None:
            job.done, job.total = done, total

        def run() -> Any:
            job.state = "running"
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

        return job, self._pool.submit(run)

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def all(self) -> list[Job]:
        with self._lock:
            return list(reversed(self._jobs.values()))
