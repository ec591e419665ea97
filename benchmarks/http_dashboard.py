"""The city top dashboard over HTTP: N readers against a gunicorn this script starts, without and with one writer.

    .venv/bin/python benchmarks/http_dashboard.py [--clients 20] [--seconds 60] [--workers 2] [--writes-per-second 1]
    PG_TEST_PORT=54361 bash scripts/with_postgres.sh .venv/bin/python benchmarks/http_dashboard.py   # PostgreSQL

The database is the one DATABASE_URL names (PostgreSQL, created when missing), else benchmarks/bench.sqlite3, the
file benchmarks/dashboard.py keeps; it is migrated and given the city-scale bench data (demo.benchdata) when its
root jurisdiction is missing, so the data is generated once per database; its summary tables are brought up to date
(`rebuild_summaries --if-stale`) as a deployment does after migrate. gunicorn runs on a free 127.0.0.1 port
with the production settings (DJANGO_DEBUG=0, a fresh secret key, whitenoise serving collectstatic's copies) and
`--workers` workers; every client is logged in through the login form as one superuser. After a migration that
changes how figures are kept (summary tables), delete benchmarks/bench.sqlite3 so its data is written through it.

Each scenario runs `--seconds`: `--clients` threads GET the city top's page `/dashboard/<code>/?year=<year>` (or,
with the share `--json-share`, its JSON `/api/v1/jurisdictions/<code>/summary/?year=<year>`) one after another, as
fast as the server answers. "no writer" first, from a warm cache; then "writer N/s": one more thread POSTs the
activity form over HTTP (`--writer http`, as a browser does; the form is fetched once for its CSRF token) or calls
the service in this process (`--writer orm`), `--writes-per-second` times a second, each an activity dated today in
a random community of the bench city. Each write makes the city top's cached figures stale
(reporting/freshness.py), so readers then meet cold reads: one process recomputes while the others serve the
previous figures marked "正在计算中" (counted as "refreshing"), or wait for it when there are none.
The clients send their requests back to back, without pauses: with C clients the latency is about C / throughput
(Little's law), so a p95 under 500 ms with 20 clients takes more than about 40 answers a second.

Printed: one table row per scenario (and per kind of read): requests, req/s, errors (5xx, timeouts, refused
connections, anything but 200), p50/p95/p99 in ms, the share of answers marked refreshing, the age of the JSON's
figures while writes arrive (now minus its `as_of`), and the writes done with their p95. Below it: the load average
before and after each scenario and the CPU time the clients, the gunicorn workers and (on this machine) PostgreSQL
used, per request: the machine is shared, and latency grows with everything else running on it, CPU time much less.
The activities written are deleted at the end, so the bench data stays as generated. Target (issue 11): page p95
under 500 ms with PostgreSQL, 2 workers, 20 clients, 1 write/s.

Bounded like benchmarks/load.py: at most 200 clients, 600 s per scenario, 20 writes/s and --max-requests requests;
each request times out after 30 s (the unmeasured first read after 600 s); only 127.0.0.1 is ever contacted.
"""

import argparse
import http.cookiejar
import io
import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'benchmarks' / 'bench.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unity.settings")
# Benchmark data holds no real person: the key benchmarks/dashboard.py uses, so both read the same encrypted fields.
FIELD_KEY = "ZGV2ZWxvcG1lbnQtb25seS1maWVsZC1rZXktMDAwMDA="
os.environ.setdefault("DJANGO_FIELD_KEY", FIELD_KEY)

from load import (  # noqa: E402  (benchmarks/load.py: the server's environment, the login and the form reader)
    GUNICORN,
    HOST,
    FormParser,
    NoRedirect,
    ensure_postgres_database,
    free_port,
    login,
    percentile,
    server_env,
)

DATABASE_URL = os.environ["DATABASE_URL"]
if DATABASE_URL.startswith("postgres"):
    ensure_postgres_database(DATABASE_URL)

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.utils import timezone  # noqa: E402

from activities.models import Activity, ActivityCategory  # noqa: E402
from communities.models import Jurisdiction, PendingPasswordChange  # noqa: E402
from demo.benchdata import generate  # noqa: E402

MAX_CLIENTS, MAX_SECONDS, MAX_WRITES, MAX_WORKERS = 200, 600, 20, 16
TIMEOUT = 30
# The read before the clock starts may compute the figures from scratch on a loaded machine; it is not measured.
FIRST_READ_TIMEOUT = 600
USERNAME = "bench-http"
# Marks of figures served while another process computes newer ones (templates/reporting/includes/freshness_note.html
# and the JSON's "refreshing"); the attribute does not depend on the language.
REFRESHING_PAGE = "data-refreshing"
REFRESHING_JSON = '"refreshing": true'
AS_OF_JSON = re.compile(r'"as_of": "([^"]+)"')


class Stats:
    """Latencies and outcomes of one scenario, per kind of request ("page", "json", "write")."""

    def __init__(self, seconds, max_requests):
        self.lock = threading.Lock()
        self.latencies, self.refreshing, self.errors, self.ages = {}, Counter(), Counter(), []
        self.started, self.slowest = time.monotonic(), []  # (ms, kind, second of the scenario it began in)
        self.deadline, self.max_requests, self.count = time.monotonic() + seconds, max_requests, 0

    def exhausted(self):
        return time.monotonic() >= self.deadline or self.count >= self.max_requests

    def record(self, kind, seconds, error=None, refreshing=False, age=None):
        with self.lock:
            self.count += 1
            self.latencies.setdefault(kind, []).append(seconds * 1000)
            # The slowest few with their start: one stall of the whole server shows as many beginning together.
            self.slowest.append((seconds * 1000, kind, time.monotonic() - seconds - self.started))
            if len(self.slowest) > 50:
                self.slowest = sorted(self.slowest, reverse=True)[:8]
            if error:
                self.errors[f"{kind}: {error}"] += 1
            if refreshing:
                self.refreshing[kind] += 1
            if age is not None:
                self.ages.append(age)

    def errors_of(self, kind):
        return sum(n for reason, n in self.errors.items() if reason.startswith(f"{kind}:"))


def opener_for(cookies):
    jar = http.cookiejar.CookieJar()
    for cookie in cookies:
        jar.set_cookie(cookie)
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)


def fetch(opener, url, data=None, timeout=TIMEOUT):
    """Return (status, body text, Location) of one request; errors of the connection raise OSError."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        with opener.open(urllib.request.Request(url, body, {"Referer": url}), timeout=timeout) as response:
            return response.status, response.read().decode(), None
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace"), exc.headers.get("Location")


def reader(number, urls, cookies, stats, json_share, seed):
    rng = random.Random(seed + number)
    opener = opener_for(cookies)
    while not stats.exhausted():
        kind = "json" if rng.random() < json_share else "page"
        began = time.perf_counter()
        try:
            status, text, _ = fetch(opener, urls[kind])
        except OSError as exc:
            stats.record(kind, time.perf_counter() - began, f"connection: {type(exc).__name__}")
            continue
        elapsed = time.perf_counter() - began
        marker = REFRESHING_JSON if kind == "json" else REFRESHING_PAGE
        stats.record(
            kind, elapsed, None if status == 200 else f"HTTP {status}", refreshing=marker in text, age=age_of(text)
        )


def age_of(text):
    """Return how many seconds before now the figures of a JSON answer were computed (its `as_of`), else None."""
    match = AS_OF_JSON.search(text)
    if match is None:
        return None
    return time.time() - datetime.fromisoformat(match.group(1)).timestamp()


def http_writer(base, cookies, communities, today, prefix):
    """Return a function that records one activity through the activity form, as a browser submits it."""
    opener = opener_for(cookies)
    status, page, _ = fetch(opener, base + "/activities/new/")
    parser = FormParser()
    parser.feed(page)
    fields = dict(parser.fields() or [])
    if status != 200 or "csrfmiddlewaretoken" not in fields:
        raise SystemExit(f"the activity form did not load (HTTP {status})")

    def write(n, rng):
        data = dict(fields)
        data.update(
            {
                "jurisdiction": str(rng.choice(communities)),
                "title": f"{prefix}-{n}",
                "date": today.isoformat(),
                "place": "社区活动室",
                "participants": "30",
                "summary": "压测：开展民族团结进步宣传活动。",
            }
        )
        status, _, location = fetch(opener, base + "/activities/new/", data)
        if status != 302 or "/activities/new/" in (location or ""):
            return f"HTTP {status}" + (" (the form came back)" if status == 200 else "")
        return None

    return write


def orm_writer(user, communities, today, prefix):
    """Return a function that records one activity through the service, in this process."""
    from activities.services.activities import activity_create

    category = ActivityCategory.objects.filter(is_active=True).order_by("pk").first()

    def write(n, rng):
        activity_create(
            actor=user,
            jurisdiction=Jurisdiction.objects.get(pk=rng.choice(communities)),
            date=today,
            category=category,
            title=f"{prefix}-{n}",
            place="社区活动室",
            participants=30,
            summary="压测：开展民族团结进步宣传活动。",
        )

    return write


def writer(write, rate, stats, seed):
    """Write `rate` times a second on a fixed schedule, one write at a time.

    After slow writes the next ones follow at once to catch up, so the rate falls short only when writes take longer
    than their slots on average (an HTTP write waits in gunicorn's queue behind the readers' requests).
    """
    rng = random.Random(seed)
    started = time.monotonic()
    n = 0
    try:
        while not stats.exhausted():
            pause = started + n / rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
                if stats.exhausted():
                    break
            began = time.perf_counter()
            try:
                error = write(n, rng)
            except Exception as exc:  # noqa: BLE001 — a refused or failed write is counted, the run goes on
                error = f"{type(exc).__name__}: {str(exc)[:60]}"
            stats.record("write", time.perf_counter() - began, error)
            n += 1
    finally:
        connections.close_all()


class ChildrenCpu:
    """CPU seconds the children of a process used (gunicorn's workers, PostgreSQL's backends), sampled from /proc
    twice a second (Linux; 0 elsewhere; None as the process: always 0).

    The machine is shared: latencies grow with everything else running, CPU per request much less. A child that
    ends (a worker gunicorn recycles after max_requests) counts up to its last sample.
    """

    def __init__(self, master_pid):
        self.master, self.seen, self.stopped = master_pid, {}, threading.Event()
        if master_pid is None:
            return
        self.tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        threading.Thread(target=self.watch, daemon=True).start()

    def watch(self):
        while not self.stopped.wait(0.5):
            self.sample()

    def sample(self):
        if self.master is None:
            return
        try:
            children = Path(f"/proc/{self.master}/task/{self.master}/children").read_text().split()
        except OSError:
            return
        for pid in children:
            try:
                # Fields after the command name (which may hold spaces, in parentheses): utime and stime are 12th, 13th.
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            self.seen[pid] = (int(fields[11]) + int(fields[12])) / self.tick

    def total(self):
        self.sample()
        return sum(self.seen.values())


def postmaster_pid():
    """Return the pid of the PostgreSQL server when it runs on this machine, else None."""
    if connection.vendor != "postgresql" or connection.settings_dict["HOST"] not in ("127.0.0.1", "localhost", ""):
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    try:
        status = Path(f"/proc/{backend}/status").read_text()
    except OSError:
        return None
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:")))


def run(scenario, rate, args, urls, cookies, write, worker_cpu, database_cpu):
    load_before = os.getloadavg()
    stats = Stats(args.seconds, args.max_requests)
    started, cpu_before = time.monotonic(), time.process_time()
    server_before, database_before = worker_cpu.total(), database_cpu.total()
    threads = [
        threading.Thread(target=reader, args=(i, urls, cookies, stats, args.json_share, args.seed), daemon=True)
        for i in range(args.clients)
    ]
    if rate:
        threads.append(threading.Thread(target=writer, args=(write, rate, stats, args.seed), daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=args.seconds + TIMEOUT + 30)
    elapsed = time.monotonic() - started
    # The clients share the machine with the server: what they cost tells how much of it the server had.
    return {
        "scenario": scenario,
        "stats": stats,
        "elapsed": elapsed,
        "load": (load_before, os.getloadavg()),
        "client_cpu": time.process_time() - cpu_before,
        "server_cpu": worker_cpu.total() - server_before,
        "database_cpu": database_cpu.total() - database_before,
    }


def prepare(today):
    """Migrate, generate the city when missing, and (re)create the superuser with a fresh password."""
    call_command("migrate", verbosity=0)
    began = time.perf_counter()
    root, created = generate("city", today=today)
    if created:
        print(f"(city data generated in {time.perf_counter() - began:.0f} s)", flush=True)
    # As a deployment does after migrate (Makefile `serve`): no measured reader pays for summarising the data.
    began = time.perf_counter()
    call_command("rebuild_summaries", if_stale=True, stdout=io.StringIO())
    call_command("compact_data_changes", stdout=io.StringIO())  # as the hourly timer does
    print(f"(summaries brought up to date in {time.perf_counter() - began:.0f} s)", flush=True)
    call_command("collectstatic", interactive=False, verbosity=0)
    password = secrets.token_urlsafe(16) + "-Aa1"
    user, _ = get_user_model().objects.update_or_create(
        username=USERNAME, defaults={"is_superuser": True, "is_staff": True, "is_active": True}
    )
    user.set_password(password)
    user.save()
    PendingPasswordChange.objects.filter(user=user).delete()
    communities = list(
        Jurisdiction.objects.subtree_of(root).filter(level="community").order_by("pk").values_list("pk", flat=True)
    )
    return root, user, password, communities


def per_request(result, cpu):
    done = sum(len(v) for v in result["stats"].latencies.values())
    return 1000 * result[cpu] / done if done else 0


def row(engine, args, result, kind, ops):
    stats = result["stats"]
    values = stats.latencies.get(kind, [])
    done = len(values)
    writes = stats.latencies.get("write", [])
    wrote = f"{len(writes) - stats.errors_of('write')} ({percentile(writes, 95):.0f} ms)" if writes else "—"
    # Only the JSON says when its figures were computed to the second (the page, to the minute and when refreshing);
    # without writes old figures are current ones, so their age says nothing.
    age = "—"
    if kind == "json" and writes and stats.ages:
        age = f"{percentile(stats.ages, 50):.1f} / {percentile(stats.ages, 95):.1f}"
    return (
        f"| {engine} | {result['scenario']} | {ops} | {args.clients} | {args.workers} | {result['elapsed']:.0f} "
        f"| {done} | {done / result['elapsed']:.1f} | {stats.errors_of(kind)} | {percentile(values, 50):.0f} "
        f"| {percentile(values, 95):.0f} | {percentile(values, 99):.0f} "
        f"| {100 * stats.refreshing[kind] / done if done else 0:.0f}% | {age} | {wrote} |"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60, help="per scenario")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--writes-per-second", type=float, default=1, help="0: the scenario without writer only")
    parser.add_argument("--writer", choices=["http", "orm"], default="http")
    parser.add_argument("--json-share", type=float, default=0.0, help="share of reads that GET the JSON (0 to 1)")
    parser.add_argument("--max-requests", type=int, default=200_000, help="per scenario")
    parser.add_argument("--seed", type=int, default=20261202)
    args = parser.parse_args()
    if not (0 < args.clients <= MAX_CLIENTS and 0 < args.seconds <= MAX_SECONDS):
        parser.error(f"at most {MAX_CLIENTS} clients and {MAX_SECONDS} seconds")
    if not (0 < args.workers <= MAX_WORKERS and 0 <= args.writes_per_second <= MAX_WRITES):
        parser.error(f"1 to {MAX_WORKERS} workers, 0 to {MAX_WRITES} writes a second")
    if not 0 <= args.json_share <= 1:
        parser.error("--json-share is a share, from 0 to 1")

    engine = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    today = timezone.localdate()
    print(f"{engine}: migrating, checking the city data …", flush=True)
    root, user, password, communities = prepare(today)
    database_cpu = ChildrenCpu(postmaster_pid())
    # SQLite: no connection of this process may hold the file while the server works (the ORM writer opens its own).
    connections.close_all()

    tmp = tempfile.TemporaryDirectory(prefix="unity-http-bench-")
    env = server_env(DATABASE_URL)
    port = free_port()
    base = f"http://{HOST}:{port}"
    env.update({"DJANGO_FIELD_KEY": FIELD_KEY, "WEB_CONCURRENCY": str(args.workers), "GUNICORN_BIND": f"{HOST}:{port}"})
    log_path = Path(tmp.name) / "gunicorn.log"
    server = subprocess.Popen(
        [GUNICORN, "unity.wsgi:application", "--config", "deploy/gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(log_path, "w"),  # noqa: SIM115 - closed with the folder
    )
    prefix = f"压测HTTP{secrets.token_hex(4)}"
    worker_cpu = ChildrenCpu(server.pid)
    results = []
    try:
        for _ in range(120):
            try:
                if urllib.request.urlopen(base + "/healthz", timeout=2).status == 200:
                    break
            except OSError:
                time.sleep(0.5)
        else:
            raise SystemExit(f"gunicorn did not answer /healthz; see {log_path}")
        query = f"?year={today.year}"
        urls = {
            "page": f"{base}/dashboard/{root.code}/{query}",
            "json": f"{base}/api/v1/jurisdictions/{root.code}/summary/{query}",
        }
        readers = login(base, USERNAME, password)
        # The figures computed once before the clock starts, so "no writer" measures warm reads.
        opener = opener_for(readers)
        for kind in ("page", "json") if args.json_share else ("page",):
            began = time.perf_counter()
            status, text, _ = fetch(opener, urls[kind], timeout=FIRST_READ_TIMEOUT)
            print(
                f"first {kind} read: HTTP {status} in {(time.perf_counter() - began) * 1000:.0f} ms, "
                f"{len(text.encode()) / 1024:.0f} KB",
                flush=True,
            )
            if status != 200:
                raise SystemExit(f"the {kind} did not load; see {log_path}")
        print(f"no writer: {args.clients} clients for {args.seconds:.0f} s …", flush=True)
        results.append(run("no writer", 0, args, urls, readers, None, worker_cpu, database_cpu))
        if args.writes_per_second:
            if args.writer == "http":
                write = http_writer(base, login(base, USERNAME, password), communities, today, prefix)
            else:
                write = orm_writer(user, communities, today, prefix)
            scenario = f"writer {args.writes_per_second:g}/s ({args.writer})"
            print(f"{scenario}: {args.clients} clients for {args.seconds:.0f} s …", flush=True)
            results.append(run(scenario, args.writes_per_second, args, urls, readers, write, worker_cpu, database_cpu))
    finally:
        worker_cpu.stopped.set()
        database_cpu.stopped.set()
        server.terminate()
        server.wait(timeout=60)
        removed, _ = Activity.objects.filter(title__startswith=prefix).delete()
        connections.close_all()

    kinds = ["page", "json"] if args.json_share else ["page"]
    names = {"page": "page", "json": "JSON"}
    print()
    print(f"{engine}, city top {root.code} ({root.name}), year {today.year}; {len(communities)} communities")
    print()
    print(
        "| database | scenario | read | clients | workers | seconds | requests | req/s | errors | p50 ms | p95 ms "
        "| p99 ms | refreshing | figures' age p50 / p95 s | writes ok (p95) |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for result in results:
        for kind in kinds:
            if result["stats"].latencies.get(kind):
                print(row(engine, args, result, kind, names[kind]))
    print()
    for result in results:
        before, after = result["load"]
        print(
            f"{result['scenario']}: load average {before[0]:.2f} before, {after[0]:.2f} after (1 min; "
            f"{os.cpu_count()} cores); in {result['elapsed']:.0f} s the clients used {result['client_cpu']:.1f} CPU s, "
            f"the gunicorn workers {result['server_cpu']:.1f} CPU s ({per_request(result, 'server_cpu'):.0f} ms per "
            "request)"
            + (
                f", PostgreSQL {result['database_cpu']:.1f} CPU s ({per_request(result, 'database_cpu'):.0f} ms)"
                if database_cpu.master
                else ""
            )
        )
    for result in results:
        slowest = sorted(result["stats"].slowest, reverse=True)[:8]
        shown = ", ".join(f"{kind} {ms:.0f} ms at {at:.0f} s" for ms, kind, at in slowest)
        print(f"{result['scenario']}: slowest requests (and the second they began): {shown}")
    print(f"activities written and deleted again: {removed}")
    errors = Counter()
    for result in results:
        errors.update({f"{result['scenario']}: {k}": v for k, v in result["stats"].errors.items()})
    if errors:
        print("errors:")
        for reason, count in errors.most_common(10):
            print(f"  {count:>6}  {reason}")
    tmp.cleanup()
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
