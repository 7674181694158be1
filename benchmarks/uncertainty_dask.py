"""Dask scale-out: Monte Carlo replications per second in process and on 1, 2 and 4 local
worker processes (one thread each), with the check that every run gives the same summaries.

    .venv/bin/python benchmarks/uncertainty_dask.py [--n 131072] [--block 8192]

A few tasks per worker each sample a stretch of blocks from the seeded stream, evaluate and
summarise them; the summaries are merged on the workers and the client receives one: it
never holds a replication. Each worker count is measured right after its own in-process
baseline (a shared machine: compare rows of one pair only). Prints, per set-up, the wall time
of the run (the cluster is started and warmed up before the clock starts; the plan is
scattered inside the timed run), replications per second, the ratio to the in-process run,
the load average, whether countries() and pairwise() equal the in-process run's, and the
tasks' own figures: their CPU seconds against the in-process run's, the busiest worker's
(what the run would take with a core per worker), the share of their wall time they had the
CPU, page faults, and the time from the last task's end to the result (the tree merge).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from aicap.index import Recipe, build
from aicap.index.coinr import framework_from_imeta
from aicap.index.spec import UncertaintySpec
from aicap.index.synthetic import synthetic
from aicap.index.uncertainty import make_plan, run_sobol, run_uncertainty

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("AICAP_SHARED_DIR", REPO.parent / "shared"))
_BENCH = (REPO / "benchmarks" / "uncertainty.py").read_text()
FIVE = _BENCH.split('FIVE = """')[1].split('"""')[0]
SIX = (
    FIVE.replace("levels: {{1: 0.25, 2: 0.25, 3: 0.25}}}}", "levels: {{1: 0.25}}}}")
    + "  - {{name: pillar_weights, kind: dirichlet, levels: [2, 3], concentration: 20}}\n"
)


def comps() -> list[tuple[str, object, str]]:
    recipe_text = (REPO / "examples/asem/recipe.yaml").read_text()
    out: list[tuple[str, object, str]] = []
    fw2, data2 = synthetic(193, 60, (12, 4, 1), missing=0.05, seed=0)
    rec2 = Recipe.from_yaml(recipe_text.replace("EurAsia_group", "region"))
    out.append(("synthetic 193x60", build(fw2, data2, rec2), "region"))
    asem = SHARED / "peers" / "coinr" / "asem"
    if asem.is_dir():
        fw = framework_from_imeta(pd.read_csv(asem / "iMeta.csv"), "iMeta.csv")
        comp = build(fw, pd.read_csv(asem / "iData.csv"), Recipe.from_yaml(recipe_text))
        out.append(("ASEM 51x49", comp, "EurAsia_group"))
    return out


def cpu_run(fn):  # type: ignore[no-untyped-def]
    """Wall seconds and CPU seconds of this process (all its threads) of ``fn()``."""
    c0, t0 = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0, time.process_time() - c0


def task_report(res, wall: float, t_start: float, ref_cpu: float) -> str:  # type: ignore[no-untyped-def]
    """The tasks' own figures: CPU seconds (their threads), per worker process, page faults,
    and what the cluster would take with a core per worker (the busiest worker's CPU)."""
    tt = res.summaries.task_times
    cpu = sum(t.cpu for t in tt)
    per_pid: dict[int, float] = {}
    for t in tt:
        per_pid[t.pid] = per_pid.get(t.pid, 0.0) + t.cpu
    busiest = max(per_pid.values())
    got = sum(t.cpu for t in tt) / max(sum(t.wall for t in tt), 1e-9)
    last_end = max(t.start + t.wall for t in tt)
    faults = sum(t.faults for t in tt)
    return (
        f"      {len(tt)} tasks on {len(per_pid)} processes; tasks' CPU {cpu:.2f} s "
        f"(x{cpu / ref_cpu:.2f} of in process's {ref_cpu:.2f} s), busiest worker {busiest:.2f} s "
        f"-> x{ref_cpu / busiest:.2f} of in process with a core per worker; tasks had the CPU "
        f"{got:.0%} of their wall time; {faults:,} page faults; after the last task "
        f"{t_start + wall - last_end:.2f} s (tree merge, transfer)"
    )


def sobol(label: str, comp, group: str, n: int, workers: list[int]) -> None:  # type: ignore[no-untyped-def]
    """Sobol' in process and on Dask: wall, the tasks' CPU, failures, largest difference."""
    from distributed import Client, LocalCluster

    spec = UncertaintySpec.from_yaml(SIX.format(name=label, n=1000, group=group), "b")
    plan = make_plan(comp, spec.model_copy(update={"sobol_max_failed": 0.25}))  # type: ignore[arg-type]
    for w in workers:
        load0 = os.getloadavg()[0]
        ref, t_ref, c_ref = cpu_run(lambda p=plan: run_sobol(p, n))
        print(
            f"  {label}: Sobol' N = {n:,} ({ref.runs:,} runs, {ref.failed:,} failed, "
            f"{ref.blocks_used:,} complete blocks): in process {t_ref:.1f} s, CPU {c_ref:.2f} s "
            f"(load {load0:.1f})"
        )
        with (
            LocalCluster(
                n_workers=w, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            Client(cluster) as client,
        ):
            client.wait_for_workers(w)
            run_sobol(plan, 64, client=client)  # warm-up
            load = os.getloadavg()[0]
            got, t, c_client = cpu_run(lambda p=plan, c=client: run_sobol(p, n, client=c))
        diff = max(
            float(np.nanmax(np.abs(a - b)))
            for a, b in (
                (got.per_unit.S1, ref.per_unit.S1),
                (got.per_unit.ST, ref.per_unit.ST),
                (got.per_unit.ST_conf, ref.per_unit.ST_conf),
            )
        )
        tt = [x for x in got.task_times if x.kind == "evaluate"]
        cpu = sum(x.cpu for x in tt)
        busiest = max(sum(x.cpu for x in tt if x.pid == pid) for pid in {x.pid for x in tt})
        sums_cpu = sum(x.cpu for x in got.task_times if x.kind == "sums")
        print(
            f"  {label}: Sobol' on Dask, {w} worker process(es): {t:.1f} s, x{t_ref / t:.2f} of "
            f"in process; failed {got.failed:,}, complete blocks {got.blocks_used:,}; largest "
            f"|difference| of S1, ST, ST_conf {diff:.1e} (load {load:.1f}); evaluating tasks' "
            f"CPU {cpu:.2f} s, busiest worker {busiest:.2f} s; sums tasks' CPU {sums_cpu:.2f} s; "
            f"this process {c_client:.2f} s"
        )


def ab(label: str, plan, block: int, rounds: int) -> None:  # type: ignore[no-untyped-def]
    """The former set-up (one task per block, the allocator as Dask's nanny set it) against
    the current one (two tasks per worker, ``mallopt``), on one worker process each, in
    alternation: the tasks' CPU seconds and page faults (wall times at this load say little)."""
    from distributed import Client, LocalCluster

    from aicap.index.uncertainty.dask_run import KEEP_MEMORY_ENV

    n_blocks = -(-plan.spec.n // block)
    for r in range(rounds):
        for name, per_worker, keep in (("former", n_blocks, "0"), ("current", 2, "1")):
            os.environ[KEEP_MEMORY_ENV] = keep  # the worker process inherits it
            with (
                LocalCluster(
                    n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
                ) as cluster,
                Client(cluster) as client,
            ):
                client.wait_for_workers(1)
                warm = plan.spec.model_copy(update={"n": 2 * block})
                run_uncertainty(dataclasses.replace(plan, spec=warm), client=client, block=block)
                load = os.getloadavg()[0]
                got, t, c_client = cpu_run(
                    lambda p=plan, c=client, k=per_worker: run_uncertainty(
                        p, client=c, block=block, tasks_per_worker=k
                    )
                )
            tt = got.summaries.task_times
            print(
                f"  {label}, round {r + 1}, {name}: {len(tt)} tasks, tasks' CPU "
                f"{sum(x.cpu for x in tt):.2f} s, {sum(x.faults for x in tt):,} page faults, "
                f"wall {t:.1f} s, this process's CPU {c_client:.2f} s (load {load:.1f})",
                flush=True,
            )
    os.environ.pop(KEEP_MEMORY_ENV, None)


def main() -> None:
    import pickle

    from distributed import Client, LocalCluster

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=131072)
    ap.add_argument("--block", type=int, default=8192)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--only", default=None, help="run only the framework whose label has this")
    ap.add_argument("--sobol-n", type=int, default=0, help="also Sobol' (six inputs), N base")
    ap.add_argument("--no-mc", action="store_true", help="Sobol' only")
    ap.add_argument(
        "--ab",
        type=int,
        default=0,
        help="instead: N rounds, 1 worker, of the former set-up (a task per block, allocator "
        "left as Dask set it) against the current one, interleaved; the tasks' own figures",
    )
    args = ap.parse_args()
    print(
        f"Dask scale-out, five uncertain inputs, pairwise on, {args.n:,} replications, blocks "
        f"of {args.block:,} ({os.cpu_count()} cores)"
    )
    for label, comp, group in comps():
        if args.only and args.only not in label:
            continue
        spec = UncertaintySpec.from_yaml(FIVE.format(name=label, n=args.n, group=group), "b")
        plan = make_plan(comp, spec)  # type: ignore[arg-type]
        print(f"  {label}: the plan pickles to {len(pickle.dumps(plan)) / 2**20:.1f} MiB")
        run_uncertainty(make_plan(comp, spec.model_copy(update={"n": 500})))  # type: ignore[arg-type]
        if args.ab:
            ab(label, plan, args.block, args.ab)
            continue
        if args.sobol_n:
            sobol(label, comp, group, args.sobol_n, args.workers)
        for w in [] if args.no_mc else args.workers:
            load0 = os.getloadavg()[0]
            ref, t_ref, c_ref = cpu_run(
                lambda p=plan: run_uncertainty(p, keep_samples=False, block=args.block)
            )
            print(
                f"  {label}: in process (1 thread): {t_ref:.1f} s, {args.n / t_ref:,.0f}/s, "
                f"CPU {c_ref:.2f} s (load {load0:.1f})"
            )
            t0 = time.perf_counter()
            with (
                LocalCluster(
                    n_workers=w, threads_per_worker=1, processes=True, dashboard_address=None
                ) as cluster,
                Client(cluster) as client,
            ):
                client.wait_for_workers(w)
                t_up = time.perf_counter() - t0
                warm = plan.spec.model_copy(update={"n": 2 * args.block * w})
                run_uncertainty(make_plan(comp, warm), client=client, block=args.block)  # type: ignore[arg-type]
                load = os.getloadavg()[0]
                t_start = time.time()
                got, t, c_client = cpu_run(
                    lambda p=plan, c=client: run_uncertainty(p, client=c, block=args.block)
                )
            same = got.countries().equals(ref.countries()) and got.pairwise().equals(ref.pairwise())
            print(
                f"  {label}: Dask, {w} worker process(es): {t:.1f} s, {args.n / t:,.0f}/s, "
                f"x{t_ref / t:.2f} of in process; same summaries: {same} (load {load:.1f}; "
                f"cluster start-up {t_up:.1f} s and warm-up not counted; CPU of this "
                f"process, client and scheduler: {c_client:.2f} s)"
            )
            print(task_report(got, t, t_start, c_ref))


if __name__ == "__main__":
    main()
