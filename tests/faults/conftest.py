"""Fixtures of the fault tests."""

import pytest

from helpers import checkpoint_weights
from runner import start_training


@pytest.fixture(scope="session")
def reference(tmp_path_factory):
    """Uninterrupted runs, by (steps, checkpoint_every): the weights every resumed run must end with."""
    cache = {}

    def get(steps):
        if steps not in cache:
            out = str(tmp_path_factory.mktemp("reference") / "run")
            proc = start_training(out, steps, steps)
            _, err = proc.communicate(timeout=600)
            assert proc.returncode == 0, err
            cache[steps] = checkpoint_weights(out)
        return cache[steps]

    return get
