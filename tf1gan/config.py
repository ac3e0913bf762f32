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
ARCHS = ("default", "article", "dcgan")
NETS = ("mlp", "conv")
FORMATS = ("NHWC", "NCHW")
GROUPS = ("data", "model", "loss and optimisation", "execution and outputs")


def setting(default, group, help, flag=None, choices=None, interval=None):
    """Declare one setting: its default, and everything the command line and validation need to know of it.

    ``flag`` defaults to the field's name with dashes (``z_dim`` -> ``--z-dim``);
    ``interval`` such as ``"[1, inf)"`` or ``"[0, 1)"`` bounds a number (each
    width of a list of widths); ``choices`` lists the allowed texts. ``train
    --help``, the README's flag list (checked by a test) and every error message
    about the setting come from here.
    """
    return dataclasses.field(
        default=default,
        metadata={"group": group, "help": help, "flag": flag, "choices": choices, "interval": interval},
    )


@dataclasses.dataclass(frozen=True)
class Config:
    """Every setting of a training run; immutable, validated on creation."""

    dataset: str = setting("mnist10k", "data", "mnist10k (embedded, default), mnist, or fashion_mnist")
    data_dir: Optional[str] = setting(
        None,
        "data",
        "folder holding the data set's IDX files (also the TF tutorial's MNIST_data/ layout); default: system "
        "folder, cache, then download",
    )
    arch: str = setting(
        "default",
        "model",
        "preset to start from: 'default' (tuned to train well in minutes), 'article' (the article's network "
        "made correct: z 100 -> 256 -> 784 / 784 -> 256 -> 1, sigmoid output, its learning rate and batch size; "
        "the listing's noise is 256 wide: add --z-dim 256 for it) or 'dcgan' (convolutional networks with batch "
        "norm, as Radford et al. 2015)",
        choices=ARCHS,
    )
    net: str = setting(
        "mlp",
        "model",
        "'mlp': fully connected networks; 'conv': DCGAN's transposed and strided convolutions with batch norm, "
        "whose channel widths --hidden and --d-hidden give (at least two each)",
        choices=NETS,
    )
    z_dim: int = setting(64, "model", "noise width", interval="[1, inf)")
    g_hidden: Tuple[int, ...] = setting(
        (256, 512),
        "model",
        "generator hidden widths, e.g. 256,512 (channels with --net conv: at 7x7 first, at 14x14 last); the "
        "discriminator mirrors them unless --d-hidden is given",
        flag="--hidden",
        interval="[1, inf)",
    )
    d_hidden: Tuple[int, ...] = setting(
        (512, 256), "model", "discriminator hidden widths, e.g. 512,256", interval="[1, inf)"
    )
    d_dropout: float = setting(
        0.3, "model", "dropout rate on the discriminator's hidden units (0 = off)", interval="[0, 1)"
    )
    activation: str = setting(
        "leaky_relu",
        "model",
        "hidden-layer activation (of the generator only with --net conv, whose discriminator uses leaky ReLU)",
        choices=ACTIVATIONS,
    )
    output: str = setting(
        "tanh",
        "model",
        "generator output: sigmoid on [0, 1] pixels, or tanh with the data scaled to [-1, 1] in the graph",
        choices=OUTPUTS,
    )
    noise: str = setting("normal", "model", "noise distribution: uniform(-1, 1) or standard normal", choices=NOISES)
    loss: str = setting(
        "nonsaturating",
        "loss and optimisation",
        "generator loss: nonsaturating -log D(G(z)) or the paper's minimax log(1 - D(G(z)))",
        choices=LOSSES,
    )
    real_label: float = setting(
        0.9,
        "loss and optimisation",
        "target for real images in the D loss (0.9 = one-sided label smoothing; 1 = none)",
        interval="(0.5, 1]",
    )
    batch_size: int = setting(128, "loss and optimisation", "images per batch", interval="[1, inf)")
    lr_g: float = setting(
        1e-3, "loss and optimisation", "generator learning rate (overrides --lr)", interval="(0, inf)"
    )
    lr_d: float = setting(
        1e-3, "loss and optimisation", "discriminator learning rate (overrides --lr)", interval="(0, inf)"
    )
    beta1: float = setting(0.5, "loss and optimisation", "Adam beta1 of both optimisers", interval="[0, 1)")
    beta2: float = setting(0.999, "loss and optimisation", "Adam beta2 of both optimisers", interval="[0, 1)")
    lr_decay: str = setting(
        "none",
        "loss and optimisation",
        "'linear': constant for the first half of --steps, then linearly to 0; 'none': constant",
        choices=LR_DECAYS,
    )
    d_steps: int = setting(
        1, "loss and optimisation", "discriminator steps per generator step (k)", interval="[1, inf)"
    )
    ema_decay: float = setting(
        0.9995,
        "loss and optimisation",
        "decay of the moving average of generator weights that samples come from (0 = off)",
        flag="--ema",
        interval="[0, 1)",
    )
    steps: int = setting(
        20000, "loss and optimisation", "generator steps to train (with --resume: the new total)", interval="[1, inf)"
    )
    seed: int = setting(
        0, "loss and optimisation", "run seed: weights, data order and noise all derive from it", interval="[0, 2**31)"
    )
    input: str = setting(
        "graph",
        "execution and outputs",
        "'graph' keeps the data in the graph and feeds only batch indices (fast); 'feed' feeds X and Z every "
        "step as the article does",
        choices=INPUTS,
    )
    device: str = setting(
        "auto", "execution and outputs", "auto uses a GPU when TensorFlow sees one; gpu insists", choices=DEVICES
    )
    data_format: str = setting(
        "NHWC",
        "execution and outputs",
        "image layout of --net conv in training: NHWC (what CPU kernels support) or NCHW (what cuDNN prefers "
        "on a GPU); checkpoints load in either, and sample and export use NHWC",
        choices=FORMATS,
    )
    threads: int = setting(
        0,
        "execution and outputs",
        "TensorFlow thread pools (0 = TensorFlow's choice); results are bitwise repeatable for the same value "
        "on the same CPU model",
        interval="[0, inf)",
    )
    log_every: int = setting(
        100, "execution and outputs", "steps between metrics.jsonl / TensorBoard records", interval="[1, inf)"
    )
    sample_every: int = setting(1000, "execution and outputs", "steps between sample grids", interval="[1, inf)")
    checkpoint_every: int = setting(1000, "execution and outputs", "steps between checkpoints", interval="[1, inf)")
    monitor_every: int = setting(
        1000,
        "execution and outputs",
        "steps between quality checks (classifier score, class coverage, validation FCD and near copies of "
        "1,000 samples; the lowest FCD's weights are kept as checkpoint best; 0 = off)",
        interval="[0, inf)",
    )

    def __post_init__(self):
        for f in dataclasses.fields(self):
            value = _typed(f, getattr(self, f.name))
            _check(f, value)
            object.__setattr__(self, f.name, value)
        if self.net == "conv" and min(len(self.g_hidden), len(self.d_hidden)) < 2:
            raise ConfigError(
                "--net conv needs at least two widths in --hidden and in --d-hidden (channels at 7x7 and 14x14), "
                "got %s and %s" % (",".join(map(str, self.g_hidden)), ",".join(map(str, self.d_hidden)))
            )
        if self.data_format != "NHWC" and self.net != "conv":
            raise ConfigError("--data-format %s applies to --net conv only" % self.data_format)
        if self.data_dir is not None:
            # saved resolved, so that a run can be resumed from any directory
            object.__setattr__(self, "data_dir", os.path.abspath(os.path.expanduser(self.data_dir)))

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


def flag_of(name):
    """The command-line flag of setting ``name`` (how every message names it)."""
    f = _FIELDS[name]
    return f.metadata["flag"] or "--" + f.name.replace("_", "-")


def _whole(v):
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _typed(f, value):
    """``value`` as the declared type of setting ``f``, or a :class:`ConfigError` (a hand-edited config.json)."""
    name = flag_of(f.name)
    if f.type is int:
        if not _whole(value):
            raise ConfigError("%s must be a whole number, got %r" % (name, value))
        return int(value)
    if f.type == Tuple[int, ...]:
        if not isinstance(value, (list, tuple)) or not value or not all(_whole(v) for v in value):
            raise ConfigError("%s must be one or more whole numbers, got %r" % (name, value))
        return tuple(int(v) for v in value)
    if f.type is float:
        if not isinstance(value, numbers.Real) or isinstance(value, bool):
            raise ConfigError("%s must be a number, got %r" % (name, value))
        return float(value)
    if not isinstance(value, str) and not (f.type == Optional[str] and value is None):
        raise ConfigError("%s must be text, got %r" % (name, value))
    return value


def _check(f, value):
    """A :class:`ConfigError` when ``value`` is outside the choices or interval declared for ``f``."""
    choices, interval = f.metadata["choices"], f.metadata["interval"]
    if choices and value not in choices:
        raise ConfigError("%s must be one of %s, got %r" % (flag_of(f.name), ", ".join(choices), value))
    if interval:
        low, high = (_BOUNDS.get(x.strip()) or float(x) for x in interval[1:-1].split(","))
        for v in value if isinstance(value, tuple) else [value]:
            if not ((low <= v if interval[0] == "[" else low < v) and (v < high if interval[-1] == ")" else v <= high)):
                raise ConfigError("%s must be in %s, got %r" % (flag_of(f.name), interval, value))


_FIELDS = {f.name: f for f in dataclasses.fields(Config)}
_BOUNDS = {"inf": float("inf"), "2**31": float(2**31)}


# The default was tuned on this 2-core machine for the best samples in about
# eight minutes (docs/results.md has the measurements): a deeper generator than
# the article's, leaky ReLUs, a tanh output, dropout in the discriminator (as
# Goodfellow et al. 2014 used), one-sided label smoothing, Adam at 1e-3 with
# beta1 0.5, batch 128, and samples from a moving average of G's weights.
#
# The article's listing, made correct but otherwise as printed: one 256-unit ReLU
# layer each way, sigmoid output, uniform noise (100 wide, where the listing's is
# hidden_dim = 256 wide: --z-dim 256 gives the listing's), Adam with TensorFlow's default
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

# DCGAN (Radford et al. 2015) for 28x28 images: G z 100 -> 7x7x64 -> 14x14x32 -> 28x28x1 with batch norm
# and ReLU, tanh output; D 28x28x1 -> 14x14x32 -> 7x7x64 -> 1 with leaky ReLU, batch norm after the first
# layer; Adam 2e-4 with beta1 0.5 and batch 128 as in the paper. The widths were chosen by measurement on
# this 2-core machine, as was everything docs/results.md gives for it; the rest is tf1gan's default.
DCGAN = Config(
    arch="dcgan",
    net="conv",
    z_dim=100,
    g_hidden=(64, 32),
    d_hidden=(32, 64),
    d_dropout=0.0,
    activation="relu",
    lr_g=2e-4,
    lr_d=2e-4,
    # the average every DCGAN figure of docs/results.md was measured with (the MLP default's is 0.9995 since)
    ema_decay=0.999,
    steps=10000,
)

PRESETS = {"default": Config(), "article": ARTICLE, "dcgan": DCGAN}


def preset(name):
    """The named preset (``default``, ``article`` or ``dcgan``)."""
    try:
        return PRESETS[name]
    except KeyError:
        raise ConfigError("unknown arch %r; choose one of %s" % (name, ", ".join(PRESETS)))
