"""Training runs: every artefact written, bitwise repeatable, resume equal to an uninterrupted run."""

import json
import os

import numpy as np
import pytest

from helpers import assert_same_weights, checkpoint_weights
from tf1gan import runs, train
from tf1gan.errors import NonFiniteLossError, RunError
from tf1gan.tfcompat import tf


def test_a_few_steps_write_every_artefact(tiny, tmp_path):
    out = str(tmp_path / "run")
    result = train.train(tiny, out)
    assert result.step == 6
    names = set(os.listdir(out))
    assert {"config.json", "metrics.jsonl", "loss_curve.png", "samples", "checkpoints"} <= names
    assert any(n.startswith("events.out.tfevents.") for n in names)
    assert sorted(os.listdir(os.path.join(out, "samples"))) == ["step_000003.png", "step_000006.png"]
    doc = json.load(open(os.path.join(out, "config.json")))
    assert doc["config"]["seed"] == tiny.seed and doc["config"]["g_hidden"] == [16]
    assert {"python", "tensorflow", "numpy", "tf1gan"} <= set(doc["versions"])
    records = [json.loads(line) for line in open(os.path.join(out, "metrics.jsonl"))]
    assert [r["step"] for r in records] == [2, 4, 6]
    for r in records:
        assert {"step", "elapsed_s", "d_loss", "g_loss", "d_real", "d_fake"} <= set(r)
        assert all(np.isfinite(r[k]) for k in ("d_loss", "g_loss")) and 0 <= r["d_real"] <= 1
    assert [r["elapsed_s"] for r in records] == sorted(r["elapsed_s"] for r in records)
    assert 0 <= records[0]["cpu_s"] <= records[-1]["cpu_s"]  # the process's CPU time, cumulative
    weights = checkpoint_weights(out)
    assert any(n.startswith("generator/") for n in weights) and any(n.startswith("discriminator/") for n in weights)
    assert weights["global_step"] == 6
    # TensorBoard got the scalars and the sample images
    tags = set()
    for name in names:
        if name.startswith("events.out"):
            for event in tf.train.summary_iterator(os.path.join(out, name)):
                tags.update(v.tag for v in event.summary.value)
    assert {"loss/discriminator", "loss/generator", "D/real", "D/fake"} <= tags
    assert any(t.startswith("samples") for t in tags)


@pytest.mark.parametrize("mode,net", [("graph", "mlp"), ("feed", "mlp"), ("graph", "conv")])
def test_same_seed_same_weights_bitwise(tiny, tiny_conv, tmp_path, mode, net):
    config = (tiny_conv if net == "conv" else tiny).replace(input=mode)
    train.train(config, str(tmp_path / "a"))
    train.train(config, str(tmp_path / "b"))
    assert_same_weights(checkpoint_weights(str(tmp_path / "a")), checkpoint_weights(str(tmp_path / "b")))
    la = [json.loads(line)["d_loss"] for line in open(str(tmp_path / "a" / "metrics.jsonl"))]
    lb = [json.loads(line)["d_loss"] for line in open(str(tmp_path / "b" / "metrics.jsonl"))]
    assert la == lb


@pytest.mark.parametrize(
    "mode,d_steps,net", [("graph", 1, "mlp"), ("feed", 1, "mlp"), ("graph", 2, "mlp"), ("graph", 2, "conv")]
)
def test_resume_ends_with_the_weights_of_an_uninterrupted_run(tiny, tiny_conv, tmp_path, mode, d_steps, net):
    """Every checkpointed variable, batch-norm moving statistics included, as in an uninterrupted run."""
    config = (tiny_conv if net == "conv" else tiny).replace(input=mode, d_steps=d_steps)
    train.train(config, str(tmp_path / "straight"))
    train.train(config.replace(steps=3), str(tmp_path / "resumed"))
    train.train(config, str(tmp_path / "resumed"), resume=True)
    assert_same_weights(checkpoint_weights(str(tmp_path / "straight")), checkpoint_weights(str(tmp_path / "resumed")))
    records = [json.loads(line) for line in open(str(tmp_path / "resumed" / "metrics.jsonl"))]
    assert [r["step"] for r in records] == [2, 3, 4, 6]  # the first part logged its last step, 3
    # elapsed and CPU time go on from the first part's, not from zero
    for clock in ("elapsed_s", "cpu_s"):
        assert [r[clock] for r in records] == sorted(r[clock] for r in records) and records[1][clock] > 0


def test_different_seeds_differ(tiny, tmp_path):
    train.train(tiny, str(tmp_path / "a"))
    train.train(tiny.replace(seed=1), str(tmp_path / "b"))
    a, b = checkpoint_weights(str(tmp_path / "a")), checkpoint_weights(str(tmp_path / "b"))
    assert not np.array_equal(a["generator/out/w"], b["generator/out/w"])


def test_existing_run_is_not_overwritten_without_force(tiny, tmp_path):
    out = str(tmp_path / "run")
    train.train(tiny, out)
    before = checkpoint_weights(out)
    with pytest.raises(RunError, match="already holds a run"):
        train.train(tiny.replace(seed=5), out)
    assert_same_weights(before, checkpoint_weights(out))
    train.train(tiny.replace(seed=5), out, force=True)
    assert not np.array_equal(before["generator/out/w"], checkpoint_weights(out)["generator/out/w"])


def test_absurd_learning_rate_stops_on_a_non_finite_loss(tiny, tmp_path):
    with pytest.raises(NonFiniteLossError, match=r"^step \d+: (d_loss|g_loss) is (nan|inf);"):
        train.train(tiny.replace(lr_g=1e30, lr_d=1e30), str(tmp_path / "bad"))


def test_non_finite_loss_keeps_the_last_good_checkpoint(tiny, tmp_path, monkeypatch):
    out = str(tmp_path / "run")
    train.train(tiny.replace(steps=3), out)
    good = checkpoint_weights(out)
    feed = train.Trainer.feed

    def poisoned(self, b):  # NaN noise in batch 4, i.e. step 5
        batch = feed(self, b)
        if b == 4:
            batch[self.gan.inputs.Z] = np.full((tiny.batch_size, tiny.z_dim), np.nan, np.float32)
        return batch

    monkeypatch.setattr(train.Trainer, "feed", poisoned)
    with pytest.raises(NonFiniteLossError, match=r"^step 5: d_loss is nan"):
        train.train(tiny, out, resume=True)
    assert runs.RunFolder(out).checkpoint().step == 3
    assert_same_weights(good, checkpoint_weights(out))
