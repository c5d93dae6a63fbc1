"""Shared set-up for the benchmarks: a PostgreSQL database of their own, Django configured for
it, medians, and the README sections each benchmark rewrites with its latest figures."""

import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
README = BENCH_DIR / "README.md"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/dangjian_bench"


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)


def bench_environment() -> dict[str, str]:
    data_dir = Path(tempfile.gettempdir()) / "dangjian-bench"
    return {
        "DATABASE_URL": database_url(),
        "DANGJIAN_MODE": "demo",
        "DANGJIAN_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "dangjian.config.settings",
    }


def setup_django() -> None:
    os.environ.update(bench_environment())
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def ensure_database() -> None:
    import psycopg

    url = database_url()
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def median_ms(action, runs: int = 5, warm: int = 2) -> float:
    return statistics.median(timings(action, runs, warm))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def timings(action, runs: int, warm: int = 3) -> list[float]:
    """Milliseconds of each of ``runs`` calls of ``action``, after ``warm`` calls not counted."""
    for _ in range(warm):
        action()
    values = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        values.append((time.perf_counter() - started) * 1000)
    return values


def comparison_row(scope: str, case: str, platform_ms: list[float], sql_ms: list[float]) -> dict:
    return {"scope": scope, "case": case, "platform_p50": percentile(platform_ms, 0.5),
            "platform_p95": percentile(platform_ms, 0.95), "sql_p50": percentile(sql_ms, 0.5),
            "sql_p95": percentile(sql_ms, 0.95)}


def compare(cases, runs: int, *, keep_answer: bool = False) -> list[dict]:
    """Time each case of (scope, what, platform, reference): the two must give the same answer
    first, so that the figures compare like with like."""
    rows = []
    for scope, what, platform_call, reference in cases:
        answer = platform_call()
        assert answer == reference(), (answer, reference())
        row = comparison_row(scope, what, timings(platform_call, runs), timings(reference, runs))
        rows.append({**row, "answer": repr(answer)} if keep_answer else row)
    return rows


def comparison_table(rows: list[dict]) -> list[str]:
    """The README table of ``compare``'s rows, platform beside raw SQL."""
    return [
        "| scope | what | platform p50 | platform p95 | raw SQL p50 | raw SQL p95 |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
        *(f"| {row['scope']} | {row['case']} | {row['platform_p50']:.1f} | {row['platform_p95']:.1f} | "
          f"{row['sql_p50']:.1f} | {row['sql_p95']:.1f} |" for row in rows),
    ]


def earlier_generation(name: str, made: dict | None) -> dict | None:
    """What generating the data took: this run's, or the run's that generated it, as recorded."""
    if made is None and results_path(name).exists():
        return json.loads(results_path(name).read_text()).get("generation")
    return made


def machine() -> str:
    import psycopg

    with psycopg.connect(database_url()) as connection:
        server = connection.execute("SHOW server_version").fetchone()[0]
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, {memory:.0f} GiB, "
            f"Python {platform.python_version()}, PostgreSQL {server}")


def results_path(name: str) -> Path:
    return BENCH_DIR / "results" / f"{name}.json"


def write_results(name: str, data) -> None:
    """Keep a run's figures as ``results/NAME.json``, beside the README section it writes."""
    path = results_path(name)
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False))


def write_section(name: str, body: str) -> None:
    """Replace the README section between ``<!-- name -->`` markers (or append it)."""
    text = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n"
    block = f"<!-- {name} -->\n{body.strip()}\n<!-- /{name} -->"
    pattern = re.compile(rf"<!-- {re.escape(name)} -->.*?<!-- /{re.escape(name)} -->", re.DOTALL)
    text = pattern.sub(lambda _match: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    README.write_text(text, encoding="utf-8")


def run(*command: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(command, env={**os.environ, **(env or {})}, check=True, text=True, capture_output=True)


PYTHON = sys.executable
