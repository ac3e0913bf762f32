"""Faults on the output side: a full disk (file-size limit), a non-finite loss, an existing run folder."""

import resource
import subprocess

import pytest

from helpers import assert_same_weights, checkpoint_weights, cli
from runner import TRAIN_ARGS, latest_step, tf1gan_command


def train_cli(*args, limit=None, fault=None):
    def set_limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        tf1gan_command(fault) + ["train"] + TRAIN_ARGS + list(args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
        timeout=600,
        preexec_fn=set_limit if limit else None,
    )


def test_full_disk_keeps_the_previous_checkpoint(tmp_path):
    out = str(tmp_path / "run")
    # a checkpoint (weights, Adam slots, average) of the tiny model is about 360 kB
    proc = train_cli("--out", out, "--steps", "20", "--checkpoint-every", "10")
    assert proc.returncode == 0, proc.stderr
    before = checkpoint_weights(out)
    proc = train_cli("--out", out, "--resume", "--steps", "40", limit=200 * 1024)
    assert proc.returncode == 4, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("tf1gan: error: ") and "cannot write checkpoint at step 30" in last
    assert "previous checkpoint is kept" in last and "Traceback" not in proc.stderr
    assert latest_step(out) == 20
    assert_same_weights(before, checkpoint_weights(out))
    # with room again, the run resumes from step 20 and finishes
    proc = train_cli("--out", out, "--resume", "--steps", "40")
    assert proc.returncode == 0, proc.stderr
    assert latest_step(out) == 40


def test_non_finite_loss_exits_5_and_keeps_the_last_good_checkpoint(tmp_path):
    out = str(tmp_path / "run")
    proc = train_cli("--out", out, "--steps", "40", "--checkpoint-every", "10", fault="nan@24")
    assert proc.returncode == 5
    last = proc.stderr.strip().splitlines()[-1]
    assert last == ("tf1gan: error: step 25: d_loss is nan; training stopped, the last good checkpoint is kept")
    assert latest_step(out) == 20


def test_existing_run_is_refused_without_force(tmp_path):
    out = str(tmp_path / "run")
    assert train_cli("--out", out, "--steps", "10", "--checkpoint-every", "10").returncode == 0
    before = checkpoint_weights(out)
    proc = train_cli("--out", out, "--steps", "10", "--seed", "3")
    assert proc.returncode == 4 and "already holds a run" in proc.stderr
    assert_same_weights(before, checkpoint_weights(out))
    assert train_cli("--out", out, "--steps", "10", "--seed", "3", "--force").returncode == 0
    with pytest.raises(AssertionError):
        assert_same_weights(before, checkpoint_weights(out))


def test_unwritable_sample_output(tmp_path):
    out = str(tmp_path / "run")
    assert train_cli("--out", out, "--steps", "4", "--checkpoint-every", "4").returncode == 0
    code, _, stderr = cli("sample", "--run", out, "--n", "10", "--out", str(tmp_path / "no" / "such" / "dir" / "x.npy"))
    assert code == 4 and "cannot write" in stderr and stderr.startswith("tf1gan: error: ")
