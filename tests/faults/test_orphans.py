"""Checkpoint files no index names (a process killed while saving left them) are retired by the next save."""

import os
import shutil
import signal

import pytest

from helpers import assert_same_weights, checkpoint_weights, cli
from runner import finish, latest_step, start_training
from tf1gan import runs

TINY = ["--hidden", "16", "--z-dim", "8", "--batch-size", "16", "--threads", "1", "--monitor-every", "0"]


def test_the_next_save_retires_orphans_older_than_the_newest_checkpoint(tmp_path):
    out = str(tmp_path / "run")
    assert cli("train", "--out", out, "--steps", 4, "--checkpoint-every", 2, *TINY)[0] == 0
    ckpt = os.path.join(out, "checkpoints")
    for suffix in (".index", ".data-00000-of-00001"):
        shutil.copy(os.path.join(ckpt, "model.ckpt-2" + suffix), os.path.join(ckpt, "model.ckpt-1" + suffix))
        shutil.copy(os.path.join(ckpt, "model.ckpt-2" + suffix), os.path.join(ckpt, "model.ckpt-9" + suffix))
    with open(os.path.join(ckpt, "model.ckpt-3.data-00000-of-00001.tempstate123"), "wb") as f:
        f.write(b"half a checkpoint")
    (tmp_path / "run" / "checkpoints" / "notes.txt").write_text("kept")
    code, _, err = cli("train", "--out", out, "--resume", "--steps", 6)
    assert code == 0, err
    assert sorted(os.listdir(ckpt)) == sorted(
        ["checkpoint", "notes.txt"]
        + ["model.ckpt-%d%s" % (s, x) for s in (2, 4, 6, 9) for x in (".index", ".data-00000-of-00001")]
    )  # step 9 is newer than the newest checkpoint: a later save may write it again


def test_a_link_named_like_an_orphan_is_refused_before_anything_is_retired(tmp_path):
    out = str(tmp_path / "run")
    assert cli("train", "--out", out, "--steps", 4, "--checkpoint-every", 2, *TINY)[0] == 0
    ckpt = os.path.join(out, "checkpoints")
    user = tmp_path / "user.txt"
    user.write_text("the user's own file")
    os.symlink(str(user), os.path.join(ckpt, "model.ckpt-1.meta"))
    before = sorted(os.listdir(ckpt))
    code, _, err = cli("train", "--out", out, "--resume", "--steps", 6)
    assert code == 4 and "symbolic link" in err and len(err.strip().splitlines()) == 1, err
    assert sorted(os.listdir(ckpt)) == before and os.path.islink(os.path.join(ckpt, "model.ckpt-1.meta"))
    assert user.read_text() == "the user's own file"


@pytest.mark.slow
def test_a_kill_inside_a_save_leaves_nothing_after_the_resumed_run(tmp_path, reference):
    out = str(tmp_path / "run")
    proc = start_training(out, 300, 100, fault="torn-save@200")
    proc.communicate(timeout=600)
    assert proc.returncode == -signal.SIGKILL
    assert latest_step(out) == 100 and "model.ckpt-200.data-00000-of-00001.tempstate42" in os.listdir(
        os.path.join(out, "checkpoints")
    )
    code, err = finish(out, 300)
    assert code == 0, err
    indexed = runs.RunFolder(out).indexed_checkpoints()
    assert [c.step for c in indexed] == [100, 200, 300]
    assert sorted(os.listdir(os.path.join(out, "checkpoints"))) == sorted(
        ["checkpoint"] + ["model.ckpt-%d%s" % (c.step, x) for c in indexed for x in (".index", ".data-00000-of-00001")]
    )
    assert_same_weights(checkpoint_weights(out), reference(300))
