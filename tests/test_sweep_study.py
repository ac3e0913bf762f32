"""scripts/sweep_study.py: a study's JSON from sweep folders, and the tables the docs show from it."""

import io
import json
import os
import sys

import matplotlib.pyplot as plt
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import sweep_study  # noqa: E402

REAL = {"classifier_score": 10.0, "fcd": 1.0, "modes_covered": 10, "nn_copy_rate": 0.05, "parzen_ll": 240.0,
        "second": {"classifier_score": 8.0, "fcd": 0.5}}  # fmt: skip


def _figures(score, step):
    return {"classifier_score": score, "fcd": 20.0 + score, "modes_covered": 10, "nn_copy_rate": 0.01,
            "parzen_ll": 200.0 + 10 * score,
            "second": {"classifier_score": score - 1, "fcd": 1.0}, "real": REAL,
            "checkpoint": "checkpoint of step %d, the latest" % step}  # fmt: skip


def _sweep(tmp_path):
    """A finished sweep of two seeds of one setting, one with an extra evaluation of its best checkpoint."""
    for d in ("results", "evaluations"):
        (tmp_path / d).mkdir()
    for seed, fcds in ((0, (30.0, 20.0, 25.0)), (1, (40.0, 35.0, 30.0))):
        records = [{"step": 50, "d_loss": 1.0, "elapsed_s": 5.0}]
        records += [
            {"step": 100 * (i + 1), "elapsed_s": 10.0 * (i + 1) + seed, "classifier_score": 8.0 + i,
             "modes_covered": 10, "min_class_share": 0.08, "val_fcd": fcd, "copy_rate": 0.01 * i}
            for i, fcd in enumerate(fcds)
        ]  # fmt: skip
        name = "arch=x_seed=%d" % seed
        result = dict(name=name, setting="arch=x", seed=seed, status="done", wall_s=40.0, records=records,
                      figures=_figures(8.0 + seed, 300), cpu_s=None if seed else 27.0)  # fmt: skip
        (tmp_path / "results" / (name + ".json")).write_text(json.dumps(result))
        (tmp_path / "results" / (name + ".evaluate.json")).write_text("{}")  # the trial's own copy: not a trial
    (tmp_path / "evaluations" / "arch=x_seed=0@best.json").write_text(json.dumps(_figures(9.5, 200)))
    return str(tmp_path)


def test_record_keeps_monitor_checks_and_each_evaluation(tmp_path):
    doc = sweep_study.record([_sweep(tmp_path)])
    assert [t["name"] for t in doc["trials"]] == ["arch=x_seed=0", "arch=x_seed=1"]
    first = doc["trials"][0]
    assert [c["step"] for c in first["checks"]] == [100, 200, 300]  # the loss-only record is not a check
    assert first["best_step"] == 200 and first["steps"] == 300
    assert sorted(first["evaluations"]) == ["best", "last"]
    assert doc["trials"][1]["best_step"] == 300
    assert sweep_study.record([str(tmp_path)], settings=["arch=y"])["trials"] == []
    assert doc["machine"]


def test_tables_are_means_and_spreads_over_seeds(tmp_path):
    doc = sweep_study.record([_sweep(tmp_path)])
    curve = sweep_study.curve_table(doc, [200]).splitlines()
    # step 200: scores 9 and 9, FCD 20 and 35: mean 27.5, sample SD 10.6; times 20 and 21 s
    assert curve[2] == "| arch=x | 200 | 2 | 20 ± 1 | 9.00 ± 0.00 | 27.5 ± 10.6 | 1.0% ± 0.0% |"
    by_time = sweep_study.curve_table(doc, [0.3], minutes=True).splitlines()
    # seed 0's CPU time (27 s over 300 steps) puts step 200 at 18 s; seed 1 has wall time only: step 100 at 11 s
    assert by_time[2].startswith("| arch=x | 0.3 | 2 | 150 ± 71 |")
    # a measured rate wins over the sweep's cpu_s (a trial continued from another sweep has only its own part)
    timed = sweep_study.record([str(tmp_path)], {"arch=x": 0.01})  # 0.01 s a step: step 300 at 3 s
    row = sweep_study.curve_table(timed, [0.05], minutes=True).splitlines()[2]
    assert row.startswith("| arch=x | 0.05 | 2 | 300 ± 0 |")
    final = sweep_study.final_table(doc).splitlines()
    # 'last' for both seeds (8 and 9); 'best' only where every seed has it, so no row
    assert final[2].startswith("| arch=x | last | 2 | 300 ± 0 | 8.50 ± 0.71 | 0.850 ± 0.071 | 28.5 ± 0.7 | 7.50 ± ")
    assert not any("| best |" in line for line in final)
    assert final[2].endswith("| 10.0 ± 0.0 | 285.0 ± 7.1 | 1.0% ± 0.0% |")
    real = "| real held-out images |  |  |  | 10.00 | 1.000 | 1.0 | 8.00 | 1.000 | 0.50 | 10.0 | 240.0 | 5.0% |"
    assert final[-1] == real
    best = sweep_study.best_table(doc).splitlines()
    assert best[2] == "| arch=x | 0 | 200 | 20.0 | 9.00 | 300 | 25.0 | 10.00 |"


def test_checks_that_logged_their_cpu_time_keep_it(tmp_path):
    sweep = _sweep(tmp_path)
    path = tmp_path / "results" / "arch=x_seed=0.json"
    result = json.loads(path.read_text())
    for r, cpu in zip(result["records"][1:], (1.0, 25.0, 26.0)):  # a slow second check: not spread evenly
        r["cpu_s"] = cpu
    path.write_text(json.dumps(result))
    doc = sweep_study.record([sweep], {"arch=x": 0.01})
    assert [c["cpu_s"] for c in doc["trials"][0]["checks"]] == [1.0, 25.0, 26.0]
    assert [c["cpu_s"] for c in doc["trials"][1]["checks"]] == [1.0, 2.0, 3.0]  # seed 1 logged none: the rate


def test_an_evaluation_without_the_second_evaluator_leaves_its_cells_empty(tmp_path):
    doc = sweep_study.record([_sweep(tmp_path)])
    for t in doc["trials"]:
        del t["evaluations"]["last"]["second"]
    row = sweep_study.final_table(doc).splitlines()[2].split(" | ")
    assert row[7:10] == ["-", "-", "-"]


def test_the_picture_has_a_row_per_recorded_figure(tmp_path):
    doc = sweep_study.record([_sweep(tmp_path)])
    monitor = sweep_study.plots.seed_spread_figure({"arch=x": [t["checks"] for t in doc["trials"]]})
    losses = [[{"step": s, "elapsed_s": s / 10.0, "d_loss": 1.0, "g_loss": 2.0} for s in (100, 200)]]
    only_losses = sweep_study.plots.seed_spread_figure({"arch=x": losses})
    # four monitor figures (score, classes, validation FCD, near copies) against two losses: twice as tall
    height = lambda png: plt.imread(io.BytesIO(png)).shape[0]  # noqa: E731
    assert height(monitor) == pytest.approx(2 * height(only_losses), rel=0.1)


def test_a_sweep_of_one_setting_is_named_by_its_grid():
    result = {"setting": "(one setting)", "settings": [["arch", "dcgan"], ["hidden", "32,16"], ["seed", "2"],
                                                       ["threads", "1"], ["steps", "3000"]]}  # fmt: skip
    assert sweep_study._label(result) == "arch=dcgan hidden=32,16"
    assert sweep_study._label(dict(result, setting="lr-decay=none")) == "lr-decay=none"


def test_milestones_are_first_steps_over_seeds_and_say_who_never_got_there(tmp_path):
    doc = sweep_study.record([_sweep(tmp_path)])
    first, second = (t["checks"] for t in doc["trials"])
    first[0]["modes_covered"] = 1  # seed 0 covers a second class at step 200, seed 1 at step 100
    for check, score in zip(second, (2.0, 6.0, 7.0)):  # seed 1 reaches 5 at step 200 and never 8
        check["classifier_score"] = score
    assert sweep_study.milestone_rows(doc) == (
        "| arch=x | 2 | steps 100–200 | steps 100–200 (median 150) | step 100; 1 never (best 7.00) "
        "| 30–31 s to step 300 |"
    )
    assert sweep_study.milestone_rows(doc, ["arch=x"], "zh").endswith("| 30–31 秒（到第 300 步） |")
    assert sweep_study.milestone_rows(doc, ["arch=y"]) == ""


def test_the_paired_table_compares_each_seed_with_the_same_seed_of_the_baseline(tmp_path):
    doc = sweep_study.record([_sweep(tmp_path)])
    for t in [dict(t, setting="arch=y") for t in doc["trials"]]:
        e = t["evaluations"]["last"]
        seed = t["seed"]  # seed 0 gains 1 in score (FCD +1, since the fixture's FCD is 20 + score), seed 1 loses 0.5
        score = e["classifier_score"] + (1.0 if seed == 0 else -0.5)
        doc["trials"].append(dict(t, evaluations={"last": dict(e, classifier_score=score, fcd=20.0 + score)}))
    rows = sweep_study.paired_table(doc, "arch=x").splitlines()
    assert len(rows) == 3 and rows[2].startswith(
        "| arch=y | 2 | +0.25 ± 1.06 (1 of 2 better) | +0.2 ± 1.1 (1 of 2 better) | +0.00 ± 0.00 (0 of 2 better) |"
    )
    with pytest.raises(SystemExit):
        sweep_study.paired_table(doc, "arch=z")
