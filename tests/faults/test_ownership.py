"""Nothing of a user's is deleted or overwritten, even under links and look-alike folders (issue 24, 1 and 2).

Each test plants what a careless or hostile hand could leave where tf1gan
writes (a link into another run or onto a user's file, an application's
config.json, a TensorBoard logdir, a user's report.md or file inside an
export) and checks that the command is refused with one line, before
anything changed anywhere.
"""

import json
import os
import shutil

import pytest

from helpers import assert_one_line_error, cli
from runner import TRAIN_ARGS, tree
from tf1gan import classifier, compare, owned

NEW_RUN = ["--steps", "2", "--checkpoint-every", "2"] + TRAIN_ARGS


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("own") / "base")
    code, _, err = cli("train", "--out", out, *NEW_RUN)
    assert code == 0, err
    return out


@pytest.fixture
def arena(base, tmp_path):
    """Two runs (``mine``, ``other``) and a user's file side by side in ``tmp_path``."""
    for name in ("mine", "other"):
        shutil.copytree(base, str(tmp_path / name))
    (tmp_path / "user.txt").write_text("a user's file\n")
    return tmp_path


def refused_and_unchanged(area, args, code, *fragments):
    """Run ``tf1gan ARGS``: a one-line error with ``code``, and not one file under ``area`` changed."""
    before = tree(str(area))
    line = assert_one_line_error(cli(*args), code, *fragments)
    assert tree(str(area)) == before
    return line


# what stands in for tf1gan's own file or folder in the run "mine", and what it points at
LINKS = {
    "checkpoints": "../other/checkpoints",
    "samples": "../other/samples",
    "config.json": "../other/config.json",
    "metrics.jsonl": "../user.txt",
    "loss_curve.png": "../user.txt",
    ".lock": "../user.txt",
    "checkpoints/checkpoint": "../../other/checkpoints/checkpoint",
}


@pytest.mark.parametrize("name", sorted(LINKS))
@pytest.mark.parametrize("mode", ["--force", "--resume"])
def test_no_delete_or_write_follows_a_link_out_of_the_run(arena, name, mode):
    path = arena / "mine" / name
    if path.is_dir():
        shutil.rmtree(str(path))
    elif path.exists():
        path.unlink()
    os.symlink(LINKS[name], str(path))
    args = ["train", "--out", str(arena / "mine")] + (
        NEW_RUN + ["--force"] if mode == "--force" else ["--resume", "--steps", "4"]
    )
    refused_and_unchanged(arena, args, 4, "is a symbolic link", name)


def test_a_checkpoints_file_is_refused_before_anything_is_deleted(arena):
    shutil.rmtree(str(arena / "mine" / "checkpoints"))
    (arena / "mine" / "checkpoints").write_text("not a folder\n")
    refused_and_unchanged(
        arena, ["train", "--out", str(arena / "mine"), "--force"] + NEW_RUN, 4, "checkpoints is not a folder"
    )


@pytest.mark.parametrize("link", ["symbolic", "hard"])
def test_the_lock_never_truncates_a_users_file(arena, link):
    lock = str(arena / "mine" / ".lock")
    if os.path.exists(lock):
        os.unlink(lock)
    (os.symlink if link == "symbolic" else os.link)(str(arena / "user.txt"), lock)
    refused_and_unchanged(
        arena,
        ["train", "--out", str(arena / "mine"), "--resume", "--steps", "4"],
        4,
        ".lock is",
        "link",
    )
    assert (arena / "user.txt").read_text() == "a user's file\n"


LOOK_ALIKES = {
    "an application's config.json": {"config.json": json.dumps({"config": {"port": 8080}, "name": "my app"})},
    "a TensorBoard logdir": {"events.out.tfevents.1700000000.host": "scalars of another experiment"},
    "tf1gan's names and nothing else": {"metrics.jsonl": '{"step": 1}\n', "loss_curve.png": "not ours"},
}


@pytest.mark.parametrize("what", sorted(LOOK_ALIKES))
@pytest.mark.parametrize("force", [False, True])
def test_a_folder_that_is_not_provably_a_run_is_refused(tmp_path, what, force):
    folder = tmp_path / "lookalike"
    folder.mkdir()
    for name, text in LOOK_ALIKES[what].items():
        (folder / name).write_text(text)
    args = ["train", "--out", str(folder)] + NEW_RUN + (["--force"] if force else [])
    refused_and_unchanged(tmp_path, args, 4, "is not a tf1gan run", "choose a new or empty folder")


def test_a_users_config_json_in_a_run_is_never_replaced(arena):
    (arena / "mine" / "config.json").write_text(json.dumps({"name": "my app"}))
    refused_and_unchanged(
        arena, ["train", "--out", str(arena / "mine"), "--force"] + NEW_RUN, 4, "config.json is not a tf1gan config"
    )


def test_a_run_of_an_earlier_version_is_recognised_by_its_config(arena):
    os.unlink(str(arena / "mine" / ".tf1gan-run"))  # what tf1gan wrote before the marker
    code, _, err = cli("train", "--out", str(arena / "mine"), "--force", *NEW_RUN)
    assert code == 0, err
    assert owned.read_marker(str(arena / "mine"), "run") is not None


@pytest.mark.parametrize("name", ["report.md", "samples.png"])
def test_compare_force_never_replaces_a_users_file(tmp_path, name):
    out = tmp_path / "cmp"
    out.mkdir()
    (out / name).write_text("mine\n")
    owned.write_marker(str(out), compare.MARKER, [n for n in ("report.md", "samples.png") if n != name])
    refused_and_unchanged(
        tmp_path,
        ["compare", "--out", str(out), "--steps", "1", "--force"],
        4,
        name,
        "was not written by tf1gan compare",
    )


def test_compare_force_never_goes_through_a_link(arena):
    out = arena / "cmp"
    out.mkdir()
    os.symlink("../other", str(out / "runs"))  # its runs/ leading into a run of the user's
    refused_and_unchanged(arena, ["compare", "--out", str(out), "--steps", "1", "--force"], 4, "is a symbolic link")


@pytest.mark.parametrize("plant", ["a user's file", "a link", "an export.json without a file list"])
def test_export_force_replaces_only_what_an_export_wrote(base, tmp_path, plant):
    out = tmp_path / "export"
    assert cli("export", "--run", base, "--out", str(out))[0] == 0
    info_path = out / "export.json"
    if plant == "an export.json without a file list":  # as tf1gan wrote it before: recognised by its layout
        info = json.loads(info_path.read_text())
        del info["files"]
        info_path.write_text(json.dumps(info))
        assert cli("export", "--run", base, "--out", str(out), "--force")[0] == 0
        assert "files" in json.loads(info_path.read_text())
        (out / "saved_model" / "notes.txt").write_text("mine\n")  # and a user's file still stops it
        info_path.write_text(json.dumps(info))
    elif plant == "a user's file":
        (out / "saved_model" / "notes.txt").write_text("mine\n")
    else:
        (tmp_path / "user.txt").write_text("a user's file\n")
        os.symlink("../../user.txt", str(out / "saved_model" / "variables" / "extra"))
    refused_and_unchanged(
        tmp_path, ["export", "--run", base, "--out", str(out), "--force"], 4, "is not an earlier tf1gan export"
    )


def test_sample_refuses_an_existing_file_unless_forced(arena):
    run = str(arena / "mine")
    curve = os.path.join(run, "loss_curve.png")
    refused_and_unchanged(arena, ["sample", "--run", run, "--n", 4, "--out", curve], 4, "already exists", "--force")
    out = str(arena / "s.npy")
    assert cli("sample", "--run", run, "--n", 4, "--out", out)[0] == 0
    refused_and_unchanged(arena, ["sample", "--run", run, "--n", 4, "--out", out], 4, "already exists")
    code, _, err = cli("sample", "--run", run, "--n", 4, "--out", out, "--force")
    assert code == 0, err


def test_evaluate_json_refuses_an_existing_file_unless_forced(arena):
    run = str(arena / "mine")
    out = arena / "figures.json"
    out.write_text("a user's notes\n")
    refused_and_unchanged(arena, ["evaluate", "--run", run, "--n", 100, "--json", str(out)], 4, "already exists")
    code, _, err = cli("evaluate", "--run", run, "--n", 100, "--json", str(out), "--force")
    assert code == 0, err
    assert json.loads(out.read_text())["checkpoint"].startswith("checkpoint of step ")


def test_classifier_never_writes_the_shipped_one_by_default(tmp_path):
    shipped = os.path.dirname(classifier.paths("mnist10k")[0])
    before = tree(shipped)
    assert_one_line_error(cli("classifier", "--steps", 1), 2, "--out")
    (tmp_path / "mnist10k.json").write_text("{}")
    refused_and_unchanged(
        tmp_path, ["classifier", "--steps", 1, "--out", str(tmp_path)], 4, "mnist10k.json already exists"
    )
    assert tree(shipped) == before
