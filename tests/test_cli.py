"""The command line: the happy path, and every bad input as one line on stderr with its exit code."""

import argparse
import json
import os
import re
import shutil

import numpy as np
import pytest

from helpers import assert_one_line_error, cli, run_cli, subprocess_result
from tf1gan import config
from tf1gan.cli import build_parser

TINY_ARGS = [
    "--hidden",
    "16",
    "--z-dim",
    "8",
    "--batch-size",
    "16",
    "--steps",
    "4",
    "--log-every",
    "2",
    "--sample-every",
    "2",
    "--checkpoint-every",
    "2",
    "--threads",
    "1",
]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("cli") / "run")
    proc = run_cli("train", "--out", out, *TINY_ARGS)
    assert proc.returncode == 0, proc.stderr
    return out


def test_train_writes_a_run_and_reports_it(trained):
    assert os.path.exists(os.path.join(trained, "checkpoints", "checkpoint"))
    assert json.load(open(os.path.join(trained, "config.json")))["config"]["g_hidden"] == [16]


def _train_actions():
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return [a for a in sub.choices["train"]._actions if a.option_strings and a.dest != "help"]


def test_help_explains_every_train_flag():
    code, stdout, _ = cli("train", "--help")
    assert code == 0
    for action in _train_actions():
        assert action.help and len(action.help) > 10, action.option_strings
        assert action.option_strings[0] in stdout
    # every setting is a flag: declared once, in tf1gan.config
    assert {a.dest for a in _train_actions()} >= set(config.field_names())


def test_readme_lists_exactly_the_train_flags():
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    paragraph = readme[readme.index("flag overrides it:") : readme.index("While it trains")]
    listed = re.findall(r"--[a-z0-9-]+", paragraph)
    assert sorted(listed) == sorted(a.option_strings[0] for a in _train_actions())


def test_sample_npy_and_png(trained, tmp_path):
    out = str(tmp_path / "s")
    proc = run_cli("sample", "--run", trained, "--n", "50", "--out", out)  # a real process, end to end
    assert proc.returncode == 0, proc.stderr
    x = np.load(out + ".npy", allow_pickle=False)
    assert x.shape == (50, 784) and x.dtype == np.float32 and 0 <= x.min() and x.max() <= 1
    again = str(tmp_path / "again.npy")
    assert cli("sample", "--run", trained, "--n", "50", "--out", again)[0] == 0
    assert np.array_equal(x, np.load(again))  # same seed, same samples
    png = str(tmp_path / "grid.png")
    assert cli("sample", "--run", trained, "--n", "16", "--out", png)[0] == 0
    assert open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    "args,code,fragment",
    [
        (["--dataset", "cifar"], 3, "unknown data set 'cifar'"),
        (["--steps", "0"], 2, "--steps must be in [1, inf), got 0"),
        (["--batch-size", "-4"], 2, "--batch-size must be in [1, inf), got -4"),
        (["--hidden", "0"], 2, "--hidden must be in [1, inf), got (0,)"),
        (["--lr", "-1"], 2, "--lr-g must be in (0, inf), got -1.0"),
        (["--real-label", "0.5"], 2, "--real-label must be in (0.5, 1], got 0.5"),
        (["--steps", "many"], 2, "invalid int value"),
        (["--arch", "dcgan"], 2, "invalid choice"),
        (["--device", "gpu"], 2, "sees no GPU"),
    ],
)
def test_bad_train_flags(args, code, fragment, tmp_path):
    assert_one_line_error(cli("train", "--out", str(tmp_path / "r"), *(TINY_ARGS + args)), code, fragment)
    assert not os.path.exists(str(tmp_path / "r"))  # nothing written for a run that never started


def test_a_bad_flag_in_a_real_process(tmp_path):
    proc = run_cli("train", "--out", str(tmp_path / "r"), "--dataset", "cifar")
    assert_one_line_error(subprocess_result(proc), 3, "unknown data set 'cifar'")


def test_resume_needs_out():
    assert_one_line_error(cli("train", "--resume"), 2, "--resume needs --out")


def test_corrupt_data_dir(tmp_path):
    folder = tmp_path / "MNIST_data"
    folder.mkdir()
    for name in (
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ):
        (folder / name).write_bytes(b"\x1f\x8b not really gzip")
    out = str(tmp_path / "r")
    assert_one_line_error(
        cli("train", "--out", out, "--dataset", "mnist", "--data-dir", str(folder), *TINY_ARGS),
        3,
        "train-images-idx3-ubyte.gz",
    )
    assert_one_line_error(
        cli("train", "--out", out, "--dataset", "mnist", "--data-dir", str(tmp_path / "nowhere"), *TINY_ARGS),
        3,
        "no mnist here",
    )


def test_unwritable_out(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert_one_line_error(cli("train", "--out", str(blocker / "run"), *TINY_ARGS), 4, "cannot create the run folder")


def test_existing_run_without_resume_is_kept(trained):
    before = {
        n: os.path.getmtime(os.path.join(trained, "checkpoints", n))
        for n in os.listdir(os.path.join(trained, "checkpoints"))
    }
    assert_one_line_error(cli("train", "--out", trained, *TINY_ARGS), 4, "already holds a run", "--resume", "--force")
    after = {
        n: os.path.getmtime(os.path.join(trained, "checkpoints", n))
        for n in os.listdir(os.path.join(trained, "checkpoints"))
    }
    assert before == after


def test_resume_without_checkpoint(tmp_path):
    (tmp_path / "empty").mkdir()
    assert_one_line_error(cli("train", "--out", str(tmp_path / "empty"), "--resume"), 4)


def test_resume_refuses_other_settings(trained):
    assert_one_line_error(
        cli("train", "--out", trained, "--resume", "--hidden", "32", "--seed", "0"),
        2,
        "only --steps may change (--hidden, --d-hidden differ from the run's)",
    )


def test_resume_from_a_checkpoint_of_another_architecture(trained, tmp_path):
    other = str(tmp_path / "other")
    shutil.copytree(trained, other)
    doc = json.load(open(os.path.join(other, "config.json")))
    doc["config"]["g_hidden"] = [32]
    json.dump(doc, open(os.path.join(other, "config.json"), "w"))
    assert_one_line_error(
        cli("train", "--out", other, "--resume", "--steps", "6"),
        4,
        "another architecture",
        "generator/hidden1/w is [8, 16] in the checkpoint, [8, 32] here",
    )
    assert_one_line_error(
        cli("sample", "--run", other, "--n", "5", "--out", str(tmp_path / "x.npy")), 4, "another architecture"
    )


def test_sample_of_a_missing_run(tmp_path):
    assert_one_line_error(cli("sample", "--run", str(tmp_path / "none"), "--out", str(tmp_path / "x")), 4)


@pytest.mark.parametrize("command", ["sample", "evaluate", "compare", "classifier"])
@pytest.mark.parametrize(
    "value,fragment",
    [("0", "must be at least 1, got 0"), ("-3", "must be at least 1, got -3"), ("ten", "expected a whole number")],
)
def test_counts_are_whole_numbers_of_at_least_one(trained, tmp_path, command, value, fragment):
    args, flag = {
        "sample": (["--run", trained, "--out", str(tmp_path / "x")], "--n"),
        "evaluate": (["--run", trained], "--n"),
        "compare": (["--out", str(tmp_path / "c")], "--steps"),
        "classifier": (["--out", str(tmp_path / "k")], "--steps"),
    }[command]
    assert_one_line_error(cli(command, *args + [flag, value]), 2, "argument %s: %s" % (flag, fragment))


@pytest.mark.parametrize(
    "checkpoint,fragment",
    [
        ("RUN/nope", "not a checkpoint of this run folder"),
        ("999", "no checkpoint of step 999 in this run folder (it has steps 0, 2, 4)"),
    ],
)
def test_sample_checkpoint_must_be_the_runs_own(trained, tmp_path, checkpoint, fragment):
    args = [
        "sample",
        "--run",
        trained,
        "--checkpoint",
        checkpoint.replace("RUN", trained),
        "--out",
        str(tmp_path / "x"),
    ]
    assert_one_line_error(cli(*args), 4, fragment)
