"""Contacts: import of a large CRM export (`ringback contacts import FILE --json`).

Writes a HubSpot-style CSV export (19 columns; names, companies, US numbers in the ways
people type them, emails; a share of rows that repeat an earlier contact with another
spelling of the same number), imports it into a fresh embedded (SQLite) database, or the
database ``--database-url`` names, in a child process, and imports it again (every row
unchanged). Prints the import report's ``seconds`` for both runs and the child's peak
memory. Seeded: the same arguments write the same file.

    python bench/bench_import.py                 # 100,000 rows, SQLite
    python bench/bench_import.py --rows 20000 --json
    python bench/bench_import.py --database-url postgresql+psycopg://localhost/ringback_bench
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = [
    "Record ID", "First Name", "Last Name", "Email", "Phone Number", "Mobile Phone Number",
    "Company Name", "Job Title", "Lifecycle Stage", "Create Date", "Last Activity Date",
    "City", "State/Region", "Country/Region", "Additional email addresses", "Email Domain",
    "IP Country", "Marketing contact status", "Associated Company",
]  # fmt: skip
FIRST = ["Dana", "Sam", "Priya", "Luis", "Karen", "Tom", "Aiko", "Bill", "Sarah", "Omar"]
LAST = ["Turner", "Lopez", "Chen", "Okafor", "Meyer", "Rossi", "Singh", "Novak", "Hale"]
WORDS = ["North", "Oak", "River", "Summit", "Blue", "Harbor", "Granite", "Pine", "Metro"]
KINDS = ["Realty", "Logistics", "Dental", "Builders", "Insurance", "Media", "Labs"]
TITLES = ["Owner", "Office Manager", "VP Sales", "Broker", "Buyer", "CFO", ""]
STAGES = ["lead", "subscriber", "customer", "opportunity", "salesqualifiedlead"]


def _number(rng: random.Random, n: int) -> tuple[str, str]:
    """A US number (area codes in use, 555-01xx lines) and one way of writing it."""
    area = rng.choice(["415", "212", "617", "312", "206", "512", "303"])
    line = f"{n % 10000:04d}"
    exchange = f"{200 + (n // 10000) % 700}"
    plain = f"{area}{exchange}{line}"
    written = rng.choice(
        [f"({area}) {exchange}-{line}", f"{area}-{exchange}-{line}", f"+1 {area} {exchange} {line}"]
    )
    return plain, written


def write_export(path: Path, rows: int, duplicates: float, seed: int) -> int:
    """The CSV at ``path``; returns how many rows repeat an earlier contact."""
    rng = random.Random(seed)
    made: list[list[str]] = []
    repeated = 0
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for i in range(rows):
            if made and rng.random() < duplicates:
                row = list(rng.choice(made))
                row[0] = str(10_000_000 + i)
                plain = "".join(ch for ch in row[4] if ch.isdigit())[-10:]
                row[4] = f"{plain[:3]}.{plain[3:6]}.{plain[6:]}"  # the same number, retyped
                repeated += 1
            else:
                first, last = rng.choice(FIRST), rng.choice(LAST)
                company = f"{rng.choice(WORDS)} {rng.choice(KINDS)}"
                domain = company.lower().replace(" ", "") + ".example"
                _, phone = _number(rng, i)
                _, mobile = _number(rng, i + rows) if rng.random() < 0.3 else ("", "")
                email = f"{first}.{last}.{i}@{domain}".lower()
                row = [
                    str(10_000_000 + i), first, last, email, phone, mobile, company,
                    rng.choice(TITLES), rng.choice(STAGES), "2025-03-14 10:22", "2026-10-01 16:05",
                    "Springfield", "IL", "United States", "", domain, "United States",
                    "Marketing contact", company,
                ]  # fmt: skip
                made.append(row)
            writer.writerow(row)
    return repeated


def run_import(path: Path, data_dir: Path, database_url: str | None) -> dict[str, object]:
    env = {**os.environ, "RINGBACK_DATA_DIR": str(data_dir)}
    if database_url:
        env["RINGBACK_DATABASE_URL"] = database_url
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "ringback", "contacts", "import", str(path), "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"import failed ({done.returncode}): {done.stderr[-2000:]}")
    report = json.loads(done.stdout)
    return {"seconds": report.get("seconds"), "wall_s": round(wall, 2), "report": report}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--duplicates", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", help="an empty database to import into (default: SQLite)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ringback-import-") as tmp:
        path = Path(tmp) / "hubspot-export.csv"
        repeated = write_export(path, args.rows, args.duplicates, args.seed)
        data_dir = Path(tmp) / "data"
        first = run_import(path, data_dir, args.database_url)
        again = run_import(path, data_dir, args.database_url)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        result = {
            "rows": args.rows,
            "repeated_rows": repeated,
            "file_mb": round(path.stat().st_size / 1e6, 1),
            "columns": len(HEADER),
            "database": "postgresql" if args.database_url else "sqlite",
            "first_import_s": first["seconds"],
            "reimport_s": again["seconds"],
            "peak_rss_mb": round(peak_mb),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "first_counts": first["report"]["counts"],  # type: ignore[index]
            "reimport_counts": again["report"]["counts"],  # type: ignore[index]
        }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for key in ("rows", "repeated_rows", "file_mb", "database", "first_import_s", "reimport_s"):
        print(f"{key:>16}: {result[key]}")
    print(f"{'peak_rss_mb':>16}: {result['peak_rss_mb']}")


if __name__ == "__main__":
    main()
