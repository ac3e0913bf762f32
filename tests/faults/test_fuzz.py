"""Hypothesis fuzz of every command's flags and of every file tf1gan reads.

Whatever the input, a command ends with exit 0 or one of the documented codes
(1-6), an error is one line on stderr, never a traceback, and no file outside
the scratch folder the command may write into changes. Commands run in this
process (``helpers.cli``), each in a fresh scratch folder, with no network: the
cache is empty and the mirror a closed port on 127.0.0.1. Two kinds of work are
stubbed, as they take minutes whatever the flags: compare's studies (reaching
them means every flag passed its checks) and golden's recomputation of the
snapshots (replaced by the saved snapshots themselves).
"""

import json
import os
import shutil
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import cli
from runner import tree
from tf1gan import classifier, compare, golden, sweep
from tf1gan import cli as tf1gan_cli

pytestmark = pytest.mark.slow
TINY = ["--hidden", "16", "--z-dim", "8", "--batch-size", "16", "--threads", "1", "--monitor-every", "0"]
DOCUMENTED = {0, 1, 2, 3, 4, 5, 6}


def fuzz(examples):
    """Hypothesis settings: ``examples`` keep the suite quick (about a minute here); FUZZ_EXAMPLES=N hunts longer."""
    return settings(
        max_examples=int(os.environ.get("FUZZ_EXAMPLES", examples)),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


# Flags whose valid values set how much work is done: fuzzed only with small or invalid values.
WORK_SIZE = {"--steps", "--n", "--seed-steps", "--eval-samples", "--seeds", "--hidden", "--g-hidden", "--d-hidden"}
WORK_SIZE |= {"--z-dim", "--threads", "--monitor-every", "--eval-every"}

# Per command, fast valid flags (NEW: a path in the scratch folder; RUN, EXPORT: the fixture's).
BASELINES = {
    "train": ["--out", "NEW", "--steps", "2"] + TINY,
    "sample": ["--run", "RUN", "--n", "5", "--out", "NEW.npy"],
    "export": ["--run", "RUN", "--out", "NEW"],
    "evaluate": ["--run", "RUN", "--n", "100"],
    "classifier": ["--steps", "1", "--out", "NEW"],
    "compare": ["--out", "NEW", "--steps", "1"],
    "golden": ["--check", "--dir", "GOLDEN"],
    "env": [],
    "data": [],
    "sweep": ["--out", "NEW", "--steps", "1", "--eval-samples", "0"],
}


CLASSIFIERS = classifier.WEIGHTS_DIR
SKIPPED = set()


class _WorkStarted(Exception):
    """Raised by the stubbed compare studies: every flag passed."""


@pytest.fixture(scope="module")
def fixture_dir(tmp_path_factory):
    """A run, an export of it, samples and golden snapshots: the inputs, which no command may change."""
    base = str(tmp_path_factory.mktemp("fuzz"))
    run = os.path.join(base, "run")
    code, _, err = cli("train", "--out", run, "--steps", 4, "--checkpoint-every", 2, "--log-every", 1, *TINY)
    assert code == 0, err
    code, _, err = cli("export", "--run", run, "--out", os.path.join(base, "export"))
    assert code == 0, err
    np.save(os.path.join(base, "samples.npy"), np.random.RandomState(0).rand(100, 784).astype(np.float32))
    shutil.copytree(golden.GOLDEN_DIR, os.path.join(base, "golden"))
    return base


@pytest.fixture
def stubs(monkeypatch, fixture_dir):
    def studies(*args, **kwargs):
        raise _WorkStarted()

    saved = {n[:-5]: json.load(open(os.path.join(fixture_dir, "golden", n))) for n in ("listing.json",)}
    monkeypatch.setattr(compare, "compare", studies)
    monkeypatch.setattr(sweep, "start_ray", studies)  # every flag passed: the trials would start here
    monkeypatch.setattr(sweep, "_ray", studies)  # --address: joining a cluster is the work, not a flag check
    monkeypatch.setattr(golden, "snapshots", lambda *a, **k: saved)


def run_in_scratch(fixture_dir, argv):
    """Run ``tf1gan argv`` in a fresh scratch folder; check the outcome; return (code, stderr)."""
    scratch = tempfile.mkdtemp(dir=fixture_dir, prefix="scratch-")
    names = {"NEW": os.path.join(scratch, "new"), "RUN": os.path.join(fixture_dir, "run")}
    names.update(EXPORT=os.path.join(fixture_dir, "export"), GOLDEN=os.path.join(fixture_dir, "golden"))
    argv = [_fill(a, names) for a in argv]
    before = inputs(fixture_dir)
    cwd = os.getcwd()
    os.chdir(scratch)
    try:
        env = dict(TF1GAN_CACHE=os.path.join(scratch, "cache"), TF1GAN_MIRROR="https://127.0.0.1:9/")
        code, _, err = cli(*argv, TF1GAN_RUNS=os.path.join(scratch, "runs"), **env)
    except _WorkStarted:
        code, err = 0, ""
    finally:
        os.chdir(cwd)
        shutil.rmtree(scratch, ignore_errors=True)
    assert code in DOCUMENTED, (argv, code, err)
    assert "Traceback" not in err, (argv, err)
    if code:
        last = err.strip().splitlines()[-1] if err.strip() else ""
        assert last.startswith("tf1gan") and "error: " in last, (argv, err)
    assert inputs(fixture_dir) == before, argv  # the inputs are untouched, whatever happened
    return code, err


def inputs(fixture_dir):
    """{path: digest} of the fixture's inputs (not the scratch folders, nor the fuzzed copies) and the package's
    shipped classifiers."""
    found = {k: v for k, v in tree(fixture_dir).items() if not k.startswith(("scratch-", "copy-"))}
    found.update(("package/" + k, v) for k, v in tree(CLASSIFIERS).items())
    return found


def _fill(arg, names):
    for key, path in names.items():
        if arg == key or arg.startswith(key + "."):
            return path + arg[len(key) :]
    return arg


def flags_of(command):
    """(flag, takes a value, choices) of every option of ``command``."""
    parser = tf1gan_cli.build_parser()
    sub = parser._subparsers._group_actions[0].choices[command]
    return [(a.option_strings[-1], a.nargs != 0, a.choices) for a in sub._actions if a.option_strings[-1] != "--help"]


NASTY = st.one_of(
    st.sampled_from(
        ["", "-1", "0", "1", "2", "1.5", "1e309", "nan", "inf", "-inf", "0x10", " 3", "abc", "☃", "x" * 300]
        + [str(2**31), str(2**32), str(2**63), str(-(2**63)), "1,", ",", "2,,3", "-5,3", "/", "/dev/null"]
        + ["/proc/self/status", "/nonexistent/x", "RUN", "EXPORT", "GOLDEN", "NEW", "NEW.npy", "NEW.png", "RUN/x.npy"]
    ),
    st.integers(-(2**70), 2**70).map(str),
    st.text(max_size=12),
)


def _too_much_work(flag, value):
    try:
        return flag in WORK_SIZE and float(value.replace(",", "").strip() or 0) > 64
    except ValueError:
        return False


@fuzz(15)  # a valid command trains, exports or evaluates: seconds each
@given(st.data())
def test_every_flag_with_any_value(fixture_dir, stubs, data):
    command = data.draw(st.sampled_from(sorted(BASELINES)), "command")
    flags = [f for f in flags_of(command) if (command, f[0]) not in SKIPPED]
    flag, takes_value, choices = data.draw(st.sampled_from(flags), "flag")
    argv = list(BASELINES[command])
    if flag in argv:  # the drawn value replaces the baseline's
        i = argv.index(flag)
        del argv[i : i + 2]
    value = data.draw(st.sampled_from(list(choices)) | NASTY if choices else NASTY, "value") if takes_value else None
    if value is not None and _too_much_work(flag, value):
        value = "3"
    run_in_scratch(fixture_dir, [command] + argv + [flag] + ([value] if takes_value else []))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**66), 2**66) | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


def _paths(doc, prefix=()):
    """Every key path into the dicts (and lists) of ``doc``, the root included."""
    yield prefix
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    for key, value in items:
        yield from _paths(value, prefix + (key,))


def mutated_json(data, doc):
    """``doc`` with one part (or the whole) replaced by random JSON, or a key deleted."""
    path = data.draw(st.sampled_from(list(_paths(doc))), "path")
    new = data.draw(JSON, "new")
    if not path:
        return new
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    if isinstance(parent, dict) and data.draw(st.booleans(), "delete"):
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return doc


def fuzzed_bytes(data, original):
    """Bytes of a fuzzed version of a file: random, cut short, or (JSON) with one part changed."""
    how = data.draw(st.sampled_from(["random", "cut", "json", "lines"]), "how")
    if how == "random":
        return data.draw(st.binary(max_size=300), "bytes")
    if how == "cut":
        return original[: data.draw(st.integers(0, max(len(original) - 1, 0)), "cut")]
    try:
        text = original.decode("utf-8")
    except UnicodeDecodeError:  # a binary file (.npy): its header's bytes changed instead
        i = data.draw(st.integers(0, min(len(original), 128) - 1), "at")
        return original[:i] + data.draw(st.binary(min_size=1, max_size=4), "with") + original[i + 1 :]
    if how == "lines":  # one line of a JSON-lines file (or of the index) replaced
        lines = text.split("\n")
        i = data.draw(st.integers(0, len(lines) - 1), "line")
        lines[i] = data.draw(st.text(max_size=40) | JSON.map(json.dumps), "text")
        return "\n".join(lines).encode("utf-8")
    try:
        doc = json.loads(text)
    except ValueError:
        return original
    return json.dumps(mutated_json(data, doc)).encode("utf-8")


# file (relative to the copy of its folder) -> commands that read it (COPY: the fuzzed copy of the folder)
READERS = {
    ("run", "config.json"): [
        ["sample", "--run", "COPY", "--n", "5", "--out", "NEW.npy"],
        ["env", "--diff", "RUN", "COPY"],
        ["train", "--out", "COPY", "--resume", "--steps", "5"],
    ],
    ("run", "metrics.jsonl"): [["train", "--out", "COPY", "--resume", "--steps", "5"]],
    ("run", "checkpoints/checkpoint"): [
        ["sample", "--run", "COPY", "--n", "5", "--out", "NEW.npy"],
        ["train", "--out", "COPY", "--resume", "--steps", "5"],
    ],
    ("export", "export.json"): [["export", "--run", "RUN", "--out", "COPY", "--force"]],
    ("golden", "listing.json"): [["golden", "--check", "--dir", "COPY"]],
    ("samples.npy", ""): [["evaluate", "--samples", "COPY"]],
}


@fuzz(30)  # most fuzzed files are refused at once
@given(st.data())
def test_every_file_tf1gan_reads(fixture_dir, stubs, data):
    (folder, name) = data.draw(st.sampled_from(sorted(READERS)), "file")
    command = data.draw(st.sampled_from(READERS[(folder, name)]), "command")
    copy = tempfile.mkdtemp(dir=fixture_dir, prefix="copy-")
    try:
        target = os.path.join(copy, folder)
        source = os.path.join(fixture_dir, folder)
        (shutil.copytree if os.path.isdir(source) else shutil.copy)(source, target)
        path = os.path.join(target, name) if name else target
        with open(path, "rb") as f:
            original = f.read()
        with open(path, "wb") as f:
            f.write(fuzzed_bytes(data, original))
        before = tree(copy)
        code, err = run_in_scratch(fixture_dir, [target if a == "COPY" else a for a in command])
        if code and "--resume" in command:
            assert tree(copy) == before, err  # a refused resume changes nothing in the run
    finally:
        shutil.rmtree(copy, ignore_errors=True)
