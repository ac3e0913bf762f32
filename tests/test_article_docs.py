"""docs/article.md and docs/article.zh.md hold the same catalogue, and it covers every defect of the listing.

Each catalogue entry is a heading ``#### N. `key`: title``. Both documents must list
the same keys in the same order; every defect of ``tf1gan.listing.DEFECTS`` (which
the compare report lists) must be an entry, naming its test, in both; every test a
document names must exist; and every entry quoting the article quotes it in Chinese.
"""

import os
import re

import pytest

from tf1gan import listing

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = {"en": "docs/article.md", "zh": "docs/article.zh.md"}
ENTRY = re.compile(r"^#### (\d+)\. `([a-z0-9_]+)`", re.M)
CJK = re.compile("[\u4e00-\u9fff]")


def entries(lang):
    """{key: entry text} of one document, in order, numbered 1, 2, ... without gaps."""
    text = open(os.path.join(ROOT, DOCS[lang]), encoding="utf-8").read()
    heads = list(ENTRY.finditer(text))
    assert [int(m.group(1)) for m in heads] == list(range(1, len(heads) + 1)), DOCS[lang]
    out = {}
    for i, m in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else text.find("\n## ", m.end())
        out[m.group(2)] = text[m.start() : end if end > 0 else len(text)]
    return out


def test_both_languages_list_the_same_errors_in_the_same_order():
    en, zh = entries("en"), entries("zh")
    assert list(en) == list(zh)
    assert len(en) >= 40


@pytest.mark.parametrize("lang", sorted(DOCS))
def test_every_listing_defect_is_an_entry_with_its_test(lang):
    found = entries(lang)
    for d in listing.DEFECTS:
        assert d.key in found, (lang, d.key)
        assert d.test.split("::")[1] in found[d.key], (lang, d.key)


@pytest.mark.parametrize("lang", sorted(DOCS))
def test_every_named_test_exists(lang):
    text = open(os.path.join(ROOT, DOCS[lang]), encoding="utf-8").read()
    sources = {}
    for name in os.listdir(os.path.join(ROOT, "tests")):
        if name.startswith("test_") and name.endswith(".py"):
            with open(os.path.join(ROOT, "tests", name), encoding="utf-8") as f:
                sources[name] = f.read()
    everything = "\n".join(sources.values())
    for name in set(re.findall(r"`(?:tests/\w+\.py::)?(test_\w+)`", text)):
        assert "def %s(" % name in everything, (lang, name)


@pytest.mark.parametrize("lang", sorted(DOCS))
def test_quotes_are_in_chinese(lang):
    for key, entry in entries(lang).items():
        quotes = [line for line in entry.splitlines() if line.startswith("> ") and not line.startswith("> *")]
        assert all(CJK.search(q) for q in quotes), (lang, key)
        if lang == "zh":
            assert CJK.search(entry.splitlines()[0]), key  # the title is in Chinese too


@pytest.mark.parametrize("lang", sorted(DOCS))
def test_the_diff_shown_is_the_fixed_listings(lang):
    text = open(os.path.join(ROOT, DOCS[lang]), encoding="utf-8").read()
    blocks = re.findall(r"```diff\n(.*?)\n```", text, re.S)
    assert blocks == [listing.diff(listing.source(), listing.edited(listing.FIXED))]


@pytest.mark.parametrize("lang", sorted(DOCS))
def test_entry_12_states_its_committed_seed_measurements(lang):
    import json
    import statistics

    with open(os.path.join(ROOT, "docs", "measurements", "init_saturation.json")) as f:
        rows = json.load(f)["rows"]
    entry = entries(lang)["init_scale"]
    words = {"en": ("Over %d seeds", "median %.0f"), "zh": ("%d 个种子", "中位数 %.0f")}[lang]
    size = [r["mean_abs_pre_sigmoid"] for r in rows]
    assert words[0] % len(rows) in entry and words[1] % statistics.median(size) in entry
    for key in ("mean_abs_pre_sigmoid", "logits_saturated", "d_fake_saturated"):
        scale, unit = (1, "") if key == "mean_abs_pre_sigmoid" else (100, "%")
        values = [scale * r[key] for r in rows]
        assert "%.0f–%.0f%s" % (min(values), max(values), unit) in entry, (lang, key)


@pytest.mark.parametrize("lang", sorted(DOCS))
def test_the_healthy_run_shown_is_the_committed_one(lang):
    import json

    with open(os.path.join(ROOT, "docs", "measurements", "article_fixed_run.json")) as f:
        run = json.load(f)
    text = open(os.path.join(ROOT, DOCS[lang]), encoding="utf-8").read()
    assert "```\n%s\n```" % "\n".join(run["printed"]) in text
    assert ("%.0f s" if lang == "en" else "%.0f 秒") % run["wall_seconds"] in text


@pytest.mark.parametrize("lang", sorted(DOCS))
@pytest.mark.parametrize("name, runs", [("article-collapse-sweep", "six"), ("default-collapse-sweep", "three")])
def test_the_collapse_sweep_tables_are_generated_from_their_committed_data(lang, name, runs):
    import json
    import subprocess
    import sys

    with open(os.path.join(ROOT, "docs/measurements/%s.json" % name)) as f:
        doc = json.load(f)
    assert len(doc["trials"]) >= 3 and all(t["status"] == "done" for t in doc["trials"])
    assert doc["command"].startswith("tf1gan sweep ") and doc["commit"]
    table = subprocess.check_output(
        [sys.executable, os.path.join(ROOT, "scripts/collapse_table.py"), "--table", f.name, "--lang", lang], text=True
    ).strip()
    text = open(os.path.join(ROOT, DOCS[lang]), encoding="utf-8").read()
    assert table in entries(lang)["prevents_mode_collapse"]
    collapsed = sum(t["collapse_step"] is not None for t in doc["trials"])
    if runs == "three":  # the default: the page says none collapsed, which the data must bear out
        assert collapsed == 0
        assert ("No default run collapsed", "默认设置的三次运行都没有崩溃")[lang == "zh"] in text
        return
    said = ["None One Two Three Four Five Six".split()[collapsed], "零一二三四五六"[collapsed]]
    assert ("%s of the six runs collapsed" % said[0], "六次运行中有%s次崩溃" % said[1])[lang == "zh"] in text


@pytest.mark.parametrize("lang", sorted(DOCS))
def test_the_ladder_and_leave_one_out_tables_are_generated_from_their_committed_data(lang):
    import importlib.util
    import json

    path = os.path.join(ROOT, "docs", "measurements", "article-tables.json")
    with open(path) as f:
        doc = json.load(f)
    assert re.fullmatch("[0-9a-f]{40}", doc["commit"]) and doc["command"].startswith("tf1gan compare --out ")
    steps = doc["settings"]["steps"]
    assert "--steps %d" % steps in doc["command"] and doc["settings"]["seed"] == 1234  # the seed the pages name
    spec = importlib.util.spec_from_file_location("article_tables", os.path.join(ROOT, "scripts", "article_tables.py"))
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    text = open(os.path.join(ROOT, DOCS[lang]), encoding="utf-8").read()
    assert "tf1gan compare --out DIR --steps %d" % steps in text  # the command that reproduces them
    assert doc["commit"][:10] in text
    sections = re.split(r"^## \d\. ", text, flags=re.M)  # [intro, 1, 2, 3 ladder, 4 leave one out, ...]
    assert script.table(path, "ladder", lang) in sections[3]
    assert script.table(path, "loo", lang) in sections[4]


@pytest.mark.parametrize("lang", sorted(DOCS))
def test_the_speed_table_is_generated_from_the_committed_seed_studies(lang):
    import json
    import subprocess
    import sys

    rows = []
    for name, setting in (("article-both-evaluators", []), ("default-schedule", ["--setting", "lr-decay=none"])):
        path = os.path.join(ROOT, "docs/measurements/%s.json" % name)
        with open(path) as f:
            doc = json.load(f)
        assert doc["commands"][0].startswith("tf1gan sweep ") and doc["commit"]
        command = [sys.executable, os.path.join(ROOT, "scripts/sweep_study.py"), "milestones", path, "--lang", lang]
        rows.append(subprocess.check_output(command + setting, text=True).strip())
    entry = entries(lang)["speed"]
    assert "|\n" + "\n".join(rows) + "\n\n" in entry and len(rows[0].splitlines()) == 1
    assert "%.4f" % doc["cpu_per_step"]["lr-decay=none"] in entry  # the default's CPU time a step, as recorded


@pytest.mark.parametrize("lang", sorted(DOCS))
def test_the_convergence_figures_are_those_of_the_committed_seed_studies(lang):
    import json

    def span(values, spec):
        return "%s–%s" % (spec % min(values), spec % max(values))

    text = entries(lang)["convergence"]
    for name, setting in (("article-both-evaluators", None), ("default-schedule", "lr-decay=none")):
        with open(os.path.join(ROOT, "docs/measurements/%s.json" % name)) as f:
            trials = [t for t in json.load(f)["trials"] if setting in (None, t["setting"])]
        last = [t["checks"][-1] for t in trials]
        best = [max(c["classifier_score"] for c in t["checks"]) for t in trials]
        assert span([c["d_real"] for c in last], "%.2f") in text and span([c["d_fake"] for c in last], "%.2f") in text
        if setting is None:  # the article's network falls from its best
            assert span(best, "%.2f") in text and span([c["classifier_score"] for c in last], "%.2f") in text
        else:
            gap = max(b - c["classifier_score"] for b, c in zip(best, last))
            assert "%.2f" % gap in text
