"""tf1gan compare: the studies end to end at a reduced size, both reports, and what a browser makes of them.

The end-to-end tests are slow (one compare run: every ladder rung and leave-one-out
variant, two tf1gan runs and a seed study of two seeds, all a few dozen steps) and
run under TensorFlow 1.15 and 2.x in CI; where the two releases differ, each
expectation is written out. The refusal to overwrite is checked fast: it happens
before any work.
"""

import html
import json
import os
import re
import subprocess
import sys
import warnings

import browser
import numpy as np
import pytest

from helpers import cli
from tf1gan import compare, compare_tables, listing, owned, studies
from tf1gan.compare_text import LANGS, TEXT
from tf1gan.report import markdown_table
from tf1gan.tfcompat import IS_TF2

STEPS = 30
SEED_STEPS = 40
MONITOR_EVERY = 10


def test_every_sentence_has_both_languages_with_the_same_placeholders():
    placeholder = re.compile(r"%[-+ #0]*\d*(?:\.\d+)?[sdfr%]")
    for key, sentences in TEXT.items():
        assert len(sentences) == len(LANGS) and all(s.strip() for s in sentences), key
        assert placeholder.findall(sentences[0]) == placeholder.findall(sentences[1]), key
    for d in listing.DEFECTS:
        assert all(d.en) and all(d.zh) and re.search("[\u4e00-\u9fff]", "".join(d.zh)), d.key
    for e in listing.EDITS.values():
        assert e.what and re.search("[\u4e00-\u9fff]", e.what_zh), e.name


@pytest.mark.parametrize("existing", compare.OUTPUTS)
def test_compare_refuses_to_overwrite_without_force(tmp_path, existing):
    out = tmp_path / "cmp"
    target = out / existing
    if not existing.startswith("runs"):
        out.mkdir()
        target.write_text("an earlier report\n")
    else:
        target.mkdir(parents=True)
        (target / "mine.txt").write_text("keep me\n")
    code, stdout, stderr = cli("compare", "--out", out, "--steps", "1")
    assert code == 4 and stdout == ""
    assert stderr.count("\n") == 1 and stderr.startswith("tf1gan: error: ")
    assert existing in stderr and "--force" in stderr
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == sorted(
        [existing] + ([existing + "/mine.txt", "runs"] if "runs" in existing else [])
    )


@pytest.mark.parametrize("folder", list(compare.RUNS) + ["runs/seeds/default-seed1"])
def test_compare_force_never_replaces_other_files_and_says_so_before_any_work(tmp_path, folder):
    out = tmp_path / "cmp"
    (out / folder).mkdir(parents=True)
    (out / folder / "mine.txt").write_text("keep me\n")
    code, stdout, stderr = cli("compare", "--out", out, "--steps", "1", "--seeds", "2", "--force")
    assert code == 4 and stdout == ""
    assert stderr.count("\n") == 1 and "mine.txt" in stderr and "not a tf1gan run" in stderr
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [folder + "/mine.txt"]


def test_collapse_is_read_from_the_monitor_records():
    def checks(covered):
        return [{"step": 100 * (i + 1), "modes_covered": c} for i, c in enumerate(covered)]

    assert studies.collapse(checks([3, 7, 10, 10])) is None  # ends with every class
    assert studies.collapse(checks([3, 10, 8, 10, 9])) == (500, 9)  # lost one at the end, for good
    assert studies.collapse(checks([3, 10, 8, 7, 6])) == (300, 8)  # never again ten after step 200
    assert studies.collapse(checks([2, 6, 9, 9])) is None  # still learning, at its best at the end
    assert studies.collapse(checks([2, 6, 9, 8])) == (400, 8)
    assert studies.first_all_covered(checks([3, 10, 8])) == 200
    assert studies.first_all_covered(checks([3, 9])) is None


def _outcome(label, edits=(), error=None, records=(), moved=(), quality=None):
    """A ``studies.Outcome`` of made-up figures, of the kinds the tables show."""
    variables = ["W1", "W2", "b1", "b2"]
    d = (None, None) if not records else (records[-1]["d_real"], records[-1]["d_fake"])
    return studies.Outcome(
        label=label,
        edits=tuple(edits),
        error=error,
        records=list(records),
        moved=list(moved),
        variables=variables if records else [],
        d_real=d[0],
        d_fake=d[1],
        grid=None,
        quality=quality,
        non_finite=studies.first_non_finite(records),
        figures=None,
    )


def test_tables_json_round_trips_what_the_tables_show(tmp_path):
    rng = np.random.RandomState(0)

    def run(bad, n):  # with ``bad``, losses -inf/inf at step 2 and NaN after it, as rung 1's
        losses = [(-rng.rand() * 1e3, rng.rand()), (-np.inf, np.inf)] + [(np.nan, np.nan)] * n
        losses = losses if bad else [(-rng.rand(), rng.rand()) for _ in range(n)]
        return [
            dict(step=s, d_loss=losses[s - 1][0], g_loss=losses[s - 1][1], d_real=rng.rand(), d_fake=np.float32(0.5))
            for s in range(1, n + 1)
        ]

    error = listing.ListingError("ValueError", "Dimensions must be equal", 30, "G_sample = ...", "graph")
    quality = studies.Quality(np.float64(rng.rand() * 9 + 1), 300.7 * rng.rand(), 8, 10, 0.0123)
    ladder = [_outcome("0", error=error)] + [
        _outcome(str(r.number), r.edits, None, run(r.number % 3 == 1, 4), ["W2", "b2"][: r.number % 3], quality)
        for r in listing.ladder()[1:]
    ]
    loo = [
        _outcome(d, e, error._replace(stage="training", line=39) if i == 4 else None, run(i == 2, 3), ["W1"])
        for i, (d, e) in enumerate(listing.leave_one_out())
    ]
    settings = compare.Settings("mnist10k", None, 4, 1234, 300, 0, 40, 10, "1.15.5", 8000)
    results = compare.Results(settings, *[None] * 5, ladder, loo, None, None, [])
    path = compare.write_tables(results, str(tmp_path), "tf1gan compare --out x", "abc123")
    doc, ladder_back, loo_back = compare_tables.read(path)
    assert (doc["command"], doc["commit"], doc["settings"]["steps"]) == ("tf1gan compare --out x", "abc123", 4)
    assert [x["number"] for x in doc["ladder"]] == [r.number for r in listing.ladder()]
    assert doc["ladder"][1]["first_non_finite"] == {"step": 2, "d_loss": -np.inf, "g_loss": np.inf}
    assert ladder_back[1].non_finite == 2 and ladder_back[2].non_finite is None
    for lang in LANGS:
        assert compare.ladder_table(ladder_back, lang) == compare.ladder_table(ladder, lang)
        assert compare.loo_table(ladder_back[-1], loo_back, lang) == compare.loo_table(ladder[-1], loo, lang)
    assert owned.read_marker(str(tmp_path), compare.MARKER) == [compare.TABLES]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """One compare run at a reduced size, over an earlier report it may replace (--force)."""
    out = str(tmp_path_factory.mktemp("cmp"))
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write("an earlier report\n")
    owned.write_marker(out, compare.MARKER, ["report.md"])  # compare's own: --force may replace it
    rows, paths, res = compare.compare(
        out,
        force=True,
        steps=STEPS,
        eval_samples=300,
        seeds=2,
        seed_steps=SEED_STEPS,
        monitor_every=MONITOR_EVERY,
    )
    with warnings.catch_warnings(record=True) as caught:  # e.g. matplotlib drawing CJK text without a CJK font
        warnings.simplefilter("always")
        zh_paths = compare.write_report(res, os.path.join(out, "zh"), "zh")
    assert not [w for w in caught if "missing from current font" in str(w.message)]
    return out, rows, paths, zh_paths, res


@pytest.mark.slow
def test_the_listing_as_printed_on_each_tensorflow(results):
    _, rows, _, _, res = results
    if IS_TF2:  # `import tensorflow as tf` is TF 2's own API, without tf.set_random_seed
        assert (res.printed.type, res.printed.line) == ("AttributeError", 6)
    else:
        assert (res.printed.type, res.printed.line) == ("ValueError", 30)
    assert (res.printed_compat.type, res.printed_compat.line) == ("ValueError", 30)  # the TF1 API, on both
    assert rows[0][:2] == ("listing, as printed", "ValueError at line 30")
    assert "Dimensions must be equal, but are 256 and 784" in res.printed_compat.message


@pytest.mark.slow
def test_the_ladder_fixes_one_defect_at_a_time(results):
    ladder = results[-1].ladder
    g_vars, d_vars = {"G_W1", "G_b1", "G_W2", "G_b2"}, {"W1", "b1", "W2", "b2"}
    assert ladder[0].error.stage == "graph" and ladder[0].error.line == 30
    first = ladder[1].records[0]  # hidden_784: D_fake is exactly 1 for some fakes, log(1 - 1) = -inf
    assert ladder[1].error is None and first["d_loss"] == -np.inf and ladder[1].non_finite == 1
    for rung in ladder[2:]:
        assert rung.error is None and rung.non_finite is None and rung.grid.shape == (100, 784)
    for rung in ladder[1:8]:
        assert rung.moved == ["W2", "b2"]  # only D's output layer trains until G and all of D do
    assert set(ladder[8].moved) == g_vars | {"W2", "b2"} and set(ladder[9].moved) == g_vars | d_vars
    assert ladder[3].d_real <= 1 / (1 + np.exp(-1.0)) + 1e-7  # before single_sigmoid: D(x) < 0.731
    for rung in ladder[1:]:
        assert rung.quality is not None and 1 <= rung.quality.classifier_score <= 10


@pytest.mark.slow
def test_leave_one_out_puts_back_one_defect_at_a_time(results):
    res = results[-1]
    variants = dict(zip([d for d, _ in listing.leave_one_out()], res.loo))
    assert set(variants) == {d for d, _, _ in listing.LADDER_STEPS} - {"noise_width"}
    for defect in ("inconsistent_d", "shared_weights"):  # with G's own 784-pixel output, neither builds
        assert variants[defect].error.stage == "graph" and variants[defect].grid is None
    assert not {"G_W1", "G_b1", "G_W2", "G_b2"} & set(variants["g_not_trained"].moved)
    assert not {"W1", "b1"} & set(variants["d_partly_trained"].moved)
    assert variants["double_sigmoid"].d_real <= 1 / (1 + np.exp(-1.0)) + 1e-7
    assert variants["d_partly_trained"].records == res.ladder[-2].records  # the rung before the last fix
    assert variants["log_of_sigmoid"].error is None


@pytest.mark.slow
def test_tables_json_holds_what_the_reports_tables_show(results):
    out, _, (md_en, _), (md_zh, _), res = results
    assert compare.TABLES in owned.read_marker(out, compare.MARKER)
    path = os.path.join(out, compare.TABLES)
    doc, ladder, loo = compare_tables.read(path)
    assert doc["settings"]["steps"] == STEPS and doc["settings"]["eval_samples"] == 300
    assert [x["edits"] for x in doc["leave_one_out"]] == [list(e) for _, e in listing.leave_one_out()]
    for lang, md in (("en", md_en), ("zh", md_zh)):
        report = open(md, encoding="utf-8").read()
        assert markdown_table(*compare.ladder_table(ladder, lang)) in report
        assert markdown_table(*compare.loo_table(ladder[-1], loo, lang)) in report
    script = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts", "article_tables.py")
    printed = subprocess.check_output([sys.executable, script, path, "--table", "loo", "--lang", "zh"], text=True)
    assert printed.strip() in open(md_zh, encoding="utf-8").read()


@pytest.mark.slow
def test_the_seed_study(results):
    out, _, _, _, res = results
    assert [(r.preset, r.seed) for r in res.seed_runs] == [(p, s) for p in ("article", "default") for s in (0, 1)]
    for r in res.seed_runs:
        assert [c["step"] for c in r.checks] == list(range(MONITOR_EVERY, SEED_STEPS + 1, MONITOR_EVERY))
        assert all(0 <= c["min_class_share"] <= 0.1 and 0 <= c["modes_covered"] <= 10 for c in r.checks)
        assert os.path.isdir(os.path.join(out, "runs", "seeds", "%s-seed%d" % (r.preset, r.seed)))
    # a second study with the same settings continues the runs (here: nothing left to do) instead of retraining
    again = studies.seed_study(out, ["article"], [0], SEED_STEPS, MONITOR_EVERY)
    assert again[0].checks == res.seed_runs[0].checks


@pytest.mark.slow
def test_reports_in_both_languages(results):
    out, rows, (md_en, html_en), (md_zh, html_zh), res = results
    assert open(os.path.join(out, "report.md"), encoding="utf-8").read() != "an earlier report\n"
    en = [open(p, encoding="utf-8").read() for p in (md_en, html_en)]
    zh = [open(p, encoding="utf-8").read() for p in (md_zh, html_zh)]
    en[1], zh[1] = html.unescape(en[1]), html.unescape(zh[1])
    for doc in en:
        for d in listing.DEFECTS:
            assert d.en.title in doc and d.test in doc, d.key
    for doc in zh:
        for d in listing.DEFECTS:
            assert d.zh.title in doc and d.test in doc, d.key
        assert "修复阶梯" in doc and "逐一放回缺陷" in doc and "多种子实验" in doc
    for doc in en + zh:
        for rung in listing.ladder()[1:]:
            assert rung.added[0] in doc
        assert "tf.math.log_sigmoid(D_fake_logits)" in doc  # the diffs are shown
    assert sorted(n for n in os.listdir(out) if n.endswith(".png")) == sorted(compare.IMAGES)  # all --force replaces
    for name in compare.IMAGES:
        assert open(os.path.join(out, name), "rb").read(4) == b"\x89PNG"
        assert "](%s)" % name in en[0] and "](%s)" % name in zh[0]
    for page in (en[1], zh[1]):
        assert page.count("data:image/png;base64,") == 6 and "src='losses.png'" not in page
    assert "<html lang='zh-CN'>" in zh[1] and "<html lang='en'>" in en[1]
    assert [r[0] for r in rows[1:10]] == ["rung %d: %s" % (r.number, " + ".join(r.added)) for r in listing.ladder()[1:]]


@pytest.mark.slow
def test_compare_lang_zh_on_the_command_line(results, tmp_path, monkeypatch):
    res = results[-1]
    monkeypatch.setattr(compare, "run_studies", lambda out, **kwargs: res)  # the flags, not the studies again
    code, stdout, stderr = cli("compare", "--out", tmp_path / "zh", "--lang", "zh", "--steps", STEPS)
    assert code == 0, stderr
    assert "修复阶梯" in (tmp_path / "zh" / "report.html").read_text(encoding="utf-8")
    recorded = json.loads((tmp_path / "zh" / compare.TABLES).read_text(encoding="utf-8"))["command"]
    assert recorded == "tf1gan compare --out %s --lang zh --steps %d" % (tmp_path / "zh", STEPS)
    assert "rung 9: train_all_d" in stdout
    code, _, stderr = cli("compare", "--out", tmp_path / "zh", "--lang", "zh")
    assert code == 4 and "report.md, report.html" in stderr
    code, _, stderr = cli("compare", "--out", tmp_path / "x", "--seeds", "-1")
    assert code == 2 and stderr.startswith("tf1gan: error: --seeds")


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_the_report_reads_well_in_a_browser(results, lang):
    page = results[2][1] if lang == "en" else results[3][1]
    found = browser.render(page)
    assert found["width"] == browser.WIDTH
    assert found["wide"] == [] and found["scroll_width"] <= found["width"]  # nothing runs off the right edge
    assert len(found["images"]) == 6 and all(im["ok"] for im in found["images"])
    cjk = found["cjk"]
    if lang == "zh":
        assert cjk["count"] >= 12
    assert cjk["distinct"] == cjk["count"] and cjk["like_missing"] == 0  # real glyphs, not boxes
