"""What a sweep shows: sweep.json and sweep.md (a row per trial, and each setting over its seeds), sweep.png.

Each file is replaced atomically as each trial ends, so a sweep stopped at
any moment leaves the rows of the trials finished so far.
"""

import collections
import json
import math
import os

from tf1gan.fileio import atomic_write
from tf1gan.report import markdown_table

# The figures of ``tf1gan evaluate`` a sweep reports, with how sweep.md prints them.
FIGURES = (
    ("classifier_score", "classifier score", "%.3f"),
    ("fcd", "FCD", "%.2f"),
    ("modes_covered", "classes covered", "%.1f"),
    ("nn_copy_rate", "near copies", "%.2f%%"),
)
COLUMNS = ("name", "setting", "seed", "status", "steps", "wall_s", "cpu_s", "attempts", "peak_rss_mb", "error")


def row(result):
    """The sweep.json row of one trial's result: its settings, outcome, wall time, memory and figures."""
    records = result.get("records") or []
    out = {key: result.get(key) for key in COLUMNS}
    out["steps"] = records[-1]["step"] if records else None
    out["train_s"] = records[-1].get("elapsed_s") if records else None
    out["settings"] = dict(result.get("settings") or [])
    figures = result.get("figures") or {}
    for key, _, _ in FIGURES:
        out[key] = figures.get(key)
    return out


def mean_spread(values):
    """(mean, sample standard deviation or None for one value) of the values that are not None."""
    values = [v for v in values if v is not None]
    if not values:
        return None, None
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, None
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def by_setting(rows):
    """{setting: {figure: (mean, sd), "seeds": n}} over the trials of each setting that finished."""
    groups = collections.OrderedDict()
    for r in rows:
        groups.setdefault(r["setting"], []).append(r)
    summary = collections.OrderedDict()
    for setting, members in groups.items():
        done = [r for r in members if r["status"] == "done"]
        summary[setting] = dict(seeds=len(done), of=len(members))
        for key in [k for k, _, _ in FIGURES] + ["wall_s"]:
            summary[setting][key] = mean_spread([r[key] for r in done])
    return summary


def _cell(value, spec):
    if value is None:
        return "-"
    return spec % (100 * value) if spec.endswith("%%") else spec % value


def _spread_cell(pair, spec):
    mean, sd = pair
    if mean is None:
        return "-"
    return _cell(mean, spec) + ("" if sd is None else " ± " + _cell(sd, spec))


def markdown(rows):
    """sweep.md: each setting's mean ± sample SD over its seeds, then one row per trial."""
    heads = ["setting", "seeds"] + [name for _, name, _ in FIGURES] + ["wall time (s)"]
    per_setting = []
    for setting, s in by_setting(rows).items():
        cells = [setting, "%d of %d" % (s["seeds"], s["of"])]
        cells += [_spread_cell(s[key], spec) for key, _, spec in FIGURES] + [_spread_cell(s["wall_s"], "%.0f")]
        per_setting.append(cells)
    trial_heads = ["trial", "setting", "seed", "steps", "wall time (s)", "CPU time (s)"]
    trial_heads += [name for _, name, _ in FIGURES] + ["outcome"]
    trials = []
    for r in rows:
        outcome = "done" if r["status"] == "done" else "failed: %s" % (r["error"] or "")
        if r.get("attempts", 1) and r.get("attempts", 1) > 1:
            outcome += " (%d attempts)" % r["attempts"]
        cells = [r["name"], r["setting"], str(r["seed"]), _cell(r["steps"], "%d"), _cell(r["wall_s"], "%.0f")]
        cells.append(_cell(r.get("cpu_s"), "%.0f"))
        trials.append(cells + [_cell(r[key], spec) for key, _, spec in FIGURES] + [outcome])
    lines = ["# Sweep", "", "## Per setting (mean ± sample standard deviation over seeds)", ""]
    lines += [markdown_table(heads, per_setting), "", "## Trials", "", markdown_table(trial_heads, trials)]
    lines += ["", "![each setting over training](sweep.png)", ""]
    return "\n".join(lines)


def write(out, results):
    """Write sweep.json, sweep.md and sweep.png into ``out`` from the trials' results so far."""
    from tf1gan import plots  # matplotlib: only once there is something to draw

    rows = [row(r) for r in results]
    atomic_write(os.path.join(out, "sweep.json"), json.dumps({"trials": rows}, indent=2, sort_keys=True) + "\n")
    atomic_write(os.path.join(out, "sweep.md"), markdown(rows))
    groups = collections.OrderedDict()
    for r in results:
        if r.get("records"):
            groups.setdefault(r["setting"], []).append(r["records"])
    if groups:
        atomic_write(os.path.join(out, "sweep.png"), plots.seed_spread_figure(groups))
