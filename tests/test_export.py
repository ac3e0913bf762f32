"""tf1gan export: the SavedModel and the frozen graph give the samples tf1gan sample gives."""

import json
import os

import numpy as np
import pytest

from helpers import cli
from tf1gan import export, sample, train
from tf1gan.errors import RunError
from tf1gan.tfcompat import tf


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from tf1gan.config import Config

    out = str(tmp_path_factory.mktemp("export") / "run")
    train.train(
        Config(
            z_dim=8,
            g_hidden=(16,),
            d_hidden=(16,),
            batch_size=16,
            steps=6,
            checkpoint_every=3,
            sample_every=6,
            monitor_every=0,
            threads=1,
        ),
        out,
    )
    return out


def test_saved_model_and_frozen_graph_match_sample(run, tmp_path):
    out = str(tmp_path / "exported")
    code, _, stderr = cli("export", "--run", run, "--out", out)
    assert code == 0, stderr
    assert sorted(os.listdir(out)) == ["export.json", "generator_frozen.pb", "saved_model"]
    info = json.load(open(os.path.join(out, "export.json")))
    assert info["z_dim"] == 8 and info["weights"] == "moving average"
    gen = sample.Generator(run)
    try:
        z = gen.noise(20, seed=5)
        expected = gen.sample(z)
    finally:
        gen.close()
    with tf.Graph().as_default() as graph, tf.Session(graph=graph) as sess:  # a fresh session, nothing of ours
        meta = tf.saved_model.loader.load(
            sess, [tf.saved_model.tag_constants.SERVING], os.path.join(out, "saved_model")
        )
        signature = meta.signature_def["serving_default"]
        images = sess.run(signature.outputs["images"].name, {signature.inputs["z"].name: z})
    np.testing.assert_array_equal(images, expected)
    graph_def = tf.GraphDef()
    graph_def.ParseFromString(open(os.path.join(out, "generator_frozen.pb"), "rb").read())
    with tf.Graph().as_default() as graph:
        tf.import_graph_def(graph_def, name="")
        with tf.Session(graph=graph) as sess:
            frozen = sess.run("images:0", {"Z:0": z})
    np.testing.assert_allclose(frozen, expected, rtol=1e-6, atol=1e-6)
    assert 0.0 <= images.min() and images.max() <= 1.0 and images.shape == (20, 784)


def test_existing_export_needs_force(run, tmp_path):
    out = str(tmp_path / "exported")
    export.export(run, out)
    with pytest.raises(RunError, match="already exists"):
        export.export(run, out)
    export.export(run, out, force=True)
    assert os.path.exists(os.path.join(out, "saved_model", "saved_model.pb"))
