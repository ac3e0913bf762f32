"""What a sweep runs: a grid of ``tf1gan train`` settings times seeds, turned into named trials.

A grid maps a train flag (``arch``, ``hidden``, ``batch-size`` ...) to its
values. ``--grid "arch=default,dcgan"`` gives two; a value holding commas of its
own (layer widths) is written with ``;`` between values:
``--grid "hidden=64,32;128,64"``, and one such value with a ``;`` after it
(``--grid "hidden=32,16;"``). A key with one value is a setting of every
trial. A JSON or TOML file holds the same: ``{"grid": {"arch": ["default",
"dcgan"]}, "seeds": "0-4", "steps": 20000}``. Each trial is named after the
keys that vary and its seed (``arch=dcgan_seed=3``), so the same sweep command
finds its trials again.
"""

import collections
import dataclasses
import itertools
import json
import os
import re

from tf1gan.config import Config, flag_of
from tf1gan.errors import ConfigError

# Flags the sweep sets itself for every trial: a grid may not name them.
RESERVED = ("out", "resume", "resume-from", "force", "seed", "steps", "threads", "help")

Trial = collections.namedtuple("Trial", "name setting seed settings folder force")
Trial.__doc__ = """One run of a sweep: its name, the label of its setting (the varying keys,
seed left out), its seed, every ``(flag, value)`` it is trained with (``--seed``,
``--steps`` and ``--threads`` included), its run folder and whether an existing
run there is replaced (``--force``) rather than continued."""


def parse_seeds(text):
    """Seeds from ``0-4``, ``0,3,7`` or ``2`` (a list of ints, in order, no repeats)."""
    seeds = []
    for part in str(text).split(","):
        m = re.match(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$", part)
        if not m or (m.group(2) is not None and int(m.group(2)) < int(m.group(1))):
            raise ConfigError("--seeds: expected seeds like 0-4 or 0,3,7, got %r" % text)
        last = int(m.group(2)) if m.group(2) is not None else int(m.group(1))
        seeds += [s for s in range(int(m.group(1)), last + 1) if s not in seeds]
    if any(s >= 2**31 for s in seeds):
        raise ConfigError("--seeds must be in [0, 2**31), got %r" % text)
    return seeds


def _list_keys():
    """Grid keys whose one value is itself a comma-separated list (the layer widths)."""
    return {flag_of(f.name)[2:] for f in dataclasses.fields(Config) if getattr(f.type, "__origin__", None) is tuple}


def parse_grid_option(text):
    """``(key, [values])`` of one ``--grid KEY=V1,V2`` (``;`` between values that hold commas).

    A key whose value is a list of widths needs ``;``: ``hidden=32,16`` could mean one
    setting or two, so it is refused rather than guessed (``hidden=32,16;`` is one).
    """
    key, sep, values = text.partition("=")
    key = key.strip().replace("_", "-").lstrip("-")
    if not sep or not key or not values.strip():
        raise ConfigError("--grid: expected KEY=VALUE[,VALUE...], got %r" % text)
    if ";" not in values and "," in values and key in _list_keys():
        raise ConfigError(
            "--grid %s: %s takes comma-separated widths, so its values are separated by ';': write '%s=%s;' for "
            "one setting, or '%s=%s' for one width each" % (text, key, key, values, key, values.replace(",", ";"))
        )
    split = [v for v in values.split(";") if v.strip()] if ";" in values else values.split(",")
    return key, [v.strip() for v in split]


def read_file(path):
    """The document of a JSON or TOML sweep file (``grid``, ``seeds``, ``steps``)."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise ConfigError("%s: cannot read the sweep file (%s)" % (path, e.strerror or e))
    try:
        if path.endswith(".toml"):
            doc = _toml().loads(raw.decode("utf-8"))
        else:
            doc = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise ConfigError("%s: not a readable sweep file (%s)" % (path, str(e).splitlines()[0]))
    unknown = sorted(set(doc) - {"grid", "seeds", "steps"}) if isinstance(doc, dict) else ["(not an object)"]
    if unknown or not isinstance(doc.get("grid", {}), dict):
        raise ConfigError("%s: a sweep file holds grid (an object), seeds and steps; not %s" % (path, unknown))
    return doc


def _toml():
    """Python 3.11's tomllib, else tomli (which pytest brings to 3.7)."""
    try:
        import tomllib

        return tomllib
    except ImportError:
        try:
            import tomli

            return tomli
        except ImportError:
            raise ConfigError("reading a .toml sweep file needs tomli on this Python (pip install tomli); or use JSON")


def merge(file_doc, options):
    """One grid {key: [values]} from a file's ``grid`` and ``--grid`` options (the options win, key by key)."""
    grid = collections.OrderedDict()
    for key, values in (file_doc or {}).get("grid", {}).items():
        values = values if isinstance(values, list) else [values]
        grid[key.replace("_", "-")] = [_text(v) for v in values]
    for text in options or ():
        key, values = parse_grid_option(text)
        grid[key] = values
    for key, values in grid.items():
        if key in RESERVED:
            raise ConfigError("--grid: %s is set by the sweep itself (use --seeds, --steps, --threads)" % key)
        if len(set(values)) != len(values):
            raise ConfigError("--grid: %s repeats a value (%s)" % (key, ", ".join(values)))
    return grid


def _text(value):
    """A grid value as the command line spells it: lists of widths as 64,32; booleans never occur."""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def trial_name(varying, seed):
    """``key=value_..._seed=N``; commas and slashes in values become dashes, so the name is one folder."""
    parts = ["%s=%s" % (k, re.sub(r"[,/\s]+", "-", v)) for k, v in varying]
    return "_".join(parts + ["seed=%d" % seed])


def trials(grid, seeds, steps, threads, folder):
    """Every :class:`Trial` of ``grid`` x ``seeds``, each in ``folder/NAME``, in grid order then seed order.

    ``steps`` None leaves each trial its preset's length.
    """
    if not seeds:
        raise ConfigError("--seeds: a sweep needs at least one seed")
    keys = list(grid)
    found = []
    for values in itertools.product(*(grid[k] for k in keys)):
        varying = [(k, v) for k, v in zip(keys, values) if len(grid[k]) > 1]
        setting = ",".join("%s=%s" % kv for kv in varying) or "(one setting)"
        for seed in seeds:
            name = trial_name(varying, seed)
            settings = list(zip(keys, values)) + [("seed", str(seed)), ("threads", str(threads))]
            settings += [("steps", str(steps))] if steps else []
            found.append(Trial(name, setting, seed, settings, os.path.join(folder, name), False))
    return found


def argv(trial):
    """The ``tf1gan train`` arguments of ``trial`` (without ``--resume`` / ``--force``: the task adds those)."""
    args = ["train", "--out", trial.folder]
    for key, value in trial.settings:
        args += ["--" + key, value]
    return args
