"""The benchmark scripts run (tiny settings). They print figures; nothing here checks a timing."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_script(name, *args):
    return subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", name)] + list(args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
        timeout=900,
    )


def test_throughput_runs_every_lane():
    proc = run_script("throughput.py", "--models", "tiny", "--rounds", "2", "--steps", "5", "--warmup", "1")
    assert proc.returncode == 0, proc.stderr
    for lane in ("feed_dict", "tf1gan", "tf-matmuls", "numpy-matmuls"):
        assert "\n  %s " % lane in proc.stdout, lane
    assert "peak RSS" in proc.stdout
    for optional in ("tfgan", "torch"):  # present or skipped with a message, never silently absent
        assert "  %s " % optional in proc.stdout


def test_time_to_quality_runs(tmp_path):
    proc = run_script(
        "time_to_quality.py",
        "--steps",
        "30",
        "--monitor-every",
        "10",
        "--samples",
        "300",
        "--out",
        str(tmp_path / "run"),
    )
    assert proc.returncode == 0, proc.stderr
    assert "time per 1,000 steps" in proc.stdout and "classifier score (max 10)" in proc.stdout
    assert "peak RSS" in proc.stdout
