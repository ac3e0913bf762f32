"""Run folders that are copied, moved, shared, locked, replaced or damaged: nothing lost, nothing mixed up.

Each test reproduces a way a careless user lost or silently replaced work with
an earlier tf1gan (issue 13), and checks that it cannot happen any more.
"""

import json
import os
import shutil
import signal

import numpy as np
import pytest

from helpers import assert_one_line_error, cli
from runner import TRAIN_ARGS, absolute_index, latest_step, logged_steps, start_training, tree, wait_for

TINY = ["--hidden", "16", "--z-dim", "8", "--batch-size", "16", "--threads", "1", "--monitor-every", "0"]


def train(out, steps=20, *extra):
    code, _, err = cli(
        "train",
        "--out",
        out,
        "--steps",
        steps,
        "--checkpoint-every",
        10,
        "--sample-every",
        1000,
        "--log-every",
        5,
        *(TINY + list(extra)),
    )
    assert code == 0, err
    return out


def samples(run, tmp_path, name="s.npy", *extra):
    out = str(tmp_path / name)
    code, _, err = cli("sample", "--run", run, "--n", 20, "--out", out, *extra)
    assert code == 0, err
    return np.load(out)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return train(str(tmp_path_factory.mktemp("runs") / "base"))


def test_the_checkpoint_index_is_relative(base):
    index = open(os.path.join(base, "checkpoints", "checkpoint")).read()
    assert 'model_checkpoint_path: "model.ckpt-20"' in index and base not in index


@pytest.mark.parametrize("legacy_index", [False, True])
def test_resuming_a_copy_leaves_the_original_untouched(base, tmp_path, legacy_index):
    original = str(tmp_path / "original")
    shutil.copytree(base, original)
    if legacy_index:
        absolute_index(original)  # an index that names the original's files by absolute path
    before = tree(original)
    copy = str(tmp_path / "copy")
    shutil.copytree(original, copy)
    train(copy, 80, "--resume")  # max_to_keep retires old checkpoints: the copy's own, never the original's
    assert tree(original) == before
    assert sorted(n for n in os.listdir(os.path.join(copy, "checkpoints")) if n.endswith(".index")) == [
        "model.ckpt-60.index",
        "model.ckpt-70.index",
        "model.ckpt-80.index",
    ]


def test_a_moved_run_samples_its_own_weights(tmp_path):
    a = train(str(tmp_path / "swapA"), 20, "--seed", "1")
    absolute_index(a)  # the worst case: an old index naming swapA's files by absolute path
    own = samples(a, tmp_path, "own.npy")
    moved = str(tmp_path / "swapB")
    os.rename(a, moved)
    train(str(tmp_path / "swapA"), 20, "--seed", "2")  # a new run where the old one was
    assert np.array_equal(samples(moved, tmp_path, "moved.npy"), own)
    assert not np.array_equal(samples(str(tmp_path / "swapA"), tmp_path, "new.npy"), own)


def test_a_moved_run_with_nothing_left_at_the_old_path_still_resumes(tmp_path):
    a = train(str(tmp_path / "gone"), 20)
    absolute_index(a)
    moved = str(tmp_path / "here")
    os.rename(a, moved)
    samples(moved, tmp_path)
    train(moved, 30, "--resume")
    assert latest_step(moved) == 30


def test_a_second_writer_is_refused_with_the_holders_pid(tmp_path):
    out = str(tmp_path / "x")
    proc = start_training(out, 5000, 100)
    try:
        wait_for(lambda: len(logged_steps(out)) >= 5)
        resume = assert_one_line_error(
            cli("train", "--out", out, "--resume", "--steps", "6000"),
            4,
            "is being written by another tf1gan process (PID %d)" % proc.pid,
        )
        assert_one_line_error(
            cli("train", "--out", out, "--force", "--steps", "10", *TRAIN_ARGS), 4, "PID %d" % proc.pid
        )
        assert "Traceback" not in resume
        # readers never block: sampling the live run works
        code, _, err = cli("sample", "--run", out, "--n", 5, "--out", str(tmp_path / "live.npy"))
        assert code == 0, err
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=120)
    steps = logged_steps(out)
    assert steps == sorted(set(steps))  # one writer: every record once, in order


def test_a_lock_left_by_a_killed_process_does_not_block_resume(tmp_path):
    out = str(tmp_path / "killed")
    proc = start_training(out, 5000, 20)
    wait_for(lambda: (latest_step(out) or 0) >= 20)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert os.path.exists(os.path.join(out, ".lock"))
    reached = latest_step(out)
    code, _, err = cli("train", "--out", out, "--resume", "--steps", reached + 10)
    assert code == 0, err
    assert latest_step(out) == reached + 10


@pytest.mark.parametrize("where", ["the run", "its parent", "the current folder", "a folder of other files"])
def test_export_force_never_replaces_what_it_did_not_write(tmp_path, monkeypatch, where):
    runs_dir = tmp_path / "runs"
    run = train(str(runs_dir / "good"), 10)  # a run of its own: nothing another test did can make it fail
    other = tmp_path / "sub"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    target = {
        "the run": run,
        "its parent": str(runs_dir),
        "the current folder": ".",
        "a folder of other files": str(other),
    }[where]
    monkeypatch.chdir(str(other) if where == "the current folder" else str(tmp_path))
    before = tree(str(tmp_path))
    assert_one_line_error(cli("export", "--run", run, "--out", target, "--force"), 4)
    assert tree(str(tmp_path)) == before


def test_export_force_replaces_an_earlier_export(base, tmp_path):
    out = str(tmp_path / "export")
    assert cli("export", "--run", base, "--out", out)[0] == 0
    assert_one_line_error(cli("export", "--run", base, "--out", out), 4, "--force")
    assert cli("export", "--run", base, "--out", out, "--force")[0] == 0
    assert sorted(os.listdir(out)) == ["export.json", "generator_frozen.pb", "saved_model"]
    assert [n for n in os.listdir(str(tmp_path)) if n.startswith(".")] == []  # no staging or backup left


def test_export_folder_gets_the_usual_permissions(base, tmp_path):
    old = os.umask(0o022)
    try:
        out = str(tmp_path / "export")
        assert cli("export", "--run", base, "--out", out)[0] == 0
    finally:
        os.umask(old)
    assert os.stat(out).st_mode & 0o777 == 0o755


def test_export_to_a_parent_it_cannot_write_is_assert_one_line_error(base, tmp_path, monkeypatch):
    import tempfile

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    assert_one_line_error(cli("export", "--run", base, "--out", str(tmp_path / "e")), 4, "Permission denied")


def test_train_force_keeps_files_it_did_not_write(tmp_path):
    foreign = tmp_path / "notarun"
    (foreign / "checkpoints").mkdir(parents=True)
    (foreign / "checkpoints" / "my.ckpt").write_text("precious")
    before = tree(str(foreign))
    assert_one_line_error(cli("train", "--out", str(foreign), "--force", "--steps", "5", *TINY), 4, "not a tf1gan run")
    assert tree(str(foreign)) == before
    # a run folder with a file of the user's in it: --force replaces the run, keeps the file
    run = train(str(tmp_path / "run"), 10)
    with open(os.path.join(run, "notes.txt"), "w") as f:
        f.write("mine")
    with open(os.path.join(run, "checkpoints", "my.ckpt"), "w") as f:
        f.write("mine too")
    train(run, 10, "--force", "--seed", "3")
    assert open(os.path.join(run, "notes.txt")).read() == "mine"
    assert open(os.path.join(run, "checkpoints", "my.ckpt")).read() == "mine too"


def test_a_relative_data_dir_is_saved_resolved(tmp_path, monkeypatch):
    from tf1gan import data

    data_dir = tmp_path / "work" / "data"
    shutil.copytree(data.DATASETS["mnist10k"].system_dirs[0], str(data_dir))
    monkeypatch.chdir(str(tmp_path / "work"))
    run = train(str(tmp_path / "run"), 10, "--data-dir", "data")
    saved = json.load(open(os.path.join(run, "config.json")))["config"]["data_dir"]
    assert saved == str(data_dir)
    monkeypatch.chdir(str(tmp_path))  # elsewhere: the saved path still finds the data
    train(run, 20, "--resume")
    train(run, 30, "--resume", "--data-dir", str(data_dir))  # the same folder by absolute path is accepted


def damage(run, step):
    data_file = next(
        os.path.join(run, "checkpoints", n)
        for n in os.listdir(os.path.join(run, "checkpoints"))
        if n.startswith("model.ckpt-%d.data" % step)
    )
    with open(data_file, "r+b") as f:
        f.truncate(100)
    return data_file


def test_a_damaged_checkpoint_is_named_and_the_previous_one_offered(base, tmp_path):
    run = str(tmp_path / "run")
    shutil.copytree(base, run)
    data_file = damage(run, 20)
    for command, flag in (
        (["train", "--out", run, "--resume", "--steps", "30"], "--resume-from 10"),
        (["sample", "--run", run, "--n", "5", "--out", str(tmp_path / "s.npy")], "--checkpoint 10"),
        (["evaluate", "--run", run], "--checkpoint 10"),
        (["export", "--run", run, "--out", str(tmp_path / "e")], "--checkpoint 10"),
    ):
        assert_one_line_error(cli(*command), 4, data_file, "is damaged", "the newest intact one is step 10", flag)
    assert latest_step(run) == 20  # nothing was rewritten
    train(run, 30, "--resume-from", "10")
    assert latest_step(run) == 30
    samples(run, tmp_path)


def test_an_index_naming_a_deleted_checkpoint_offers_the_previous_one(base, tmp_path):
    run = str(tmp_path / "run")
    shutil.copytree(base, run)
    for name in os.listdir(os.path.join(run, "checkpoints")):
        if name.startswith("model.ckpt-20."):
            os.unlink(os.path.join(run, "checkpoints", name))
    assert_one_line_error(
        cli("train", "--out", run, "--resume", "--steps", "30"), 4, "model.ckpt-20, is missing", "--resume-from 10"
    )
    assert_one_line_error(cli("sample", "--run", run, "--n", 5, "--out", str(tmp_path / "s.npy")), 4, "--checkpoint 10")
    samples(run, tmp_path, "s10.npy", "--checkpoint", "10")
    train(run, 30, "--resume-from", "10")


def test_a_torn_metrics_line_keeps_every_other_record(base, tmp_path):
    run = str(tmp_path / "run")
    shutil.copytree(base, run)
    path = os.path.join(run, "metrics.jsonl")
    lines = open(path).read().splitlines()
    lines[1] = lines[1][: len(lines[1]) // 2]  # torn in the middle of the file
    lines.insert(2, json.dumps({"d_loss": 1.0}))  # a record without a step
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    code, _, err = cli("train", "--out", run, "--resume", "--steps", "25", "--log-every", "5")
    assert code == 0, err
    assert "lines 2, 3 were damaged" in err
    assert [json.loads(line)["step"] for line in open(path)] == [5, 15, 20, 25]
    assert open(os.path.join(run, "metrics.damaged.jsonl")).read().splitlines() == lines[1:3]


def test_resume_with_fewer_steps_than_done_changes_nothing(base, tmp_path):
    run = str(tmp_path / "run")
    shutil.copytree(base, run)
    before = tree(run)
    assert_one_line_error(cli("train", "--out", run, "--resume", "--steps", "5"), 2, "--steps 5 is below step 20")
    assert tree(run) == before
