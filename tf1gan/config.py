"""The one object that holds every setting of a run, its presets, and its JSON form.

A run is fully described by a :class:`Config`: the command line builds one from a
preset plus the flags given, training saves it as ``config.json`` beside the
checkpoints, and ``--resume``, ``sample``, ``export`` and ``evaluate`` read it back,
so nothing about a run lives anywhere else.
"""

import dataclasses
import json
import numbers
import os
from typing import Optional, Tuple

from tf1gan.errors import ConfigError

ACTIVATIONS = ("relu", "leaky_relu", "tanh", "elu")
OUTPUTS = ("sigmoid", "tanh")
NOISES = ("uniform", "normal")
LOSSES = ("nonsaturating", "minimax")
LR_DECAYS = ("none", "linear")
INPUTS = ("graph", "feed")
DEVICES = ("auto", "cpu", "gpu")


@dataclasses.dataclass(frozen=True)
class Config:
    """Every setting of a training run; immutable, validated on creation."""

    # data
    dataset: str = "mnist10k"
    data_dir: Optional[str] = None
    # architecture
    arch: str = "default"
    z_dim: int = 64
    g_hidden: Tuple[int, ...] = (256, 512)
    d_hidden: Tuple[int, ...] = (512, 256)
    d_dropout: float = 0.3
    activation: str = "leaky_relu"
    output: str = "tanh"
    noise: str = "normal"
    # loss
    loss: str = "nonsaturating"
    real_label: float = 0.9
    # optimisation
    batch_size: int = 128
    lr_g: float = 1e-3
    lr_d: float = 1e-3
    beta1: float = 0.5
    beta2: float = 0.999
    lr_decay: str = "none"
    d_steps: int = 1
    ema_decay: float = 0.999
    steps: int = 20000
    seed: int = 0
    # execution and outputs
    input: str = "graph"
    device: str = "auto"
    threads: int = 0
    log_every: int = 100
    sample_every: int = 1000
    checkpoint_every: int = 1000
    monitor_every: int = 1000

    def __post_init__(self):
        for f in dataclasses.fields(self):
            object.__setattr__(self, f.name, _typed(f.name, getattr(self, f.name), f.type))
        if self.data_dir is not None:
            # saved resolved, so that a run can be resumed from any directory
            object.__setattr__(self, "data_dir", os.path.abspath(os.path.expanduser(self.data_dir)))
        _check_choice("activation", self.activation, ACTIVATIONS)
        _check_choice("output", self.output, OUTPUTS)
        _check_choice("noise", self.noise, NOISES)
        _check_choice("loss", self.loss, LOSSES)
        _check_choice("lr_decay", self.lr_decay, LR_DECAYS)
        _check_choice("input", self.input, INPUTS)
        _check_choice("device", self.device, DEVICES)
        for name in ("z_dim", "batch_size", "d_steps", "steps", "log_every", "sample_every", "checkpoint_every"):
            if int(getattr(self, name)) < 1:
                raise ConfigError("%s must be at least 1, got %r" % (name, getattr(self, name)), name)
        for name in ("g_hidden", "d_hidden"):
            widths = getattr(self, name)
            if not widths or min(widths) < 1:
                raise ConfigError("%s needs one or more positive widths, got %r" % (name, widths), name)
        for name in ("lr_g", "lr_d"):
            if not getattr(self, name) > 0:
                raise ConfigError("%s must be positive, got %r" % (name, getattr(self, name)), name)
        for name in ("beta1", "beta2", "ema_decay", "d_dropout"):
            if not 0 <= getattr(self, name) < 1:
                raise ConfigError("%s must be in [0, 1), got %r" % (name, getattr(self, name)), name)
        if not 0.5 < self.real_label <= 1:
            raise ConfigError("real_label must be in (0.5, 1], got %r" % (self.real_label,), "real_label")
        if not 0 <= self.seed < 2**31:
            raise ConfigError("seed must be in [0, 2**31), got %r" % (self.seed,), "seed")
        if self.monitor_every < 0:
            raise ConfigError("monitor_every must be 0 (off) or more, got %r" % (self.monitor_every,), "monitor_every")
        if self.threads < 0:
            raise ConfigError("threads must be 0 (TensorFlow's choice) or more, got %r" % (self.threads,), "threads")

    def replace(self, **changes):
        """A copy with some settings changed (validated like a new one)."""
        unknown = set(changes) - set(field_names())
        if unknown:
            raise ConfigError("unknown setting(s): %s" % ", ".join(sorted(unknown)))
        return dataclasses.replace(self, **changes)

    def to_dict(self):
        """Plain JSON-ready dict of every setting."""
        d = dataclasses.asdict(self)
        d["g_hidden"] = list(self.g_hidden)
        d["d_hidden"] = list(self.d_hidden)
        return d

    def to_json(self):
        """The settings as indented JSON text."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, d):
        """Rebuild from :meth:`to_dict` output; unknown keys are an error, not ignored."""
        unknown = set(d) - set(field_names())
        if unknown:
            raise ConfigError("config has unknown setting(s): %s" % ", ".join(sorted(unknown)))
        return cls(**d)


def field_names():
    """Names of all settings, in declaration order."""
    return [f.name for f in dataclasses.fields(Config)]


def _whole(v):
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _typed(name, value, kind):
    """``value`` as the declared type of setting ``name``, or a :class:`ConfigError` (a hand-edited config.json)."""
    if kind is int:
        if not _whole(value):
            raise ConfigError("%s must be a whole number, got %r" % (name, value), name)
        return int(value)
    if kind == Tuple[int, ...]:
        if not isinstance(value, (list, tuple)) or not all(_whole(v) for v in value):
            raise ConfigError("%s must be a list of whole numbers, got %r" % (name, value), name)
        return tuple(int(v) for v in value)
    if kind is float:
        if not isinstance(value, numbers.Real) or isinstance(value, bool):
            raise ConfigError("%s must be a number, got %r" % (name, value), name)
        return float(value)
    if not isinstance(value, str) and not (kind == Optional[str] and value is None):
        raise ConfigError("%s must be text, got %r" % (name, value), name)
    return value


def _check_choice(name, value, choices):
    if value not in choices:
        raise ConfigError("%s must be one of %s, got %r" % (name, ", ".join(choices), value), name)


# The default was tuned on this 2-core machine for the best samples in about
# eight minutes (docs/results.md has the measurements): a deeper generator than
# the article's, leaky ReLUs, a tanh output, dropout in the discriminator (as
# Goodfellow et al. 2014 used), one-sided label smoothing, Adam at 1e-3 with
# beta1 0.5, batch 128, and samples from a moving average of G's weights.
#
# The article's listing, made correct but otherwise as printed: one 256-unit ReLU
# layer each way, sigmoid output, uniform noise, Adam with TensorFlow's default
# betas at the article's learning rate and batch size, no dropout, no label
# smoothing, no averaging.
ARTICLE = Config(
    arch="article",
    z_dim=100,
    g_hidden=(256,),
    d_hidden=(256,),
    d_dropout=0.0,
    activation="relu",
    output="sigmoid",
    noise="uniform",
    real_label=1.0,
    batch_size=128,
    lr_g=2e-4,
    lr_d=2e-4,
    beta1=0.9,
    beta2=0.999,
    ema_decay=0.0,
)

PRESETS = {"default": Config(), "article": ARTICLE}


def preset(name):
    """The named preset (``default`` or ``article``)."""
    try:
        return PRESETS[name]
    except KeyError:
        raise ConfigError("unknown arch %r; choose one of %s" % (name, ", ".join(PRESETS)))
