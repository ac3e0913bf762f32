"""The golden snapshots: the current code matches them, and the check catches a real change.

Snapshots are computed once per session (about half a minute for both presets);
each perturbation recomputes only what it affects.
"""
import json

import numpy as np
import pytest

from tf1gan import golden, model, train


@pytest.fixture(scope="module")
def current():
    return golden.snapshots()


def test_snapshots_match_the_saved_ones(current):
    results = golden.check(current=current)
    assert [name for name, *_ in results] == list(current)
    assert golden.verdict_ok(results), golden.format_results(results)


def test_snapshot_files_are_readable_json_with_metadata():
    for name in ("structure_default", "outputs_default", "trace_default", "outputs_article", "listing"):
        doc = json.load(open(golden.path_of(name)))
        assert {"tf1gan", "tensorflow", "numpy", "python", "platform", "config", "seed"} <= set(doc["meta"])
    trace = json.load(open(golden.path_of("trace_default")))["data"]
    assert len(trace["losses"]) == golden.TRACE_STEPS
    structure = json.load(open(golden.path_of("structure_default")))["data"]
    assert all(v.startswith("discriminator/") for v in structure["updates"]["d_train"])


def moved(results):
    return [name for name, verdict, _, _ in results if verdict == "differs"]


def only(current, *names):
    return {n: current[n] for n in names}


def test_check_catches_an_initializer_scale(current, monkeypatch):
    real = model.tf.glorot_uniform_initializer
    monkeypatch.setattr(model.tf, "glorot_uniform_initializer",
                        lambda seed=None: model.tf.variance_scaling_initializer(1.1, "fan_avg", "uniform", seed=seed))
    try:
        now = golden.snapshots()
    finally:
        monkeypatch.setattr(model.tf, "glorot_uniform_initializer", real)
    assert set(moved(golden.check(current=now))) >= {"outputs_default", "trace_default", "outputs_article"}
    assert "structure_default" not in moved(golden.check(current=now))


def test_check_catches_a_seed_change(monkeypatch):
    derive = model.derive_seed
    monkeypatch.setattr(model, "derive_seed", lambda seed, *names: derive(seed + 1, *names))
    assert "outputs_default" in moved(golden.check(current=golden.snapshots()))


def test_check_catches_the_order_of_the_alternating_steps(monkeypatch):
    def g_then_d(self, step, fetch_summary=False):
        feed = self._feed(step)
        g = self.g
        self.sess.run(g.g_train, feed)
        out = self.sess.run([g.d_train, g.d_loss, g.g_loss, g.d_real, g.d_fake], feed)
        return dict(zip(train.METRIC_KEYS, (float(v) for v in out[1:5]))), None

    monkeypatch.setattr(train.Trainer, "step", g_then_d)
    results = golden.check(current=golden.snapshots())
    assert "trace_default" in moved(results) and "outputs_default" not in moved(results)
    assert "trace_default" in golden.format_results(results)


def test_check_catches_a_loss_change(monkeypatch):
    nonsat = model.generator_loss
    monkeypatch.setattr(model, "generator_loss", lambda logits, config: nonsat(logits, config.replace(loss="minimax")))
    results = golden.check(current=golden.snapshots())
    assert {"outputs_default", "trace_default"} <= set(moved(results))


def test_tolerance_policy_across_platforms(current):
    saved = json.loads(json.dumps(current["outputs_default"]))
    nudged = json.loads(json.dumps(saved))
    nudged["data"]["d_loss"] = saved["data"]["d_loss"] * (1 + 1e-7)
    nudged["data"]["g_samples"]["sha256"] = "0" * 64
    assert golden.compare("outputs_default", saved["data"], nudged["data"], bitwise=True)
    diffs = golden.compare("outputs_default", saved["data"], nudged["data"], bitwise=False)
    assert [d.status for d in diffs] == ["within tolerance"]
    nudged["data"]["d_loss"] = saved["data"]["d_loss"] * 1.01
    assert golden.compare("outputs_default", saved["data"], nudged["data"], bitwise=False)[0].status == "differs"
