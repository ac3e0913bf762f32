"""The best checkpoint by validation FCD, the over-training warning and --early-stop, past a planted peak.

The tiny networks of these tests never improve in a few steps, so the quality
curve is planted: the monitor runs for real (its samples, its classifier, its
saving of the best), and only the FCD and near-copy figures it records are
replaced by a curve chosen per step. Whether ``best`` then holds the weights of
the planted peak is checked against a run without the monitor stopped at that
step, so a wrong step, a disturbed training stream or a rotated-away file fail.
"""

import io
import json
import os
import shutil

import numpy as np
import pytest

from helpers import assert_one_line_error, assert_same_weights, cli
from tf1gan import best, monitor, runs, train
from tf1gan.tfcompat import tf

# The planted validation FCD per check: the peak (lowest) at step 4, then clearly worse.
CURVE = {2: 50.0, 4: 20.0, 6: 30.0, 8: 40.0, 10: 45.0, 12: 50.0}
PEAK = 4


@pytest.fixture
def planted(monkeypatch):
    """The monitor's FCD and near-copy figures follow CURVE (copies 20% against a real share of 10%)."""
    # the near-copy distances: 10% of validation images are near copies; 20% of samples are
    monkeypatch.setattr(
        monitor, "nearest_distances", lambda x, ref: np.where(np.arange(len(x)) < len(x) // 10, 0.1, 1.0)
    )
    original = train._monitor

    def figures(mon, trainer, writer, step, progress):
        quality = original(mon, trainer, writer, step, progress)
        return dict(quality, **{best.FCD: CURVE[step], best.COPIES: 0.2})

    monkeypatch.setattr(train, "_monitor", figures)


def weights_of(prefix):
    reader = tf.train.load_checkpoint(prefix)
    return {name: reader.get_tensor(name) for name, _ in tf.train.list_variables(prefix)}


def test_the_watch_keeps_the_lowest_counts_since_and_warns_once_only_with_copies_too():
    watch = best.Watch(lambda: 0.1)
    seen = [watch.observe(s, fcd, 0.05) for s, fcd in sorted(CURVE.items())]
    assert [improved for improved, _ in seen] == [True, True, False, False, False, False]
    assert (watch.best_step, watch.since) == (PEAK, 4)
    assert not any(w for _, w in seen)  # FCD worse, but copies below the real share: no warning
    watch = best.Watch(lambda: 0.1)
    warnings = [watch.observe(s, fcd, 0.2)[1] for s, fcd in sorted(CURVE.items())]
    assert [bool(w) for w in warnings] == [False, False, False, False, True, False]
    assert "since step 6" in warnings[4] and "--checkpoint best" in warnings[4] and "--early-stop" in warnings[4]
    records = [{"step": s, best.FCD: f, best.COPIES: 0.2} for s, f in sorted(CURVE.items())]
    rebuilt = best.Watch.from_records(records, lambda: 0.1)
    assert (rebuilt.best_step, rebuilt.since, rebuilt.warned) == (PEAK, 4, True)


def test_best_holds_the_peak_is_sampled_and_warned_of_once(tiny, planted, tmp_path):
    config = tiny.replace(steps=12, monitor_every=2)
    stream = io.StringIO()
    result = train.train(config, str(tmp_path / "run"), stream=stream)
    assert (
        result.best == "best: step 4, validation FCD 20.00 (use it with --checkpoint best); last check: step 12, 50.00"
    )
    warnings = [line for line in stream.getvalue().splitlines() if "over-training" in line]
    assert len(warnings) == 1 and warnings[0].startswith("step 10: warning: over-training? since step 6")
    folder = runs.RunFolder(str(tmp_path / "run"))
    assert folder.best_info()["step"] == PEAK
    assert [c.step for c in folder.checkpoints()] == [6, 9, 12]  # rotation went on; the peak lives on as best
    # the peak's weights are those of the same run without the monitor, stopped at the peak
    train.train(config.replace(steps=PEAK, monitor_every=0), str(tmp_path / "peak"))
    peak = runs.RunFolder(str(tmp_path / "peak")).checkpoint()
    assert_same_weights(weights_of(folder.best_checkpoint().prefix), weights_of(peak.prefix))
    code, out, err = cli(
        "sample", "--run", tmp_path / "run", "--checkpoint", "best", "--n", 20, "--out", tmp_path / "b"
    )
    assert code == 0, err
    assert "checkpoint of step 4, the best" in out
    cli("sample", "--run", tmp_path / "peak", "--n", 20, "--out", tmp_path / "p")
    assert np.array_equal(np.load(str(tmp_path / "b.npy")), np.load(str(tmp_path / "p.npy")))
    # a copied folder, the original gone, still has its best, by relative names only
    shutil.copytree(str(tmp_path / "run"), str(tmp_path / "copy"))
    shutil.rmtree(str(tmp_path / "run"))
    code, out, err = cli(
        "sample", "--run", tmp_path / "copy", "--checkpoint", "best", "--n", 20, "--out", tmp_path / "c"
    )
    assert code == 0 and "checkpoint of step 4, the best" in out, err
    assert np.array_equal(np.load(str(tmp_path / "c.npy")), np.load(str(tmp_path / "p.npy")))
    # the training weights themselves are those of a run without the monitor
    train.train(config.replace(monitor_every=0), str(tmp_path / "plain"))
    assert_same_weights(weights_of(runs.RunFolder(str(tmp_path / "copy")).checkpoint().prefix),
                        weights_of(runs.RunFolder(str(tmp_path / "plain")).checkpoint().prefix))  # fmt: skip
    records = [json.loads(line) for line in open(str(tmp_path / "copy" / "metrics.jsonl"))]
    assert [(r["step"], r[best.FCD]) for r in records if best.FCD in r] == sorted(CURVE.items())
    events = [n for n in os.listdir(str(tmp_path / "copy")) if n.startswith("events.out")]
    fcd = [  # the monitor's own figure (the planting comes after it is logged)
        (e.step, v.simple_value)
        for e in tf.train.summary_iterator(str(tmp_path / "copy" / events[0]))
        for v in e.summary.value
        if v.tag == "quality/val_fcd"
    ]
    assert [step for step, _ in fcd] == sorted(CURVE) and all(value > 0 for _, value in fcd)


def test_early_stop_saves_stops_and_resumes_knowing_the_best_and_the_count(planted, tmp_path):
    out = str(tmp_path / "run")
    tiny = ["--hidden", 16, "--z-dim", 8, "--batch-size", 16, "--steps", 12, "--log-every", 2, "--threads", 1]
    tiny += ["--sample-every", 100, "--checkpoint-every", 100]
    code, stdout, err = cli("train", "--out", out, "--monitor-every", 2, "--early-stop", 2, *tiny)
    # checks 6 and 8 are no better than step 4's: stop after 8, with a checkpoint, exit 0
    assert code == 0 and "stopped early after step 8: 2 checks without a better validation FCD" in err, err
    assert "step 8" in stdout and "best: step 4, validation FCD 20.00" in stdout
    folder = runs.RunFolder(out)
    assert folder.checkpoint().step == 8 and folder.best_info()["step"] == PEAK
    # resumed with a count of 3: check 10 (45, not better) is the third since the peak. Had the resume forgotten
    # the count it would go on; had it forgotten the best, step 10 would become the best.
    code, stdout, err = cli("train", "--out", out, "--resume", "--early-stop", 3)
    assert code == 0 and "stopped early after step 10" in err and "(step 10," in stdout, err
    assert folder.best_info()["step"] == PEAK
    code, stdout, err = cli("train", "--out", out, "--resume")
    assert code == 0 and "(step 12," in stdout, err
    code, _, err = cli("train", "--out", tmp_path / "straight", "--monitor-every", 0, *tiny)
    assert code == 0, err
    assert_same_weights(weights_of(folder.checkpoint().prefix),
                        weights_of(runs.RunFolder(str(tmp_path / "straight")).checkpoint().prefix))  # fmt: skip


def test_a_best_written_past_the_step_resumed_from_is_dropped(tiny, planted, tmp_path):
    config = tiny.replace(steps=6, monitor_every=2, checkpoint_every=2)
    out = str(tmp_path / "run")
    train.train(config.replace(steps=4), out)
    folder = runs.RunFolder(out)
    assert folder.best_info()["step"] == 4
    train.train(config.replace(steps=3), out, resume=True, resume_from=2)  # back before the best: it goes
    assert folder.best_info() is None
    assert not [n for n in os.listdir(folder.checkpoint_dir) if n.startswith("best")]
    train.train(config, out, resume=True)  # step 4 again: the same weights are the best again
    assert folder.best_info()["step"] == 4
    assert sorted(n for n in os.listdir(folder.checkpoint_dir) if n.startswith("best")) == [
        "best.ckpt-4.data-00000-of-00001",
        "best.ckpt-4.index",
        "best.json",
    ]
    train.train(config.replace(monitor_every=0), out, force=True)  # --force clears the best with the rest
    assert folder.best_info() is None and not [n for n in os.listdir(folder.checkpoint_dir) if "best" in n]


def test_best_on_a_run_without_one_says_what_to_do(tiny, tmp_path):
    train.train(tiny, str(tmp_path / "run"))
    for command in ("sample", "export", "evaluate"):
        args = ["--run", tmp_path / "run", "--checkpoint", "best"]
        if command != "evaluate":
            args += ["--out", tmp_path / ("x" + command)]
        assert_one_line_error(cli(command, *args), 4, "no best checkpoint", "--checkpoint latest or a step number")
    code, out, _ = cli("sample", "--run", tmp_path / "run", "--checkpoint", "latest", "--n", 3, "--out", tmp_path / "l")
    assert code == 0 and "checkpoint of step 6, the latest" in out


def test_early_stop_needs_the_monitor(tiny, tmp_path):
    assert_one_line_error(
        cli("train", "--out", tmp_path / "r", "--monitor-every", "0", "--early-stop", "2", "--steps", "2"),
        2,
        "--early-stop",
        "--monitor-every",
    )
    assert not os.path.exists(str(tmp_path / "r"))
