"""What the quick tier leaves out: the whole suite under coverage.py, each test's lines recorded
under its node id (the lines of the commands a test starts too), then every line of
tfgan_lab/, benchmarks/ and export/ that only slow tests run (docs/testing.md).

  pip install "coverage>=7.10"            # for this measurement only; not a dependency
  python3 scripts/tier_coverage.py        # about 13 minutes on 2 cores

Loaded by pytest as a plugin too (`-p tier_coverage`): its hook names each test's context.
"""

import base64
import collections
import json
import linecache
import os
import subprocess
import sys
import tempfile

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MEASURED = ("tfgan_lab", "benchmarks", "export")
PYTEST = ["-m", "pytest", "-q", "-n", "2", "--dist", "loadfile", "-p", "no:cacheprovider"]


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Lines from here on belong to `item`: in this process by coverage's dynamic context, in
    the commands it starts by their static one (coverage passes its configuration to them,
    serialized, in COVERAGE_PROCESS_CONFIG)."""
    import coverage

    measuring = coverage.Coverage.current()
    if measuring is not None:
        measuring.switch_context(item.nodeid)
    serialized = os.environ.get("COVERAGE_PROCESS_CONFIG")
    if serialized:
        config = json.loads(base64.b64decode(serialized))
        config["context"] = item.nodeid
        os.environ["COVERAGE_PROCESS_CONFIG"] = base64.b64encode(
            json.dumps(config).encode()).decode()


def _slow_tests() -> set[str]:
    listed = subprocess.run([sys.executable, *PYTEST, "--collect-only", "-m", "slow", "tests"],
                            cwd=REPO, capture_output=True, text=True, check=True).stdout
    return {line.strip() for line in listed.splitlines() if "::" in line}


def _lines_by_test(data_file: str) -> dict[str, set[tuple[str, int]]]:
    import coverage

    data = coverage.CoverageData(data_file)
    data.read()
    lines = collections.defaultdict(set)
    for path in data.measured_files():
        for line, contexts in (data.contexts_by_lineno(path) or {}).items():
            for context in contexts:  # "static|dynamic", either part possibly empty
                lines[context.strip("|").split("|")[-1]].add((path, line))
    return lines


def main() -> None:
    folder = tempfile.mkdtemp(prefix="tier_coverage_")
    rcfile = os.path.join(folder, "coveragerc")
    with open(rcfile, "w") as f:
        f.write("[run]\nsource =\n" + "".join(f"    {os.path.join(REPO, m)}\n" for m in MEASURED)
                + f"patch = subprocess\nparallel = true\ndata_file = {folder}/.coverage\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [os.path.join(REPO, "scripts"), os.environ.get("PYTHONPATH", "")]))
    subprocess.run([sys.executable, "-m", "coverage", "run", f"--rcfile={rcfile}", *PYTEST,
                    "-p", "tier_coverage", "tests"], cwd=REPO, env=env, check=True)
    subprocess.run([sys.executable, "-m", "coverage", "combine", f"--rcfile={rcfile}", "-q"],
                   cwd=REPO, check=True)
    by_test, slow = _lines_by_test(os.path.join(folder, ".coverage")), _slow_tests()
    quick = set().union(*(lines for test, lines in by_test.items() if test not in slow))
    only_slow = sorted(set().union(*(by_test[test] for test in slow)) - quick)
    for path, line in only_slow:
        print(f"{os.path.relpath(path, REPO)}:{line}: {linecache.getline(path, line).strip()}")
    print(f"{len(only_slow)} lines only the slow tier ({len(slow)} tests) runs; the data: {folder}")


if __name__ == "__main__":
    main()
