"""The mode-collapse table of a sweep: each trial's monitor records read with compare's collapse rule.

    python scripts/collapse_table.py SWEEP_DIR --out FILE.json --command "tf1gan sweep ..." --commit SHA [--setting S]
        # record: the sweep's rows and each trial's collapse facts, with the command and commit that made them
    python scripts/collapse_table.py --table FILE.json [--lang zh]  # the Markdown table the docs show

The docs' tables are this script's output from the committed JSON (tests/test_article_docs.py checks it), so
a figure in them can be traced to the run that made it.
"""

import argparse
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tf1gan import runs, studies  # noqa: E402
from tf1gan.report import markdown_table  # noqa: E402

HEADS = {
    "en": (
        "seed",
        "classes covered at the end",
        "rarest class at the end",
        "collapsed at (classes then)",
        "first check with all classes",
        "best classifier score (step)",
        "final classifier score",
        "FCD (tf1gan evaluate)",
    ),
    "zh": (
        "种子",
        "结束时覆盖的类别数",
        "结束时最少类别的占比",
        "崩溃于（当时类别数）",
        "首次覆盖全部类别",
        "最佳分类器得分（步数）",
        "最终分类器得分",
        "FCD（tf1gan evaluate）",
    ),
}
WORDS = {"en": ("never", "no", "step"), "zh": ("从未", "否", "第")}


def record(sweep_dir, setting=None):
    """{command, commit, trials: [...]} for the sweep in ``sweep_dir`` (its trials of ``setting`` only, if given),
    each trial with its collapse facts."""
    with open(os.path.join(sweep_dir, "sweep.json")) as f:
        rows = [r for r in json.load(f)["trials"] if setting is None or r["setting"] == setting]
    trials = []
    for row in rows:
        checks = [r for r in runs.RunFolder(os.path.join(sweep_dir, "trials", row["name"])).read_metrics()]
        checks = [r for r in checks if "modes_covered" in r]
        best = max(checks, key=lambda r: r["classifier_score"])
        collapsed = studies.collapse(checks)
        trials.append(
            dict(
                row,
                collapse_step=collapsed and collapsed[0],
                collapse_classes=collapsed and collapsed[1],
                first_all_covered=studies.first_all_covered(checks),
                end_classes=checks[-1]["modes_covered"],
                end_rarest_share=checks[-1]["min_class_share"],
                most_classes=max(r["modes_covered"] for r in checks),
                best_classifier_score=best["classifier_score"],
                best_step=best["step"],
                final_classifier_score=checks[-1]["classifier_score"],
            )
        )
    return {"trials": trials}


def table(doc, lang="en"):
    """The Markdown table of ``doc`` (what :func:`record` wrote), in ``lang``."""
    never, no, step = WORDS[lang]

    def at(n):
        return ("%s %s 步" % (step, "{:,}".format(n))) if lang == "zh" else "%s %s" % (step, "{:,}".format(n))

    rows = []
    for t in doc["trials"]:
        collapsed = no if t["collapse_step"] is None else "%s (%d)" % (at(t["collapse_step"]), t["collapse_classes"])
        first = never if t["first_all_covered"] is None else at(t["first_all_covered"])
        cells = (
            str(t["seed"]),
            "%d / 10" % t["end_classes"],
            "%.1f%%" % (100 * t["end_rarest_share"]),
            collapsed,
            first,
            "%.2f (%s)" % (t["best_classifier_score"], at(t["best_step"])),
            "%.2f" % t["final_classifier_score"],
            "%.1f" % t["fcd"],
        )
        rows.append(cells)
    return markdown_table(HEADS[lang], rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep_dir", nargs="?")
    parser.add_argument("--out")
    parser.add_argument("--table")
    parser.add_argument("--lang", default="en", choices=sorted(HEADS))
    parser.add_argument("--command", help="the tf1gan sweep command that made SWEEP_DIR")
    parser.add_argument("--commit", help="the commit of tf1gan that ran it")
    parser.add_argument("--setting", help="record only the trials of this setting (sweep.json's 'setting')")
    args = parser.parse_args()
    if args.table:
        with open(args.table) as f:
            print(table(json.load(f), args.lang))
        return
    doc = record(args.sweep_dir, args.setting)
    doc.update(command=args.command, commit=args.commit)
    with open(args.out, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
