"""A property test: random sequences of train / resume / force / copy / move / sample / export on a few run folders.

Invariants, checked after every step:
- no file outside the command's target is created, changed or deleted;
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
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from helpers import cli
from runner import absolute_index, tree

pytestmark = pytest.mark.slow

FOLDERS = ("a", "b", "c")
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
    def __init__(self):
        super().__init__()
        self.arena = tempfile.mkdtemp(prefix="tf1gan-property-")
        self.expected = {}  # folder -> the samples its latest checkpoint gives
        self.steps = {}  # folder -> the step its run is at

    def teardown(self):
        shutil.rmtree(self.arena, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.arena, name)

    def command(self, target, *args):
        """Run ``tf1gan ARGS``; check the exit code, the one-line error and that only ``target`` changed."""
        before = tree(self.arena)
        code, _, err = cli(*args)
        assert code in EXIT_CODES, err
        if code:
            assert len(err.strip().splitlines()) == 1 and err.startswith("tf1gan"), err
        after = tree(self.arena)
        changed = {p for p in set(before) | set(after) if before.get(p) != after.get(p)}
        outside = [p for p in changed if not (p == target or p.startswith(target + os.sep))]
        assert not outside, "%s changed files outside %s: %s" % (args[0], target, outside)
        return code

    def record(self, name):
        """The samples folder ``name`` gives now: what every later sample of its weights must give."""
        out = self.path("expected-%s.npy" % name)
        assert self.command("expected-%s.npy" % name, "sample", "--run", self.path(name), "--n", 8, "--out", out) == 0
        self.expected[name] = np.load(out)
        os.unlink(out)

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
        )
        if name in self.steps and not force:
            assert code == 4  # an existing run is never overwritten without --force
        if code == 0:
            self.steps[name] = 4
            self.record(name)

    @rule(name=st.sampled_from(FOLDERS))
    def resume(self, name):
        code = self.command(name, "train", "--out", self.path(name), "--resume", "--steps", self.steps.get(name, 0) + 2)
        assert (code == 0) == (name in self.steps)
        if code == 0:
            self.steps[name] += 2
            self.record(name)

    @rule(src=st.sampled_from(FOLDERS), dst=st.sampled_from(FOLDERS), move=st.booleans())
    def copy_or_move(self, src, dst, move):
        if src == dst or src not in self.steps or os.path.exists(self.path(dst)):
            return
        (os.rename if move else shutil.copytree)(self.path(src), self.path(dst))
        self.steps[dst], self.expected[dst] = self.steps[src], self.expected[src]
        if move:
            del self.steps[src], self.expected[src]

    @rule(name=st.sampled_from(FOLDERS))
    def legacy_index(self, name):
        """An index naming its checkpoints by absolute path, as tf1gan wrote them before."""
        if name in self.steps:
            absolute_index(self.path(name))

    @rule(name=st.sampled_from(FOLDERS))
    def sample(self, name):
        out = "sample.npy"
        code = self.command(out, "sample", "--run", self.path(name), "--n", 8, "--out", self.path(out))
        assert (code == 0) == (name in self.steps)
        if code == 0:
            assert np.array_equal(np.load(self.path(out)), self.expected[name])

    @rule(name=st.sampled_from(FOLDERS), into=st.sampled_from(FOLDERS + ("export",)), force=st.booleans())
    def export(self, name, into, force):
        args = ["export", "--run", self.path(name), "--out", self.path(into)] + (["--force"] if force else [])
        self.command(into, *args)

    @invariant()
    def runs_are_where_they_were_left(self):
        for name in self.steps:
            assert os.path.exists(os.path.join(self.path(name), "config.json"))


RunFolders.TestCase.settings = settings(
    max_examples=8, stateful_step_count=12, deadline=None, suppress_health_check=list(HealthCheck)
)
test_run_folders = RunFolders.TestCase
