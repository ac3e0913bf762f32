"""Interrupted training: SIGINT / SIGTERM save and exit 130 / 143; SIGKILL at any moment loses nothing.

Every interrupted run is resumed with ``tf1gan train --resume`` and must end with
exactly (bitwise) the weights of an uninterrupted run.
"""

import random
import signal
import time

import pytest

from helpers import assert_same_weights, checkpoint_weights
from runner import finish, latest_step, logged_steps, metrics_are_clean, start_training, wait_for

pytestmark = pytest.mark.slow
STEPS = 300


@pytest.mark.parametrize("sig,code,name", [(signal.SIGINT, 130, "SIGINT"), (signal.SIGTERM, 143, "SIGTERM")])
def test_stop_signal_saves_and_says_how_to_resume(tmp_path, reference, sig, code, name):
    out = str(tmp_path / "run")
    proc = start_training(out, STEPS, 100)
    wait_for(lambda: len(logged_steps(out)) >= 20)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err
    last = err.strip().splitlines()[-1]
    assert "stopped by %s" % name in last and "--resume" in last and "Traceback" not in err
    stopped_at = latest_step(out)
    assert 20 <= stopped_at < STEPS and logged_steps(out)[-1] == stopped_at  # the step in flight finished, saved
    code, err = finish(out, STEPS)
    assert code == 0, err
    assert_same_weights(checkpoint_weights(out), reference(STEPS))
    assert metrics_are_clean(out)


def kill_when(tmp_path, checkpoint_every, ready, delay=0.0):
    out = str(tmp_path / "run")
    proc = start_training(out, STEPS, checkpoint_every)
    wait_for(lambda: ready(out))
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    return out


def test_kill_before_the_first_periodic_checkpoint(tmp_path, reference):
    out = kill_when(tmp_path, 1000, lambda out: len(logged_steps(out)) >= 10)
    assert latest_step(out) == 0  # only the initial weights were saved
    assert finish(out, STEPS)[0] == 0
    assert_same_weights(checkpoint_weights(out), reference(STEPS))


def test_kill_between_checkpoints(tmp_path, reference):
    out = kill_when(tmp_path, 50, lambda out: (latest_step(out) or 0) >= 100 and logged_steps(out)[-1] % 50 > 10)
    assert latest_step(out) >= 100
    assert finish(out, STEPS)[0] == 0
    assert_same_weights(checkpoint_weights(out), reference(STEPS))
    assert metrics_are_clean(out)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kill_during_saves(tmp_path, reference, seed):
    # a checkpoint every step: the process spends most of its time saving, so a
    # kill at a random moment almost always lands inside a save
    out = kill_when(tmp_path, 1, lambda out: len(logged_steps(out)) >= 30, random.Random(seed).uniform(0.0, 0.5))
    assert latest_step(out) is not None
    assert finish(out, STEPS)[0] == 0
    assert_same_weights(checkpoint_weights(out), reference(STEPS))
    assert metrics_are_clean(out)


@pytest.mark.parametrize("point,latest", [("before-save@100", 0), ("after-save@100", 100)])
def test_kill_at_each_side_of_a_save(tmp_path, reference, point, latest):
    out = str(tmp_path / "run")
    proc = start_training(out, STEPS, 100, fault=point)
    proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL
    assert latest_step(out) == latest
    assert finish(out, STEPS)[0] == 0
    assert_same_weights(checkpoint_weights(out), reference(STEPS))
