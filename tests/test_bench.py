"""scripts/bench.py runs and writes its table (a smoke test: timings are not asserted)."""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_bench_eager_only_writes_its_table(tmp_path):
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [
            sys.executable,
            os.path.join(ROOT, "scripts", "bench.py"),
            "--eager-only",
            "--no-keras",
            "--plain-parameters",
            "--cases",
            "dense,sequential",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    table = json.loads(out.read_text())
    assert [row["case"] for row in table["rows"]] == ["dense", "sequential"]
    for row in table["rows"]:
        assert row["eager_us"]["kshim"] > 0 and row["eager_us"]["torch"] > 0
        assert row["eager_ratio"] > 0 and row["eager_ratio_plain_parameters"] > 0
        assert "compiled_ratio" not in row  # --eager-only
    assert "with plain nn.Parameters" in done.stdout


def test_unknown_case_is_refused():
    done = subprocess.run(
        [sys.executable, os.path.join(ROOT, "scripts", "bench.py"), "--cases", "nope"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2
    assert "unknown case 'nope'" in done.stderr
