"""The root organisation's page over HTTP under gunicorn (2 sync workers), as a signed-in
city-level viewer, beside /healthz (no database work, no template) served by the same server in
the same run. Run subtree_count.py first: it builds the city.

    python bench/org_page_http.py [--threads 4] [--requests 250]
"""

import argparse
import http.client
import os
import re
import socket
import subprocess
import threading
import time
import urllib.parse

import _common

USERNAME = "bench_city_viewer"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_account() -> tuple[str, str]:
    from dangjian.accounts import services
    from dangjian.accounts.models import User
    from dangjian.orgs.models import Organization

    root = Organization.objects.get(depth=1)
    User.objects.filter(username=USERNAME).delete()
    user, password = services.account_create(actor=None, username=USERNAME, full_name="bench", organization=root)
    services.role_grant(actor=None, user=user, role="viewer", organization=root)
    User.objects.filter(pk=user.pk).update(must_change_password=False)
    return root.code, password


def sign_in(port: int, password: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.request("GET", "/accounts/login/")
    response = connection.getresponse()
    page = response.read().decode()
    csrf_cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie")).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": USERNAME, "password": password})
    connection.request("POST", "/accounts/login/", body, {
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf_cookie}",
        "Referer": f"http://127.0.0.1:{port}/accounts/login/"})
    response = connection.getresponse()
    response.read()
    session = re.search(r"sessionid=([^;]+)", response.getheader("Set-Cookie") or "")
    if response.status != 302 or not session:
        raise SystemExit(f"sign-in failed: {response.status}")
    return f"sessionid={session.group(1)}"


def load(port: int, path: str, cookie: str, threads: int, requests: int) -> dict:
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()

    def worker():
        connection = http.client.HTTPConnection("127.0.0.1", port)
        mine = []
        for _ in range(requests):
            started = time.perf_counter()
            connection.request("GET", path, headers={"Cookie": cookie})
            response = connection.getresponse()
            response.read()
            mine.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                failures.append(response.status)
        with lock:
            latencies.extend(mine)

    for _ in range(2):  # warm the workers
        worker_connection = http.client.HTTPConnection("127.0.0.1", port)
        worker_connection.request("GET", path, headers={"Cookie": cookie})
        worker_connection.getresponse().read()
    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    wall = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{path}: {len(failures)} failed requests, e.g. {failures[0]}")
    return {"rps": len(latencies) / wall, "p50": _common.percentile(latencies, 0.5),
            "p95": _common.percentile(latencies, 0.95), "requests": len(latencies)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--requests", type=int, default=250, help="per thread")
    arguments = parser.parse_args()
    _common.setup_django()
    root_code, password = bench_account()
    from django.db import connection

    connection.close()
    port = free_port()
    server = subprocess.Popen(
        [_common.PYTHON, "-m", "gunicorn", "dangjian.config.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning"],
        env={**os.environ, **_common.bench_environment()},
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        cookie = sign_in(port, password)
        page = load(port, f"/orgs/{root_code}/", cookie, arguments.threads, arguments.requests)
        health = load(port, "/healthz", cookie, arguments.threads, arguments.requests)
    finally:
        server.terminate()
        server.wait()

    from dangjian.members.models import Member

    members = Member.objects.count()
    lines = [
        f"Measured {_common.machine()}; {members:,} members; gunicorn with 2 sync workers; the load generator "
        f"({arguments.threads} threads x {arguments.requests} requests, one keep-alive connection each) on the same 2 cores.",
        "",
        "| endpoint | requests/s | p50 ms | p95 ms |",
        "| --- | ---: | ---: | ---: |",
        f"| root organisation page `/orgs/{root_code}/` (signed in, counts, children, rule checks) | "
        f"{page['rps']:,.0f} | {page['p50']:.1f} | {page['p95']:.1f} |",
        f"| reference: `/healthz` (same server, same session, `SELECT 1`, no template) | "
        f"{health['rps']:,.0f} | {health['p50']:.1f} | {health['p95']:.1f} |",
    ]
    _common.write_section("org-page-http", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
