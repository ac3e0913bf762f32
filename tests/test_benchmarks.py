"""The benchmark scripts run (tiny settings). They print figures; nothing here checks a timing."""

import json
import os
import subprocess
import sys

import pytest

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
    proc = run_script(
        *("throughput.py", "--models", "tiny", "--rounds", "2", "--steps", "5", "--warmup", "1", "--session-options"),
        *("--model-file", os.path.join(ROOT, "tf1gan", "model.py")),
    )
    assert proc.returncode == 0, proc.stderr
    variants = ("tf1gan, intra 1, inter 2", "tf1gan, no remapping", "tf1gan, Grappler off", "tf1gan, model.py")
    for lane in ("feed_dict", "tf1gan", "tf-matmuls", "tf-floor", "numpy-matmuls") + variants:
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


def test_quality_vs_time_runs_and_plots(tmp_path):
    run = str(tmp_path / "run")
    proc = run_script(
        "quality_vs_time.py",
        *("--arch", "dcgan", "--hidden", "4,4", "--batch-size", "16", "--threads", "1"),
        *("--minutes", "0.01,0.02", "--samples", "200", "--out", run),
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.load(open(os.path.join(run, "quality_vs_time.json")))
    assert [m["minutes"] for m in doc["marks"]] == [0.01, 0.02]
    assert doc["marks"][0]["step"] < doc["marks"][1]["step"] and doc["step_flops"] > 0
    assert all("classifier_score" in m["figures"] for m in doc["marks"]) and "fcd" in doc["real"]
    png = str(tmp_path / "curve.png")
    proc = run_script("quality_vs_time.py", "--plot", png, os.path.join(run, "quality_vs_time.json"))
    assert proc.returncode == 0, proc.stderr
    assert open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"


def test_step_profile_runs_and_draws(tmp_path):
    chart = str(tmp_path / "profile.png")
    proc = run_script("step_profile.py", "--models", "tiny", "--steps", "5", "--warmup", "2", "--chart", chart)
    assert proc.returncode == 0, proc.stderr
    for row in (
        "G forward",
        "D forward, real and fake",
        "dropout masks",
        "D Adam",
        "G step: D backward",
        "moving average",
        "all op time",
        "executor overhead",
    ):
        assert "\n  %s " % row in proc.stdout, row
    assert open(chart, "rb").read(8) == b"\x89PNG\r\n\x1a\n"


def test_step_profile_gives_every_op_of_the_networks_a_stage(tiny, mnist10k):
    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    import step_profile

    from tf1gan.train import Trainer

    with Trainer(tiny.replace(d_dropout=0.3), mnist10k, "cpu") as trainer:
        stages = step_profile.stage_of_ops(trainer.gan, trainer.graph)
    assert set(stages.values()) == set(step_profile.STAGES)  # each stage holds ops; "other" too
    networks = ("generator/", "discriminator/", "d_step/", "g_step_d/", "dropout_masks/")
    assert not [name for name, stage in stages.items() if stage == "other" and name.startswith(networks)]
    assert stages["generator/g_step_fused"] == "G Adam" and stages["d_step/concat"] == "D forward, real and fake"


@pytest.mark.slow
def test_sweep_benchmark_runs(tmp_path):
    pytest.importorskip("ray")
    tiny = [a for kv in ("z-dim=8", "hidden=16", "batch-size=16", "monitor-every=0") for a in ("--grid", kv)]
    proc = run_script("sweep.py", "--trials", "2", "--steps", "3", "--out", str(tmp_path / "b"), *tiny)
    assert proc.returncode == 0, proc.stderr
    for line in ("plain loop of tf1gan train", "sweep, 1 worker:", "sweep, 2 workers:", "engine overhead"):
        assert line in proc.stdout
    assert proc.stdout.count("peak RSS: sweep process") == 2


def test_memory_prints_estimate_against_peak_for_each_guarded_command():
    proc = run_script("memory.py", "--tiny")
    assert proc.returncode == 0, proc.stderr
    for command in ("train", "sample", "evaluate", "data"):
        rows = [line for line in proc.stdout.splitlines() if line.startswith("  %s " % command)]
        assert len(rows) == 2, proc.stdout  # two sizes
        assert all(float(row.split()[-1]) > 0 for row in rows)  # a ratio, not a dash: a guard ran
    assert "every estimate within [1, 1.5] of its peak:" in proc.stdout
