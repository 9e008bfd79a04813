"""Benchmark: how long building the documentation site takes (target: under 5 s on a 2-core machine).

    python benchmarks/docs.py [--runs 3] [--no-register]

Each run builds the whole site (every page, the diagrams when Graphviz is installed, and the
findings of examples/register.csv on the rule pages) into a fresh temporary folder, in a fresh
process, and prints the wall-clock time including imports, as a user running `itops docs` sees
it, and the CPU time it used. It prints the medians and the number of files. This is a script, not a test: the figures
depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

TARGET_SECONDS = 5.0

CHILD = r"""
import sys
from pathlib import Path
from itops.docsite import build_site
register = None if sys.argv[2] == "none" else Path(sys.argv[2])
kwargs = {} if sys.argv[2] == "default" else {"register": register}
print(len(build_site(Path(sys.argv[1]), **kwargs)))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-register", action="store_true", help="leave the example register's findings out")
    args = parser.parse_args()
    times = []
    cpu = []
    files = 0
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            done = subprocess.run(
                [sys.executable, "-c", CHILD, os.path.join(tmp, "site"), "none" if args.no_register else "default"],
                capture_output=True,
                text=True,
                check=False,
            )
            elapsed = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                return 2
            files = int(done.stdout.strip())
            times.append(elapsed)
    median = statistics.median(times)
    print(f"cpus: {os.cpu_count()}  graphviz: {'yes' if shutil.which('dot') else 'no'}  files: {files}")
    print(
        f"site build: median {median:.2f} s over {len(times)} run(s) "
        f"(each: {', '.join(f'{t:.2f}' for t in times)}); target < {TARGET_SECONDS:.0f} s: "
        f"{'met' if median < TARGET_SECONDS else 'NOT met'}"
    )
    print(
        f"cpu time (user + system): median {statistics.median(cpu):.2f} s; load average now "
        f"{os.getloadavg()[0]:.1f} (wall time suffers when other work shares the cores)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
