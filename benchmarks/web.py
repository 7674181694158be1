"""Web benchmark: p50/p95 latency of a country profile page and its JSON twin under 50
concurrent clients on localhost for 30 s each (``wrk`` when installed, else httpx async,
against uvicorn in a separate process), the error count, and page weights (gzip, as
transferred).

    .venv/bin/python benchmarks/web.py [--seconds 30] [--clients 50] [--country KEN] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
VENDOR = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def load(url: str, clients: int, seconds: float) -> tuple[list[float], int, int]:
    lat: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        limits=limits, timeout=30, headers={"Accept-Encoding": "gzip"}
    ) as c:

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < stop:
                t = time.perf_counter()
                try:
                    r = await c.get(url)
                    if r.status_code != 200:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                lat.append(time.perf_counter() - t)

        await asyncio.gather(*(worker() for _ in range(clients)))
    return lat, errors, len(lat)


WRK_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK %d %.3f %.3f %d\\n", summary.requests,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def wrk(url: str, clients: int, seconds: float) -> tuple[int, float, float, int]:
    """wrk's own measurement: requests, p50 ms, p95 ms, errors (non-2xx included)."""
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(WRK_LUA)
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{clients}",
            f"-d{int(seconds)}s",
            "-s",
            f.name,
            "-H",
            "Accept-Encoding: gzip",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    Path(f.name).unlink()
    line = next(x for x in out.splitlines() if x.startswith("WRK "))
    n, p50, p95, err = line.split()[1:]
    return int(n), float(p50), float(p95), int(err)


def warm(url: str, n: int) -> None:
    """``n`` simultaneous requests, so that each server process (an idle one accepts the
    next connection) computes the page once before the timed run."""

    async def go() -> None:
        async with httpx.AsyncClient(timeout=300) as c:
            await asyncio.gather(*(c.get(url) for _ in range(n)))

    asyncio.run(go())


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) of the server process and its worker processes so far."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # after the name: state, ppid, ..., utime is field 14 and stime 15 (1-based, man proc)
        if int(d.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def pct(xs: list[float], q: float) -> float:
    return statistics.quantiles(xs, n=100)[int(q) - 1] * 1000


def weights(base: str, country: str) -> dict[str, int]:
    out: dict[str, int] = {}
    # the first profile also computes the Monitor's tables (about 15 s, once)
    with httpx.Client(headers={"Accept-Encoding": "gzip"}, timeout=120) as c:
        for name, path in [
            ("profile HTML", f"/country/{country}"),
            ("profile HTML (ar)", f"/ar/country/{country}"),
            ("profile JSON", f"/api/country/{country}"),
            ("map page HTML", "/"),
            ("ranking HTML", "/ranking"),
            ("monitor concentration", "/monitor/concentration"),
            ("monitor governance", "/monitor/governance"),
            ("style.css", "/static/style.css"),
            ("app.js", "/static/app.js"),
            ("favicon.svg", "/static/favicon.svg"),
            *[(v, f"/static/vendor/{v}") for v in VENDOR],
        ]:
            r = c.get(base + path)
            assert r.status_code == 200, path
            out[name] = len(gzip.compress(r.content, 6))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--country", default="KEN")
    ap.add_argument("--warehouse", default=os.environ.get("AICAP_WAREHOUSE", "var/aicap.duckdb"))
    ap.add_argument("--httpx", action="store_true", help="Load with httpx even if wrk exists.")
    ap.add_argument("--index-dir", default=os.environ.get("AICAP_OUT", "var/out"))
    ap.add_argument(
        "--workers", type=int, default=1, help="Server processes (as `aicap serve --workers`)."
    )
    a = ap.parse_args()
    port = free_port()
    env = {
        **os.environ,
        "AICAP_WAREHOUSE": a.warehouse,
        "AICAP_OUT": a.index_dir,
        "AICAP_WARM_MONITOR": "1",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "aicap.web.app:app_from_env",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--workers",
            str(a.workers),
        ],
        cwd=REPO,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        t0 = time.perf_counter()
        while True:
            try:
                if httpx.get(base + "/api/map", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.perf_counter() - t0 > 180:
                raise SystemExit("server did not start")
            time.sleep(0.5)
        print(
            f"server ready in {time.perf_counter() - t0:.1f} s (startup computes everything once)"
        )
        w = weights(base, a.country)
        print("\npage weights (gzip, bytes as transferred):")
        for k, v in w.items():
            print(f"  {k:22s} {v:>8,d}")
        # first load: the page (its charts drawn on the server as inline SVG), the CSS, the
        # script and the icon; Vega only when the reader asks for an interactive chart
        first = w["profile HTML"] + w["style.css"] + w["app.js"] + w["favicon.svg"]
        first_ar = first - w["profile HTML"] + w["profile HTML (ar)"]
        charts = first + sum(w[v] for v in VENDOR)
        print(
            f"  profile first load:        {first:,d} B ({first / 1024:.0f} KB; ar "
            f"{first_ar / 1024:.0f} KB) (budget 300 KB, target 100 KB)"
        )
        print(f"  with the interactive chart: {charts:,d} B ({charts / 1024:.0f} KB)")
        tool = "wrk" if shutil.which("wrk") and not a.httpx else "httpx"
        print(
            f"\n{a.clients} concurrent clients, {a.seconds:g} s each ({tool} on the same "
            f"machine, {os.cpu_count()} CPUs, {a.workers} server process(es), load average "
            f"{os.getloadavg()[0]:.1f} before):"
        )
        for name, path in [
            ("profile JSON", f"/api/country/{a.country}"),
            ("profile HTML", f"/country/{a.country}"),
            ("monitor JSON", "/api/monitor/concentration"),
        ]:
            warm(base + path, 4 * a.workers)
            cpu0, load0 = server_cpu(server.pid), resource.getrusage(resource.RUSAGE_CHILDREN)
            if tool == "wrk":
                n, p50, p95, errors = wrk(base + path, a.clients, a.seconds)
            else:
                lat, errors, n = asyncio.run(load(base + path, a.clients, a.seconds))
                p50, p95 = pct(lat, 50), pct(lat, 95)
            cpu1, load1 = server_cpu(server.pid), resource.getrusage(resource.RUSAGE_CHILDREN)
            rate = n / a.seconds
            per_req = (cpu1 - cpu0) / max(n, 1) * 1e3
            client_cpu = (load1.ru_utime + load1.ru_stime) - (load0.ru_utime + load0.ru_stime)
            print(
                f"  {name:13s} requests {n:>7d}  {rate:>7.0f} req/s  "
                f"p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  errors {errors}"
            )
            # What limits it: with every client always waiting, mean latency = clients /
            # throughput (Little's law); throughput is bounded by the CPU each request costs
            # the server, on cores that the load generator shares.
            print(
                f"  {'':13s} server CPU {per_req:.2f} ms/request; load generator CPU "
                f"{client_cpu / max(n, 1) * 1e3:.2f} ms/request; Little's law: mean latency "
                f">= {a.clients} / {rate:.0f} req/s = {a.clients / max(rate, 1e-9) * 1e3:.0f} ms; "
                f"p95 < 50 ms at {a.clients} clients needs at least {a.clients / 0.05:.0f} req/s, "
                f"i.e. <= {os.cpu_count() or 1} cores / {a.clients / 0.05:.0f} = "
                f"{(os.cpu_count() or 1) / (a.clients / 0.05) * 1e3:.2f} ms of CPU per request "
                "for server and load generator together"
            )
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
