"""A property test: random sequences of train / resume / force / copy / move / sample / export on a few run folders,
among links and look-alike folders a careless or hostile hand left there.

Besides the commands, the sequences plant symbolic links where a run keeps its own files and folders (into
other runs, onto a user's file, as ``.lock``) and create look-alike foreign folders (an application's
``config.json``, another experiment's TensorBoard logdir) where a run could go.

Invariants, checked after every step:
- no file outside the command's target is created, changed or deleted (links are compared as links, so a
  write or a delete through one shows up at the file it leads to);
- a run folder holding such a link, or a look-alike folder, is refused by every command that would write it
  (``train``, with or without ``--force``, ``--resume``, ``export --out``), and nothing at all changes;
- every command exits 0 or with a documented code, and every error is one line;
- every successful ``sample`` gives the samples of the weights of the folder it names (recorded when those
  weights were trained, and carried along by copies and moves).
"""

import os
import shutil
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from helpers import cli
from runner import absolute_index, tree

pytestmark = pytest.mark.slow

FOLDERS = ("a", "b", "c")
USER_FILE = "user.txt"  # a file of the user's beside the runs
# where a run keeps its own files and folders: what a planted link stands in for
OWN_ENTRIES = ("checkpoints", "samples", ".lock", "config.json", "metrics.jsonl", "checkpoints/checkpoint")
LOOK_ALIKES = {
    "config": ("config.json", '{"config": {"port": 8080}, "name": "an application"}\n'),
    "tensorboard": ("events.out.tfevents.1700000000.host", "another experiment's scalars"),
}
WRITES = ("train", "force", "resume", "export")  # the commands that would write a run folder
EXIT_CODES = {0, 2, 3, 4}
TINY = [
    "--hidden",
    "8",
    "--z-dim",
    "4",
    "--batch-size",
    "16",
    "--threads",
    "1",
    "--monitor-every",
    "0",
    "--sample-every",
    "1000",
    "--log-every",
    "2",
    "--checkpoint-every",
    "2",
]


class RunFolders(RuleBasedStateMachine):
    template = None  # (a trained run, its samples, its step): set by the fixture below, copied in by start

    def __init__(self):
        super().__init__()
        self.arena = tempfile.mkdtemp(prefix="tf1gan-property-")
        self.expected = {}  # folder -> the samples its latest checkpoint gives
        self.steps = {}  # folder -> the step its run is at
        self.linked = set()  # run folders where a link stands in for one of the run's own files or folders
        self.foreign = set()  # look-alike folders that are not tf1gan runs
        with open(self.path(USER_FILE), "w") as f:
            f.write("a file of the user's\n")

    def teardown(self):
        shutil.rmtree(self.arena, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.arena, name)

    def untouchable(self, name):
        """Whether folder ``name`` may not be written: a link in a run, or a look-alike folder."""
        return name in self.linked or name in self.foreign

    def command(self, target, *args, refused=False):
        """Run ``tf1gan ARGS``; check the exit code, the one-line error and that only ``target`` changed.

        ``refused``: the command must be refused (exit 4) and change nothing at all.
        """
        before = tree(self.arena)
        code, _, err = cli(*args)
        assert code in EXIT_CODES, err
        if code:
            assert len(err.strip().splitlines()) == 1 and err.startswith("tf1gan"), err
        after = tree(self.arena)
        changed = {p for p in set(before) | set(after) if before.get(p) != after.get(p)}
        outside = [p for p in changed if not (p == target or p.startswith(target + os.sep))]
        assert not outside, "%s changed files outside %s: %s" % (args[0], target, outside)
        if refused:
            assert code == 4 and not changed, "%s wrote into %s: %s" % (args[0], target, err or sorted(changed))
        return code

    def record(self, name):
        """The samples folder ``name`` gives now: what every later sample of its weights must give."""
        out = self.path("expected-%s.npy" % name)
        assert self.command("expected-%s.npy" % name, "sample", "--run", self.path(name), "--n", 8, "--out", out) == 0
        self.expected[name] = np.load(out)
        os.unlink(out)

    @initialize(name=st.sampled_from(FOLDERS))
    def start(self, name):
        """Every sequence starts with one trained run, so that links can be planted in it from the first step."""
        run, samples, step = self.template
        shutil.copytree(run, self.path(name))
        self.steps[name], self.expected[name] = step, samples

    @rule(name=st.sampled_from(FOLDERS), seed=st.integers(0, 3), force=st.booleans())
    def train(self, name, seed, force):
        code = self.command(
            name,
            "train",
            "--out",
            self.path(name),
            "--steps",
            4,
            "--seed",
            seed,
            *(TINY + (["--force"] if force else [])),
            refused=self.untouchable(name),
        )
        if name in self.steps and not force:
            assert code == 4  # an existing run is never overwritten without --force
        if code == 0:
            self.steps[name] = 4
            self.record(name)

    @rule(name=st.sampled_from(FOLDERS))
    def resume(self, name):
        code = self.command(
            name,
            "train",
            "--out",
            self.path(name),
            "--resume",
            "--steps",
            self.steps.get(name, 0) + 2,
            refused=self.untouchable(name),
        )
        assert (code == 0) == (name in self.steps and not self.untouchable(name))
        if code == 0:
            self.steps[name] += 2
            self.record(name)

    @rule(src=st.sampled_from(FOLDERS), dst=st.sampled_from(FOLDERS), move=st.booleans())
    def copy_or_move(self, src, dst, move):
        if src == dst or src not in self.steps or src in self.linked or os.path.lexists(self.path(dst)):
            return
        (os.rename if move else shutil.copytree)(self.path(src), self.path(dst))
        self.steps[dst], self.expected[dst] = self.steps[src], self.expected[src]
        if move:
            del self.steps[src], self.expected[src]

    @rule(name=st.sampled_from(FOLDERS))
    def legacy_index(self, name):
        """An index naming its checkpoints by absolute path, as tf1gan wrote them before."""
        if name in self.steps and name not in self.linked:
            absolute_index(self.path(name))

    def write_into(self, name, how):
        """Try to write folder ``name`` as ``how`` says: it must be refused and change nothing."""
        if how == "export":
            source = next((n for n in FOLDERS if n in self.steps and n != name), name)
            self.export(source, name, force=True)
        elif how == "resume":
            self.resume(name)
        else:
            self.train(name, seed=0, force=how == "force")

    @precondition(lambda self: set(self.steps) - self.linked)
    @rule(
        name=st.sampled_from(FOLDERS),
        entry=st.sampled_from(OWN_ENTRIES),
        to=st.sampled_from(FOLDERS + ("user",)),
        how=st.sampled_from(WRITES),
    )
    def plant_link(self, name, entry, to, how):
        """Replace one of a run's own files or folders by a link into another run (maybe gone) or to a user's file."""
        if name not in self.steps or name in self.linked:
            return
        path = self.path(os.path.join(name, entry))
        depth = entry.count("/") + 1
        target = os.path.join(*([".."] * depth + ([USER_FILE] if to == "user" else [to, entry])))
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif os.path.lexists(path):
            os.unlink(path)
        os.symlink(target, path)
        self.linked.add(name)
        self.write_into(name, how)

    @precondition(lambda self: not all(os.path.lexists(self.path(n)) for n in FOLDERS))
    @rule(name=st.sampled_from(FOLDERS), kind=st.sampled_from(sorted(LOOK_ALIKES)), how=st.sampled_from(WRITES))
    def look_alike(self, name, kind, how):
        """A folder that looks like a run by its file names, but is not one: tf1gan may never write it."""
        if os.path.lexists(self.path(name)):
            return
        os.mkdir(self.path(name))
        filename, text = LOOK_ALIKES[kind]
        with open(self.path(os.path.join(name, filename)), "w") as f:
            f.write(text)
        self.foreign.add(name)
        self.write_into(name, how)

    @precondition(lambda self: self.linked or self.foreign)
    @rule(name=st.sampled_from(FOLDERS))
    def clear_away(self, name):
        """The user deletes a folder (rmtree never follows a link), making room for new runs."""
        if os.path.lexists(self.path(name)):
            shutil.rmtree(self.path(name))
        for state in (self.steps, self.expected):
            state.pop(name, None)
        self.linked.discard(name)
        self.foreign.discard(name)

    @rule(name=st.sampled_from(FOLDERS))
    def sample(self, name):
        out = "sample.npy"
        code = self.command(out, "sample", "--run", self.path(name), "--n", 8, "--out", self.path(out), "--force")
        if name not in self.linked:  # reading through a link is harmless, but may read another run's weights
            assert (code == 0) == (name in self.steps)
            if code == 0:
                assert np.array_equal(np.load(self.path(out)), self.expected[name])

    @rule(name=st.sampled_from(FOLDERS), into=st.sampled_from(FOLDERS + ("export",)), force=st.booleans())
    def export(self, name, into, force):
        args = ["export", "--run", self.path(name), "--out", self.path(into)] + (["--force"] if force else [])
        self.command(into, *args, refused=self.untouchable(into))

    @invariant()
    def runs_are_where_they_were_left(self):
        for name in self.steps:
            assert os.path.lexists(os.path.join(self.path(name), "config.json"))


@pytest.fixture(scope="module", autouse=True)
def template(tmp_path_factory):
    """One run trained for the whole test: every sequence starts with a copy of it."""
    run = str(tmp_path_factory.mktemp("template") / "run")
    code, _, err = cli("train", "--out", run, "--steps", 4, "--seed", 0, *TINY)
    assert code == 0, err
    out = str(tmp_path_factory.mktemp("template") / "samples.npy")
    assert cli("sample", "--run", run, "--n", 8, "--out", out)[0] == 0
    RunFolders.template = (run, np.load(out), 4)


RunFolders.TestCase.settings = settings(
    max_examples=14, stateful_step_count=14, deadline=None, suppress_health_check=list(HealthCheck)
)
test_run_folders = RunFolders.TestCase
