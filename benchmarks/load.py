"""Load benchmark: N clients for S seconds against a gunicorn this script starts on 127.0.0.1 with production settings.

    .venv/bin/python benchmarks/load.py [--clients 50] [--seconds 60]
    PG_TEST_PORT=54336 bash scripts/with_postgres.sh .venv/bin/python benchmarks/load.py   # PostgreSQL

The database is a fresh SQLite file in a temporary folder, or the PostgreSQL database DATABASE_URL names (created
when missing). It is migrated and given the demo data; then every client mixes dashboard reads (leader and staff),
activity creation (staff) and the monthly cycle (an administrator fills and submits a month, the district leader
approves it), as a browser would: GET the form, POST it, follow the redirect.

Bounded: at most --clients (≤ 200) clients, --seconds (≤ 600) seconds and --max-requests requests, each request
timing out after 30 s; only 127.0.0.1 is ever contacted. Printed: requests, errors (5xx, timeouts, refused
connections, unexpected answers), lost writes (a success answer without its row in the database afterwards),
p50/p95/p99 latency.
"""

import argparse
import http.cookiejar
import itertools
import json
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
HOST = "127.0.0.1"
DISTRICT = "520115000000"
COMMUNITY = "520115001001"
USERS = {"admin": "Demo-admin-2026", "leader": "Demo-leader-2026", "staff": "Demo-staff-2026"}
# Months long before the demo's year, so the monthly cycle never meets a return that already exists.
MONTHLY_YEARS = range(1990, 2020)
MAX_CLIENTS, MAX_SECONDS = 200, 600

# Run inside Django after the demo is loaded: the communities whose months the cycle may file, and free months.
SETUP_SCRIPT = """
import json
from activities.models import MonthlyReturn
from communities.models import Jurisdiction
district = Jurisdiction.objects.get(code=%(district)r)
communities = Jurisdiction.objects.subtree_of(district).filter(level="community").exclude(code=None)
codes = list(communities.values_list("code", flat=True))
taken = set(MonthlyReturn.objects.filter(jurisdiction__code__in=codes).values_list("jurisdiction__code", "month"))
print(json.dumps({"codes": codes, "taken": [[c, m.isoformat()] for c, m in taken]}))
"""

COUNT_SCRIPT = """
import json, sys
from activities.models import Activity, MonthlyReturn
claims = json.load(open(%(path)r))
titles = set(Activity.objects.filter(title__startswith=claims["prefix"]).values_list("title", flat=True))
approved = {
    (code, month.isoformat())
    for code, month in MonthlyReturn.objects.filter(status="approved").values_list("jurisdiction__code", "month")
}
print(json.dumps({
    "activities_in_db": len(titles),
    "activities_lost": sorted(set(claims["activities"]) - titles),
    "monthly_lost": [pair for pair in claims["approved"] if tuple(pair) not in approved],
}))
"""


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def server_env(database_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "unity.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": database_url,
            "GUNICORN_ACCESS_LOG": "",
        }
    )
    return env


def shell_json(env, script):
    """Run `script` in `manage.py shell`; its last line of output is JSON."""
    return json.loads(manage(env, "shell", "-v", "0", "-c", script, capture=True).stdout.strip().splitlines()[-1])


def manage(env, *args, capture=False):
    return subprocess.run(
        [PYTHON, "manage.py", *args], cwd=BASE_DIR, env=env, check=True, text=True, capture_output=capture, timeout=900
    )


def ensure_postgres_database(url):
    """Create the database the URL names when it does not exist yet."""
    import psycopg2

    parts = urllib.parse.urlparse(url)
    name = parts.path.lstrip("/")
    conn = psycopg2.connect(
        dbname="postgres", user=parts.username, password=parts.password, host=parts.hostname, port=parts.port
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


class FormParser(HTMLParser):
    """Collect the fields of the first form whose action matches, as a browser would submit them."""

    def __init__(self):
        super().__init__()
        self.forms, self.current, self.select, self.textarea, self.selected = [], None, None, None, False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.current = {"action": a.get("action", ""), "fields": [], "selects": {}}
            self.forms.append(self.current)
        elif self.current is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("file", "submit", "button", "image") or (kind in ("checkbox", "radio") and "checked" not in a):
                return
            self.current["fields"].append([a["name"], a.get("value", "")])
        elif tag == "select" and a.get("name"):
            self.select = a["name"]
            self.current["selects"][self.select] = None
        elif tag == "option" and self.select is not None:
            # The selected option, or else the first real one ("请选择…" placeholders have no value).
            value = a.get("value", "")
            if value and ("selected" in a or not self.current["selects"][self.select]):
                self.current["selects"][self.select] = value
        elif tag == "textarea" and a.get("name"):
            self.textarea = [a["name"], ""]
            self.current["fields"].append(self.textarea)

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def fields(self):
        """Return the page's own form: the first with a CSRF token that is not the header's logout or language form."""
        for form in self.forms:
            if form["action"].endswith(("/logout/", "/i18n/setlang/")):
                continue
            if any(name == "csrfmiddlewaretoken" for name, _ in form["fields"]):
                fields = [(n, v) for n, v in form["fields"]]
                fields += [(n, v) for n, v in form["selects"].items() if v is not None]
                return fields
        return None


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Unexpected(Exception):
    pass


class Session:
    """One browser: its own cookie jar; records every request's latency and outcome."""

    def __init__(self, base, cookies, stats):
        self.base, self.stats = base, stats
        self.jar = http.cookiejar.CookieJar()
        for cookie in cookies:
            self.jar.set_cookie(cookie)
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def request(self, op, path, data=None):
        if self.stats.exhausted():
            raise TimeoutError("bounded")
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        headers = {"Referer": self.base + path}
        started = time.perf_counter()
        try:
            with self.opener.open(urllib.request.Request(self.base + path, body, headers), timeout=30) as response:
                status, text, location = response.status, response.read().decode(), None
        except urllib.error.HTTPError as exc:
            status, text, location = exc.code, exc.read().decode(errors="replace"), exc.headers.get("Location")
        except OSError as exc:
            self.stats.record(op, time.perf_counter() - started, f"connection: {type(exc).__name__}")
            raise Unexpected(str(exc)) from None
        self.stats.record(op, time.perf_counter() - started, None if status < 500 else f"HTTP {status}")
        if status >= 500:
            raise Unexpected(f"{op}: HTTP {status}")
        return status, text, location

    def expect(self, op, path, data=None, status=200):
        got, text, location = self.request(op, path, data)
        if got != status:
            # A form sent back names its first error; keep it so a failing run says why.
            match = re.search(r'class="errorlist[^"]*"[^>]*><li>([^<]{0,80})', text)
            self.stats.fail(op, f"expected {status}, got {got}" + (f": {match.group(1)}" if match else ""))
            raise Unexpected(f"{op}: {got}")
        return text, location


class Stats:
    def __init__(self, max_requests):
        self.lock = threading.Lock()
        self.latencies, self.errors, self.ops = [], Counter(), Counter()
        self.max_requests, self.deadline = max_requests, None
        self.activities, self.approved = [], []

    def exhausted(self):
        return time.monotonic() >= self.deadline or len(self.latencies) >= self.max_requests

    def record(self, op, seconds, error):
        with self.lock:
            self.latencies.append(seconds)
            self.ops[op] += 1
            if error:
                self.errors[f"{op}: {error}"] += 1

    def fail(self, op, reason):
        with self.lock:
            self.errors[f"{op}: {reason}"] += 1


def login(base, username, password):
    """Log in once per role; the clients share the session as tabs of one browser would (one slow hash each)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    page = opener.open(base + "/login/", timeout=30).read().decode()
    parser = FormParser()
    parser.feed(page)
    data = dict(parser.fields())
    data.update({"username": username, "password": password})
    try:
        opener.open(urllib.request.Request(base + "/login/", urllib.parse.urlencode(data).encode()), timeout=30)
    except urllib.error.HTTPError as exc:
        if exc.code != 302:
            raise
    if not any(c.name == "sessionid" for c in jar):
        raise SystemExit(f"login as {username} failed")
    return list(jar)


def dashboard(sessions, rng, stats):
    who, code = rng.choice([("leader", DISTRICT), ("staff", COMMUNITY)])
    sessions[who].expect("dashboard", f"/dashboard/{code}/?year=2026")


def create_activity(sessions, rng, stats, title):
    staff = sessions["staff"]
    page, _ = staff.expect("activity_create", "/activities/new/")
    parser = FormParser()
    parser.feed(page)
    data = dict(parser.fields() or [])
    data.update({"title": title, "date": date.today().isoformat(), "place": "社区活动室", "participants": "30"})
    data["summary"] = "压测：开展民族团结进步宣传活动。"
    _, location = staff.expect("activity_create", "/activities/new/", data, status=302)
    if "/activities/new/" in (location or ""):
        stats.fail("activity_create", "redirected back to the form")
        return
    with stats.lock:
        stats.activities.append(title)


def monthly_cycle(sessions, months, stats):
    try:
        code, month = next(months)
    except StopIteration:
        return
    key = f"{month:%Y-%m}"
    admin, leader = sessions["admin"], sessions["leader"]
    edit = f"/monthly/{code}/{key}/"
    page, _ = admin.expect("monthly_fill", edit)
    parser = FormParser()
    parser.feed(page)
    data = dict(parser.fields() or [])
    if "csrfmiddlewaretoken" not in data:
        stats.fail("monthly_fill", "no editable form")
        return
    for name in data:
        if name.startswith("figure_") and not data[name]:
            data[name] = "0"
    data["then"] = "submit"
    admin.expect("monthly_fill", edit, data, status=302)
    admin.expect("monthly_submit", edit + "submit/", {"csrfmiddlewaretoken": data["csrfmiddlewaretoken"]}, status=302)
    page, _ = leader.expect("monthly_approve", edit + "approve/")
    parser = FormParser()
    parser.feed(page)
    token = dict(parser.fields() or []).get("csrfmiddlewaretoken")
    leader.expect("monthly_approve", edit + "approve/", {"csrfmiddlewaretoken": token}, status=302)
    page, _ = leader.expect("monthly_approve", edit)  # the redirect a browser follows; it shows the outcome
    if "已审核通过" not in page:
        stats.fail("monthly_approve", "no confirmation shown")
        return
    with stats.lock:
        stats.approved.append([code, month.isoformat()])


def client(number, base, cookies, stats, months, prefix, seed):
    rng = random.Random(seed + number)
    sessions = {role: Session(base, jar, stats) for role, jar in cookies.items()}
    for n in itertools.count():
        if stats.exhausted():
            return
        roll = rng.random()
        try:
            if roll < 0.6:
                dashboard(sessions, rng, stats)
            elif roll < 0.9:
                create_activity(sessions, rng, stats, f"{prefix}-{number}-{n}")
            else:
                monthly_cycle(sessions, months, stats)
        except (Unexpected, TimeoutError):
            continue


def percentile(values, p):
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (deploy/gunicorn.conf.py)")
    parser.add_argument("--seed", type=int, default=20261202)
    args = parser.parse_args()
    if not (0 < args.clients <= MAX_CLIENTS and 0 < args.seconds <= MAX_SECONDS):
        parser.error(f"at most {MAX_CLIENTS} clients and {MAX_SECONDS} seconds")

    tmp = tempfile.TemporaryDirectory(prefix="unity-load-")
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp.name}/db.sqlite3"
    if database_url.startswith("postgres"):
        ensure_postgres_database(database_url)
    engine = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    env = server_env(database_url)
    if args.workers:
        env["WEB_CONCURRENCY"] = str(args.workers)
    print(f"{engine}: migrating and loading the demo …", flush=True)
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "load_demo", "--force", capture=True)
    manage(env, "collectstatic", "--noinput", "-v", "0")
    setup = shell_json(env, SETUP_SCRIPT % {"district": DISTRICT})
    taken = {tuple(pair) for pair in setup["taken"]}
    free = [
        (code, date(year, month, 1))
        for year in MONTHLY_YEARS
        for month in range(1, 13)
        for code in setup["codes"]
        if (code, date(year, month, 1).isoformat()) not in taken
    ]
    months_lock = threading.Lock()
    free_iter = iter(free)

    def months():
        while True:
            with months_lock:
                item = next(free_iter, None)
            if item is None:
                return
            yield item

    port = free_port()
    base = f"http://{HOST}:{port}"
    env["GUNICORN_BIND"] = f"{HOST}:{port}"
    server = subprocess.Popen(
        [GUNICORN, "unity.wsgi:application", "--config", "deploy/gunicorn.conf.py"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(Path(tmp.name) / "gunicorn.log", "w"),  # noqa: SIM115 - closed with the folder
    )
    try:
        for _ in range(120):
            try:
                if urllib.request.urlopen(base + "/healthz", timeout=2).status == 200:
                    break
            except OSError:
                time.sleep(0.5)
        else:
            raise SystemExit("gunicorn did not answer /healthz")
        cookies = {role: login(base, role, password) for role, password in USERS.items()}
        stats = Stats(args.max_requests)
        prefix = f"压测{secrets.token_hex(4)}"
        stats.deadline = time.monotonic() + args.seconds
        month_iter = months()
        started = time.monotonic()
        threads = [
            threading.Thread(target=client, args=(i, base, cookies, stats, month_iter, prefix, args.seed), daemon=True)
            for i in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.seconds + 60)
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=60)

    claims_path = Path(tmp.name) / "claims.json"
    claims_path.write_text(json.dumps({"prefix": prefix, "activities": stats.activities, "approved": stats.approved}))
    counts = shell_json(env, COUNT_SCRIPT % {"path": str(claims_path)})
    lost = len(counts["activities_lost"]) + len(counts["monthly_lost"])
    latencies = [s * 1000 for s in stats.latencies]
    errors = sum(stats.errors.values())
    by_op = defaultdict(int, stats.ops)

    print()
    print("| database | clients | seconds | requests | req/s | errors | lost writes | p50 ms | p95 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {engine} | {args.clients} | {elapsed:.0f} | {len(latencies)} | {len(latencies) / elapsed:.1f} | {errors} "
        f"| {lost} | {percentile(latencies, 50):.0f} | {percentile(latencies, 95):.0f} "
        f"| {percentile(latencies, 99):.0f} |"
    )
    print()
    print(
        f"requests by kind: dashboard {by_op['dashboard']}, activity creation {by_op['activity_create']}, "
        f"monthly fill/submit/approve {by_op['monthly_fill']}/{by_op['monthly_submit']}/{by_op['monthly_approve']}"
    )
    print(
        f"writes confirmed: {len(stats.activities)} activities ({counts['activities_in_db']} rows found), "
        f"{len(stats.approved)} months approved ({len(stats.approved) - len(counts['monthly_lost'])} found)"
    )
    if stats.errors:
        print("errors:")
        for reason, count in stats.errors.most_common(10):
            print(f"  {count:>6}  {reason}")
    print(f"mean {statistics.fmean(latencies) if latencies else 0:.0f} ms")
    tmp.cleanup()
    return 1 if errors or lost else 0


if __name__ == "__main__":
    sys.exit(main())
