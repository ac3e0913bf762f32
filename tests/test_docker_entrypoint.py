"""docker/entrypoint.sh without a container: a stand-in tf1gan on PATH records what the images would run.

The container tests (make docker-test) show the unwritable /runs error and the working command in the
image; these cover the rest of the entrypoint's choices in a fraction of a second.
"""

import os
import subprocess

import pytest

from helpers import assert_one_line_error, subprocess_result

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENTRYPOINT = os.path.join(ROOT, "docker", "entrypoint.sh")


@pytest.fixture
def run(tmp_path):
    """run(RUNS_FOLDER, *args): the entrypoint's CompletedProcess; a stand-in tf1gan echoes its arguments."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "tf1gan"
    fake.write_text('#!/bin/sh\necho "tf1gan $*"\n')
    fake.chmod(0o755)

    def _run(runs, *args):
        env = dict(os.environ, PATH="%s:%s" % (bin_dir, os.environ["PATH"]), TF1GAN_RUNS=str(runs))
        return subprocess.run(["sh", ENTRYPOINT] + list(args), env=env, capture_output=True, text=True, timeout=30)

    return _run


def test_train_into_an_unwritable_run_folder_is_one_line_naming_the_fix(run, tmp_path):
    # a folder that cannot take a file, for root too: it does not exist
    runs = tmp_path / "missing"
    result = run(runs, "train", "--steps", "5")
    assert_one_line_error(
        subprocess_result(result), 4, "%s is not writable by uid %d; " % (runs, os.getuid()), "mkdir -p runs", "--user"
    )
    assert result.stdout == ""  # tf1gan never started
    assert run(runs, "train", "--out", "relative/run").returncode == 4  # a relative --out lands in the folder
    assert run(runs, "train", "--out=%s/x" % runs).returncode == 4


def test_train_into_a_writable_run_folder_starts_tf1gan_and_leaves_nothing(run, tmp_path):
    result = run(tmp_path, "train", "--steps", "5")
    assert result.returncode == 0 and result.stdout == "tf1gan train --steps 5\n", result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin"]  # the write check's file is gone


@pytest.mark.parametrize(
    "args",
    [
        ("train", "--out", "/somewhere/else"),  # not the run folder's business
        ("train", "--help"),
        ("env", "--json"),
        ("golden", "--check"),
    ],
)
def test_commands_that_do_not_write_into_the_run_folder_are_not_checked(run, tmp_path, args):
    result = run(tmp_path / "missing", *args)
    assert result.returncode == 0 and result.stdout == "tf1gan %s\n" % " ".join(args), result.stderr
