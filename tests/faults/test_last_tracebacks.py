"""Inputs that still ended in a traceback (issue 24): each is one line on stderr and a documented exit code."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from helpers import assert_one_line_error, cli, write_mnist_files
from tf1gan import golden, resources

TINY = ["--hidden", "16", "--z-dim", "8", "--batch-size", "16", "--threads", "1", "--monitor-every", "0"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("tracebacks") / "run")
    code, _, err = cli("train", "--out", out, "--steps", 2, *TINY)
    assert code == 0, err
    return out


@pytest.mark.parametrize(
    "flags,fragment",
    [
        (["--seed", "-1"], "--seed: must be in [0, 2**31)"),
        (["--seed", str(2**32)], "--seed: must be in [0, 2**31)"),
        (["--eval-samples", "1"], "--eval-samples must be at least 100"),
        (["--seeds", "-1"], "--seeds must be 0"),
    ],
)
def test_compare_checks_every_flag_before_any_work(tmp_path, flags, fragment):
    out = str(tmp_path / "report")
    assert_one_line_error(cli("compare", "--out", out, "--steps", 1, *flags), 2, fragment)
    assert not os.path.exists(out)


@pytest.mark.parametrize(
    "key,value,fragment",
    [
        ("versions", "1.15.5", "its versions is not an object"),
        ("cpu", "AMD EPYC", "its cpu is neither an object nor null"),
        ("env", ["OMP_NUM_THREADS=1"], "its env is not an object"),
        ("cpu", {"model": 1}, "its cpu has no vendor, model_name, family, stepping"),
        ("gpu", {"name": "A100"}, "its gpu has no compute_capability, tf32"),
    ],
)
def test_env_diff_of_a_hand_edited_machine_block(run, tmp_path, key, value, fragment):
    copy = str(tmp_path / "run")
    shutil.copytree(run, copy)
    path = os.path.join(copy, "config.json")
    doc = json.load(open(path))
    doc[key] = value
    json.dump(doc, open(path, "w"))
    assert_one_line_error(cli("env", "--diff", run, copy), 4, path, fragment)
    assert_one_line_error(cli("env", "--diff", copy, run), 4, path, fragment)


@pytest.mark.parametrize("meta", [[], "meta", 3, {"env": []}, {"cpu": "x"}])
def test_a_golden_snapshot_whose_meta_is_not_a_block(tmp_path, meta):
    folder = str(tmp_path)
    with open(os.path.join(folder, "listing.json"), "w") as f:
        json.dump({"meta": meta, "data": {}}, f)
    current = {"listing": {"meta": {}, "data": {}}}
    (result,) = golden.check(folder, current=current)
    assert result.verdict == "unreadable" and "not a readable snapshot" in result.reason
    assert "\n" not in result.reason


def test_a_full_stdout_after_a_complete_run(tmp_path):
    out = str(tmp_path / "run")
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "tf1gan", "train", "--out", out, "--steps", "2"] + TINY,
            stdout=full,
            stderr=subprocess.PIPE,
            universal_newlines=True,
            timeout=600,
        )
    last = proc.stderr.strip().splitlines()[-1]
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert last == "tf1gan: error: cannot write to standard output (No space left on device)"
    assert os.path.exists(os.path.join(out, "checkpoints", "checkpoint"))  # the run itself is complete


def test_a_100_gb_data_file_is_refused_before_it_is_read(tmp_path):
    folder = str(tmp_path / "data")
    write_mnist_files(folder, gz=False)
    huge = os.path.join(folder, "train-images-idx3-ubyte")
    os.truncate(huge, 100 * 10**9)  # sparse: no disk space used
    assert_one_line_error(
        cli("data", "--fetch", "mnist", "--data-dir", folder),
        3,
        huge + ": is 100.0 GB, larger than any data file tf1gan knows",
    )
    assert os.path.getsize(huge) == 100 * 10**9


@pytest.mark.parametrize(
    "n,text",
    [(999, "999 bytes"), (999.97e9, "1.0 TB"), (15.4e12, "15.4 TB"), (2.5e15, "2.5 PB"), (1536e6, "1.5 GB")],
)
def test_sizes_print_in_a_unit_that_fits(n, text):
    assert resources.format_size(n) == text
