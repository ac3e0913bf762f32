"""docs/results.md: every multi-seed table is scripts/sweep_study.py's output from its committed JSON."""

import json
import os
import subprocess
import sys

import pytest

from tf1gan.sweep_report import mean_spread

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "docs", "results.md")

# (the study's JSON under docs/measurements/, the sweep_study.py command whose table the page shows)
TABLES = [
    ("default-20k", ["final"]),
    ("fashion", ["final"]),
    ("fashion", ["paired", "--baseline", "default until 2026-12-07 (ema 0.999)"]),
    ("default-tries", ["final"]),
    ("default-tries", ["paired", "--baseline", "default (ema 0.999)"]),
    ("default-tuning", ["final"]),
    ("default-tuning", ["paired", "--baseline", "default (lr 1e-3, real label 0.9)"]),
    ("default-schedule", ["best"]),
    ("default-schedule", ["curve", "--marks", "5000,10000,15000,20000,25000,30000"]),
    ("default-schedule", ["final"]),
    ("dcgan-vs-default", ["curve", "--minutes", "--marks", "1,2,4,7"]),
    ("dcgan-vs-default", ["final"]),
    ("trained-longer", ["curve", "--minutes", "--marks", "2,5,10,15,20"]),
    ("trained-longer", ["final"]),
    ("trained-longer", ["best"]),
    ("dcgan-widths", ["curve", "--minutes", "--marks", "1,2,3,4,5"]),
    ("dcgan-widths", ["final"]),
    ("article-both-evaluators", ["final"]),
]


@pytest.mark.parametrize("name, command", TABLES, ids=["%s %s" % (n, c[0]) for n, c in TABLES])
def test_the_table_is_generated_from_the_committed_study(name, command):
    path = os.path.join(ROOT, "docs", "measurements", name + ".json")
    with open(path) as f:
        doc = json.load(f)
    assert doc["commands"] and doc["commands"][0].startswith("tf1gan sweep ") and doc["commit"]
    assert len({t["seed"] for t in doc["trials"]}) >= 3 and all(t["status"] == "done" for t in doc["trials"])
    script = os.path.join(ROOT, "scripts", "sweep_study.py")
    table = subprocess.check_output([sys.executable, script, command[0], path] + command[1:], text=True).strip()
    assert table.count("\n") >= 2
    with open(RESULTS, encoding="utf-8") as f:  # a table inside a list item is indented
        page = "\n".join(line.strip() for line in f)
    assert table in page


def test_the_parzen_row_beside_goodfellow_is_the_three_seed_default():
    with open(os.path.join(ROOT, "docs", "measurements", "default-20k.json")) as f:
        trials = json.load(f)["trials"]
    values = [t["evaluations"]["last"]["parzen_ll"] for t in trials if t["setting"] == "default (ema 0.9995)"]
    mean, sd = mean_spread(values)
    with open(RESULTS, encoding="utf-8") as f:
        page = f.read()
    assert len(values) == 3 and "| tf1gan default, mnist10k, 3 seeds | %.1f ± %.1f |" % (mean, sd) in page
