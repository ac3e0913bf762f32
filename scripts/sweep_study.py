"""A multi-seed study from one or more sweeps: committed JSON, and the tables and picture the docs show.

    python scripts/sweep_study.py record SWEEP_DIR... --out FILE.json --command "tf1gan sweep ..." --commit SHA
        # each trial's settings, monitor checks, and tf1gan evaluate's figures: those the sweep made at its
        # last step, and any SWEEP_DIR/evaluations/NAME@LABEL.json (tf1gan evaluate --json of another checkpoint)
    python scripts/sweep_study.py curve FILE.json --marks 5000,10000,20000  # monitor figures at those steps
    python scripts/sweep_study.py curve FILE.json --minutes --marks 5,10       # ... after those minutes of training
    python scripts/sweep_study.py best FILE.json                            # each seed's best and last check
    python scripts/sweep_study.py final FILE.json                           # tf1gan evaluate, both evaluators
    python scripts/sweep_study.py paired FILE.json --baseline SETTING       # ... each setting minus it, seed by seed
    python scripts/sweep_study.py plot FILE.json --out PICTURE.png          # each setting over steps and time
    python scripts/sweep_study.py milestones FILE.json [--setting S] [--lang zh]  # when each setting got where

Every figure is a mean ± sample standard deviation over a setting's seeds; the
docs' tables are this script's output from the committed JSON
(tests/test_results_docs.py checks it).
"""

import argparse
import collections
import glob
import json
import os
import re
import statistics
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tf1gan import machine, plots  # noqa: E402
from tf1gan.report import markdown_table  # noqa: E402
from tf1gan.sweep_report import mean_spread  # noqa: E402

ONE_SETTING = "(one setting)"  # the setting of every trial of a sweep whose grid does not vary
SWEEP_OWN = ("seed", "threads", "steps")  # in a trial's settings, but the sweep's own, not the grid's
CHECK_KEYS = (
    "step",
    "elapsed_s",
    "cpu_s",
    "classifier_score",
    "modes_covered",
    "min_class_share",
    "val_fcd",
    "copy_rate",
    "d_real",
    "d_fake",
)


def _label(result):
    """The trial's setting; for a sweep of one setting (whose trials differ in seed only), its grid keys, so that
    the settings of several such sweeps stay apart in one study."""
    if result["setting"] != ONE_SETTING:
        return result["setting"]
    return " ".join("%s=%s" % (k, v) for k, v in result.get("settings") or [] if k not in SWEEP_OWN) or ONE_SETTING


def _trial(sweep_dir, result, cpu_per_step=None):
    """One trial's record: settings, seed, outcome, monitor checks and evaluations by checkpoint label.

    A check's CPU time is its own record's (``cpu_s``, logged by ``tf1gan train`` across resumes) where every
    check has one. Otherwise ``cpu_per_step`` ({setting: seconds}), from a separate measurement of that setting's
    step, or else the sweep's ``cpu_s`` of the trial, is spread evenly over its steps: the first serves trials of
    sweeps before tf1gan recorded CPU time, and trials continued from another sweep's, whose ``cpu_s`` covers
    only the steps this sweep trained.
    """
    name = result["name"]
    checks = [{k: r[k] for k in CHECK_KEYS if k in r} for r in result.get("records") or [] if "val_fcd" in r]
    evaluations = {"last": result.get("figures")}
    for path in sorted(glob.glob(os.path.join(sweep_dir, "evaluations", glob.escape(name) + "@*.json"))):
        with open(path) as f:
            evaluations[os.path.basename(path)[len(name) + 1 : -len(".json")]] = json.load(f)
    best = min(checks, key=lambda r: r["val_fcd"]) if checks else None
    rate = (cpu_per_step or {}).get(_label(result))
    cpu_s = rate * checks[-1]["step"] if rate and checks else result.get("cpu_s")
    if cpu_s and not all("cpu_s" in c for c in checks):
        for c in checks:
            c["cpu_s"] = round(cpu_s * c["step"] / checks[-1]["step"], 1)
    return dict(
        name=name,
        setting=_label(result),
        seed=result["seed"],
        status=result["status"],
        wall_s=result.get("wall_s"),
        steps=checks[-1]["step"] if checks else None,
        best_step=best and best["step"],
        checks=checks,
        evaluations=evaluations,
    )


def record(sweep_dirs, cpu_per_step=None, settings=None):
    """{"trials": [...]} of every trial of ``sweep_dirs`` (their ``results/*.json``) in sweep order, or of those
    whose setting is one of ``settings``."""
    trials = []
    for sweep_dir in sweep_dirs:
        for path in sorted(glob.glob(os.path.join(sweep_dir, "results", "*.json"))):
            if path.endswith(".evaluate.json"):  # the trial's evaluation, already in its result
                continue
            with open(path) as f:
                trial = _trial(sweep_dir, json.load(f), cpu_per_step)
            if not settings or trial["setting"] in settings:
                trials.append(trial)
    return {"trials": trials, "machine": machine.short_name({"cpu": machine.cpu_block()}), "cpu_per_step": cpu_per_step}


def _cell(values, spec):
    """'mean ± sd' of ``values`` over seeds (sample SD), '-' for none."""
    mean, sd = mean_spread(values)
    return "-" if mean is None else (spec % mean) + ("" if sd is None else " ± " + (spec % sd))


def _settings(doc):
    groups = collections.OrderedDict()
    for t in doc["trials"]:
        if t["status"] == "done":
            groups.setdefault(t["setting"], []).append(t)
    return groups


def _at_time(checks, seconds):
    """The last check at or before ``seconds`` of training (CPU time where recorded, else wall time), None if the
    run never trained that long."""
    clock = "cpu_s" if checks and all("cpu_s" in c for c in checks) else "elapsed_s"
    if not checks or checks[-1][clock] < seconds:
        return None
    before = [c for c in checks if c[clock] <= seconds]
    return before[-1] if before else None


def curve_table(doc, marks, minutes=False):
    """Markdown: each setting's monitor figures (1,000 samples) at the steps ``marks`` over its seeds, or with
    ``minutes`` at the last check before each mark's minutes of training (settings differ in cost per step)."""
    mark, other = ("minutes of training", "step") if minutes else ("step", "training time (s)")
    heads = ("setting", mark, "seeds", other, "classifier score", "validation FCD", "near copies")
    rows = []
    for setting, trials in _settings(doc).items():
        for mark in marks:
            if minutes:
                at = [c for c in (_at_time(t["checks"], 60 * mark) for t in trials) if c]
            else:
                at = [c for t in trials for c in t["checks"] if c["step"] == mark]
            if not at:
                continue
            cells = (setting, "{:,}".format(mark), str(len(at)),
                     _cell([c["step" if minutes else "elapsed_s"] for c in at], "%.0f"),
                     _cell([c["classifier_score"] for c in at], "%.2f"), _cell([c["val_fcd"] for c in at], "%.1f"),
                     _cell([100 * c["copy_rate"] for c in at], "%.1f%%"))  # fmt: skip
            rows.append(cells)
    return markdown_table(heads, rows)


def best_table(doc):
    """Markdown: where each seed's validation FCD was lowest (the run's checkpoint best), and where it ended."""
    heads = ("setting", "seed", "best step", "validation FCD there", "classifier score there", "last step",
             "validation FCD there", "classifier score there")  # fmt: skip
    rows = []
    for setting, trials in _settings(doc).items():
        for t in trials:
            best = min(t["checks"], key=lambda c: c["val_fcd"])
            last = t["checks"][-1]
            cells = [setting, str(t["seed"])]
            for c in (best, last):
                cells += ["{:,}".format(c["step"]), "%.1f" % c["val_fcd"], "%.2f" % c["classifier_score"]]
            rows.append(cells)
    return markdown_table(heads, rows)


def _step(figures):
    """The step of the checkpoint tf1gan evaluate scored ('checkpoint of step N, ...'), None if not named."""
    found = re.search(r"step (\d+)", figures.get("checkpoint") or "")
    return found and int(found.group(1))


# tf1gan evaluate's figures in the final table: (heading, the value of one evaluation, format)
FINAL_COLUMNS = (
    ("classifier score", lambda e: e["classifier_score"], "%.2f"),
    ("÷ real", lambda e: e["classifier_score"] / e["real"]["classifier_score"], "%.3f"),
    ("FCD", lambda e: e["fcd"], "%.1f"),
    ("allconv score", lambda e: e["second"]["classifier_score"], "%.2f"),
    ("÷ real", lambda e: e["second"]["classifier_score"] / e["real"]["second"]["classifier_score"], "%.3f"),
    ("allconv Fréchet distance", lambda e: e["second"]["fcd"], "%.2f"),
    ("classes covered", lambda e: e["modes_covered"], "%.1f"),
    ("Parzen (nats)", lambda e: e["parzen_ll"], "%.1f"),
    ("near copies", lambda e: 100 * e["nn_copy_rate"], "%.1f%%"),
)


def _values(evaluations, column):
    """One column's values over ``evaluations``; None where an evaluation lacks them (no second evaluator)."""
    values = []
    for e in evaluations:
        try:
            values.append(column(e))
        except (KeyError, TypeError):
            values.append(None)
    return values


def final_table(doc):
    """Markdown: tf1gan evaluate's figures of each setting and checkpoint, under both evaluators, over seeds."""
    heads = ("setting", "checkpoint", "seeds", "step") + tuple(name for name, _, _ in FINAL_COLUMNS)
    rows, real = [], None
    for setting, trials in _settings(doc).items():
        labels = [label for label in trials[0]["evaluations"] if all(t["evaluations"].get(label) for t in trials)]
        for label in labels:
            ev = [t["evaluations"][label] for t in trials]
            real = real or ev[0].get("real")
            steps = [_step(e) or t["steps"] for e, t in zip(ev, trials)]
            cells = [setting, label, str(len(ev)), _cell(steps, "%.0f")]
            rows.append(cells + [_cell(_values(ev, column), spec) for _, column, spec in FINAL_COLUMNS])
    if real:
        cells = ["real held-out images", "", "", ""]
        rows.append(
            cells + [_cell(_values([dict(real, real=real)], column), spec) for _, column, spec in FINAL_COLUMNS]
        )
    return markdown_table(heads, rows)


# the figures a paired comparison gives, each with the direction that is better: +1 higher, -1 lower, 0 neither
PAIRED = (("classifier score", +1), ("FCD", -1), ("allconv score", +1), ("allconv Fréchet distance", -1),
          ("Parzen (nats)", +1), ("near copies", 0))  # fmt: skip


def paired_table(doc, baseline, label="last"):
    """Markdown: each setting against ``baseline`` seed by seed (same seeds, checkpoint ``label``): the mean ± SD
    of the per-seed differences of each figure, and on how many seeds it is better."""
    groups = _settings(doc)
    if baseline not in groups:
        raise SystemExit("sweep_study.py: no setting %r in the study (it has %s)" % (baseline, ", ".join(groups)))
    columns = dict((name, (column, spec)) for name, column, spec in FINAL_COLUMNS)
    base = dict((t["seed"], t["evaluations"].get(label)) for t in groups[baseline])
    heads = ("setting, against %s" % baseline, "seeds") + tuple("Δ " + name for name, _ in PAIRED)
    rows = []
    for setting, trials in groups.items():
        pairs = [(t["evaluations"].get(label), base.get(t["seed"])) for t in trials]
        pairs = [(e, b) for e, b in pairs if e and b]
        if setting == baseline or not pairs:
            continue
        cells = [setting, str(len(pairs))]
        for name, better in PAIRED:
            column, spec = columns[name]
            changes = [column(e) - column(b) for e, b in pairs]
            mean, sd = mean_spread(changes)
            cell = spec.replace("%", "%+", 1) % mean + ("" if sd is None else " ± " + spec % sd)
            if better:
                cell += " (%d of %d better)" % (sum(better * c > 0 for c in changes), len(changes))
            cells.append(cell)
        rows.append(cells)
    return markdown_table(heads, rows)


# the milestones table's words, by the language of the page that shows it
MILESTONE_WORDS = {
    "en": dict(steps="steps %s", step="step %s", median=" (median %s)", never="never", some="; %d never",
               best=" (best %s)", time="%s s to step %s"),
    "zh": dict(steps="第 %s 步", step="第 %s 步", median="（中位数 %s）", never="从未达到", some="；%d 次从未达到",
               best="（最佳 %s）", time="%s 秒（到第 %s 步）"),
}  # fmt: skip


def _span(values, spec="{:,.0f}"):
    """'low–high' of ``values``, or one value where they agree."""
    low, high = spec.format(min(values)), spec.format(max(values))
    return low if low == high else low + "–" + high


def milestone_rows(doc, settings=(), lang="en"):
    """Markdown rows, one a setting (of ``settings`` if given): its seeds; the step of the first check that covered
    more than one class; the first at a classifier score of 5 and of 8 (range and median over the seeds that got
    there; for those that never did, their best score); the training wall time to the last step (range)."""
    words = MILESTONE_WORDS[lang]

    def first(trials, reached, scores=True):
        steps = [next((c["step"] for c in t["checks"] if reached(c)), None) for t in trials]
        got = [s for s in steps if s is not None]
        cell = ""
        if got:
            cell = words["step" if len(set(got)) == 1 else "steps"] % _span(got)
            if scores and len(set(got)) > 1:
                cell += words["median"] % "{:,.0f}".format(statistics.median(got))
        never = [max(c["classifier_score"] for c in t["checks"]) for t, s in zip(trials, steps) if s is None]
        if never:
            cell += (words["some"] % len(never) if got else words["never"]) + (
                words["best"] % _span(never, "{:.2f}") if scores else ""
            )
        return cell

    rows = []
    for setting, trials in _settings(doc).items():
        if settings and setting not in settings:
            continue
        cells = [setting, str(len(trials)), first(trials, lambda c: c["modes_covered"] > 1, scores=False)]
        cells += [first(trials, lambda c, score=score: c["classifier_score"] >= score) for score in (5, 8)]
        last = [t["checks"][-1] for t in trials]
        cells.append(words["time"] % (_span([c["elapsed_s"] for c in last]), _span([c["step"] for c in last])))
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("record", "curve", "best", "final", "paired", "plot", "milestones"))
    parser.add_argument("paths", nargs="+", help="sweep folders (record) or the study's JSON file")
    parser.add_argument("--out")
    parser.add_argument("--marks", default="", help="steps (or --minutes) for the curve table, comma-separated")
    parser.add_argument("--minutes", action="store_true", help="--marks are minutes of training, not steps")
    parser.add_argument("--command", action="append", default=[], help="a command that made the study's data")
    parser.add_argument("--commit", help="the commit of tf1gan that ran it")
    parser.add_argument(
        "--setting", action="append", default=[], help="record (or milestones: show) only the trials of this setting"
    )
    parser.add_argument("--baseline", help="the setting the paired table compares every other one with, seed by seed")
    parser.add_argument("--lang", choices=sorted(MILESTONE_WORDS), default="en", help="the milestones table's language")
    parser.add_argument(
        "--label", action="append", default=[], metavar="SETTING=LABEL", help="a setting's name in the tables"
    )
    parser.add_argument(
        "--cpu-per-step",
        action="append",
        default=[],
        metavar="SETTING=SECONDS",
        help="CPU seconds a step of SETTING takes, for trials whose checks did not log their CPU time (it wins "
        "over the sweep's cpu_s, which covers only the steps that sweep trained)",
    )
    args = parser.parse_args()
    if args.what == "record":
        cpu = dict((k, float(v)) for k, v in (item.rsplit("=", 1) for item in args.cpu_per_step))
        doc = dict(record(args.paths, cpu, args.setting), commands=args.command, commit=args.commit)
        labels = dict(item.rsplit("=", 1) for item in args.label)
        for t in doc["trials"]:
            t["setting"] = labels.get(t["setting"], t["setting"])
        doc["labels"] = labels
        with open(args.out, "w") as f:
            json.dump(doc, f, indent=1, sort_keys=True)
            f.write("\n")
        return
    with open(args.paths[0]) as f:
        doc = json.load(f)
    if args.what == "curve":
        print(
            curve_table(doc, [float(m) if args.minutes else int(m) for m in args.marks.split(",") if m], args.minutes)
        )
    elif args.what == "best":
        print(best_table(doc))
    elif args.what == "final":
        print(final_table(doc))
    elif args.what == "paired":
        print(paired_table(doc, args.baseline))
    elif args.what == "milestones":
        print(milestone_rows(doc, args.setting, args.lang))
    else:
        groups = collections.OrderedDict((s, [t["checks"] for t in ts]) for s, ts in _settings(doc).items())
        with open(args.out, "wb") as f:
            f.write(plots.seed_spread_figure(groups))


if __name__ == "__main__":
    main()
