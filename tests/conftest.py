"""Shared fixtures: tiny configs and run folders, so that graph and training tests take seconds."""

import pytest

from tf1gan.config import Config

# A network small enough that a few steps of training take well under a second.
TINY = Config(
    z_dim=8,
    g_hidden=(16,),
    d_hidden=(16,),
    batch_size=16,
    steps=6,
    log_every=2,
    sample_every=3,
    checkpoint_every=3,
    monitor_every=0,
    threads=1,
)


# The convolutional networks of --arch dcgan at a few channels: batch norm and all, a step in milliseconds.
TINY_CONV = TINY.replace(
    arch="dcgan", net="conv", g_hidden=(8, 4), d_hidden=(4, 8), d_dropout=0.0, activation="relu", lr_g=2e-4, lr_d=2e-4
)


@pytest.fixture
def tiny():
    """The tiny config (a fresh reference each test; configs are immutable anyway)."""
    return TINY


@pytest.fixture(scope="session")  # a frozen config: module fixtures may share it
def tiny_conv():
    """The tiny config with DCGAN's convolutional networks."""
    return TINY_CONV


@pytest.fixture(params=["mlp", "conv"])
def tiny_net(request):
    """The tiny config with each kind of network in turn."""
    return TINY_CONV if request.param == "conv" else TINY


@pytest.fixture(scope="session")
def mnist10k():
    """The embedded data set, loaded once per session."""
    from tf1gan import data

    return data.load("mnist10k")
