"""--arch dcgan: the convolutional networks, and each TF1 batch-norm pitfall pinned by a test (docs/pitfalls.md).

Tiny widths (``TINY_CONV``: 8 and 4 channels, batch 16) keep every test here to seconds; the one run of the
preset at its own widths is marked slow.
"""

import os

import numpy as np
import pytest

from helpers import (
    assert_one_line_error,
    assert_same_weights,
    build,
    checkpoint_weights,
    cli,
    feed,
    session,
    statistics,
    values,
)
from tf1gan import convnets, export, golden, model, runs, sample, train
from tf1gan.config import preset
from tf1gan.tfcompat import tf

SCOPES = ("generator", "discriminator", "generator_ema")
# each scope's first batch-normalised layer: D has none on its input layer, as in DCGAN
FIRST_BN = {"generator": "hidden1", "discriminator": "hidden2", "generator_ema": "hidden1"}


def stats_of(sess, graph, scope):
    """{name: value} of the moving statistics under ``scope``/."""
    return values(sess, [v for v in statistics(graph) if v.op.name.startswith(scope + "/")])


def moved(before, after):
    """Names whose values changed."""
    return {k for k in before if not np.array_equal(before[k], after[k])}


def batch_moments(graph, output, layer):
    """(batch mean, batch variance) tensors of the training-mode batch norm of ``layer`` in the pass of ``output``."""
    prefix = output.op.name.rpartition("/")[0] + "/" + layer + "/"
    (op,) = [o for o in graph.get_operations() if o.type.startswith("FusedBatchNorm") and o.name.startswith(prefix)]
    return op.outputs[1], op.outputs[2]


# pitfall 4: moving statistics missing from the checkpoint, or trained by an optimiser


def test_moving_statistics_are_global_never_trainable_and_have_no_optimiser_slots(tiny_conv):
    graph, g, _ = build(tiny_conv)
    with graph.as_default():
        stats = statistics(graph)
        names = {v.op.name for v in stats}
        for scope, layer in FIRST_BN.items():
            assert {"%s/%s/moving_%s" % (scope, layer, s) for s in ("mean", "variance")} <= names
        assert "discriminator/hidden1/moving_mean" not in names
        assert not set(stats) & set(tf.trainable_variables())  # so no var_list of ours can hold them
        assert set(stats) <= set(tf.global_variables())  # so tf.train.Saver() saves them
        assert not [v for v in tf.global_variables() if "moving_" in v.op.name and "adam" in v.op.name]


# pitfalls 1 and 2: update ops that never run, or run with the other network's train op


def test_each_train_op_moves_its_own_networks_statistics_and_no_other(tiny_conv, mnist10k):
    graph, g, init = build(tiny_conv)
    with session(graph, g, init, mnist10k.train.images[:64]) as sess:
        before = {s: stats_of(sess, graph, s) for s in SCOPES}
        sess.run(g.train_ops.d_train, feed(g))
        after_d = {s: stats_of(sess, graph, s) for s in SCOPES}
        assert moved(before["discriminator"], after_d["discriminator"]) == set(before["discriminator"])
        assert not moved(before["generator"], after_d["generator"])
        assert not moved(before["generator_ema"], after_d["generator_ema"])
        sess.run(g.train_ops.g_train, feed(g, b=1))
        after_g = {s: stats_of(sess, graph, s) for s in SCOPES}
        assert not moved(after_d["discriminator"], after_g["discriminator"])
        for s in ("generator", "generator_ema"):
            assert moved(after_d[s], after_g[s]) == set(after_d[s])
        sess.run(g.train_ops.train_step, feed(g, b=2))
        after_both = {s: stats_of(sess, graph, s) for s in SCOPES}
        for s in SCOPES:
            assert moved(after_g[s], after_both[s]) == set(after_g[s])


def test_minimize_alone_never_moves_the_statistics_and_a_scope_filter_takes_every_pass_or_none(tiny_conv, mnist10k):
    """Why the train ops are built as they are: the two ways TF1 code usually gets this wrong."""
    graph, g, init = build(tiny_conv)
    with graph.as_default():
        plain = tf.train.GradientDescentOptimizer(0.1).minimize(g.loss.d_loss, var_list=g.model.d_vars)
        init = tf.global_variables_initializer()
        bare = tf.get_collection(tf.GraphKeys.UPDATE_OPS, "discriminator")  # a prefix match on op names
        every = [op for op in tf.get_collection(tf.GraphKeys.UPDATE_OPS) if "/discriminator/" in op.name]
    with session(graph, g, init, mnist10k.train.images[:64]) as sess:
        stats, weights = stats_of(sess, graph, "discriminator"), values(sess, g.model.d_vars)
        sess.run(plain, feed(g))
        assert moved(weights, values(sess, g.model.d_vars))
        assert not moved(stats, stats_of(sess, graph, "discriminator"))
    # one batch-norm layer in the tiny D, two statistics: the real pass's two update ops, or six for
    # the real, the fake and the G step's passes together (run at once, they would race); each pass
    # has a name scope of its own (d_on_real/, d_on_fake/, g_step_d/), so the bare name finds none
    assert len(convnets.batch_norm_updates(g.model.d_real_logits)) == 2
    assert len(every) == 6 and bare == []


def test_discriminator_statistics_follow_the_real_batch(tiny_conv, mnist10k):
    graph, g, init = build(tiny_conv)
    real = batch_moments(graph, g.model.d_real_logits, "hidden2")
    fake = batch_moments(graph, g.model.d_fake_logits, "hidden2")
    momentum = convnets.BN_MOMENTUM
    with session(graph, g, init, mnist10k.train.images[:64]) as sess:
        _, real, fake = sess.run([g.train_ops.d_train, real, fake], feed(g))
        stats = stats_of(sess, graph, "discriminator")
    mean, var = stats["discriminator/hidden2/moving_mean"], stats["discriminator/hidden2/moving_variance"]
    np.testing.assert_allclose(mean, (1 - momentum) * real[0], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(var, momentum + (1 - momentum) * real[1], rtol=1e-5, atol=1e-7)
    assert not np.allclose(mean, (1 - momentum) * fake[0], rtol=1e-3, atol=1e-5)


# pitfall 5: real and fake batches in one batch-norm batch, or apart, without a decision


def test_real_and_fake_batches_are_normalised_apart(tiny_conv, mnist10k):
    """D normalises the real batch by its own statistics: its logits on it do not depend on the fake batch.

    A joint batch would make them depend on it; the last lines show that this test would see one.
    """
    graph, g, init = build(tiny_conv)
    with graph.as_default():
        joint = model.discriminator(tf.concat([g.inputs.X * 2.0 - 1.0, g.model.g_output], 0), tiny_conv, None)
        init = tf.global_variables_initializer()
    z = [np.random.RandomState(s).normal(size=(16, tiny_conv.z_dim)).astype(np.float32) for s in (1, 2)]
    fetches = [g.model.d_real_logits, g.model.d_fake_logits, joint]
    with session(graph, g, init, mnist10k.train.images[:64]) as sess:
        (real1, fake1, joint1), (real2, fake2, joint2) = [sess.run(fetches, {**feed(g), g.inputs.Z: zz}) for zz in z]
    np.testing.assert_array_equal(real1, real2)
    assert not np.allclose(fake1, fake2)
    assert not np.allclose(joint1[:16], joint2[:16], rtol=1e-4, atol=1e-4)


# pitfall 3: training mode left on where samples are drawn


@pytest.fixture(scope="module", params=[0.999, 0.0], ids=["ema", "no-ema"])
def conv_run(request, tmp_path_factory, tiny_conv):
    out = str(tmp_path_factory.mktemp("conv") / "run")
    train.train(tiny_conv.replace(ema_decay=request.param, steps=12, sample_every=12, checkpoint_every=12), out)
    return out


def _one_and_hundred(fn, z):
    """Sample 0 and 37 drawn alone, and drawn inside the batch of 100."""
    alone = np.concatenate([fn(z[i : i + 1]) for i in (0, 37)])
    together = fn(z)[[0, 37]]
    return alone, together


def test_samples_do_not_depend_on_the_rest_of_their_batch(conv_run, tmp_path, mnist10k):
    config = runs.RunFolder(conv_run).read_config()
    z = model.noise_batch(config, 100, np.random.RandomState(3))
    sources = {}
    folder = runs.RunFolder(conv_run)
    with train.Trainer(config, mnist10k, "cpu", folder) as trainer:
        trainer.start(folder.checkpoint())
        sources["training graph"] = _one_and_hundred(trainer.samples, z)
        live = trainer.gan.model.g_output  # the training pass (batch statistics), in [-1, 1]
        batch_mode = _one_and_hundred(lambda zz: trainer.session.run(live, {trainer.gan.inputs.Z: zz}), z)
    gen = sample.Generator(conv_run)
    try:
        sources["tf1gan sample"] = _one_and_hundred(gen.sample, z)
    finally:
        gen.close()
    out = str(tmp_path / "export")
    export.export(conv_run, out)
    with tf.Graph().as_default() as graph, tf.Session(graph=graph) as sess:
        meta = tf.saved_model.loader.load(
            sess, [tf.saved_model.tag_constants.SERVING], os.path.join(out, "saved_model")
        )
        sig = meta.signature_def["serving_default"]
        saved = _one_and_hundred(lambda zz: sess.run(sig.outputs["images"].name, {sig.inputs["z"].name: zz}), z)
        sources["SavedModel"] = saved
    graph_def = tf.GraphDef()
    graph_def.ParseFromString(open(os.path.join(out, "generator_frozen.pb"), "rb").read())
    assert not [n for n in graph_def.node if n.op.startswith("FusedBatchNorm") and n.attr["is_training"].b]
    with tf.Graph().as_default() as graph:
        tf.import_graph_def(graph_def, name="")
        with tf.Session(graph=graph) as sess:
            sources["frozen graph"] = _one_and_hundred(lambda zz: sess.run("images:0", {"Z:0": zz}), z)
    for name, (alone, together) in sources.items():
        np.testing.assert_allclose(alone, together, rtol=0, atol=1e-6, err_msg=name)
    np.testing.assert_allclose(sources["SavedModel"][1], sources["tf1gan sample"][1], rtol=0, atol=1e-6)
    np.testing.assert_allclose(sources["training graph"][1], sources["tf1gan sample"][1], rtol=0, atol=1e-6)
    # the test can fail: in training mode a sample drawn alone is another image
    assert np.abs(batch_mode[0] - batch_mode[1]).max() > 0.1


# the moving average of G: its own statistics


def test_the_average_normalises_by_statistics_of_its_own_activations(tiny_conv, mnist10k):
    """After one step, G's and the average's first-layer statistics are those of their own weights.

    Layer 1 is dense without bias, so its batch mean is mean(z) @ w per channel: the live
    generator's with its weights before the step (its training pass), the average's with its
    weights after the step (it runs once they have moved).
    """
    graph, g, init = build(tiny_conv)
    variables = {v.op.name: v for v in graph.get_collection(tf.GraphKeys.GLOBAL_VARIABLES)}
    w = {s: variables[s + "/hidden1/w"] for s in ("generator", "generator_ema")}
    with session(graph, g, init, mnist10k.train.images[:64]) as sess:
        w_before = sess.run(w["generator"])
        z = sess.run(g.inputs.Z, feed(g))
        sess.run(g.train_ops.train_step, feed(g))
        w_ema_after = sess.run(w["generator_ema"])
        got = {s: stats_of(sess, graph, s)[s + "/hidden1/moving_mean"] for s in w}
    c, momentum = tiny_conv.g_hidden[0], convnets.BN_MOMENTUM

    def predicted(weights):
        return (1 - momentum) * (z.astype(np.float64) @ weights).reshape(len(z), 7, 7, c).mean(axis=(0, 1, 2))

    np.testing.assert_allclose(got["generator"], predicted(w_before), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(got["generator_ema"], predicted(w_ema_after), rtol=1e-4, atol=1e-6)
    assert not np.allclose(got["generator_ema"], got["generator"], rtol=1e-3, atol=1e-6)


# data layout


def test_both_layouts_hold_the_same_weights(tiny_conv):
    """Names, shapes and initial values: a checkpoint of one layout loads into the other (runs on any CPU)."""
    initial = []
    for fmt in ("NHWC", "NCHW"):
        graph, g, init = build(tiny_conv.replace(data_format=fmt, input="feed"))
        with tf.Session(graph=graph) as sess:
            sess.run(init)  # initialisers only: no convolution runs
            initial.append(values(sess, graph.get_collection(tf.GraphKeys.GLOBAL_VARIABLES)))
    assert_same_weights(*initial)


def test_both_layouts_compute_the_same_numbers(tiny_conv, mnist10k):
    """NHWC and NCHW agree within the golden tolerances: the untrained graph's (rtol 1e-5, atol 1e-6) and, after
    three steps, where Adam turns last-bit differences into up to the learning rate, the trace's (docs/pitfalls.md).
    """
    why = convnets.layout_error(tiny_conv.replace(data_format="NCHW"), "cpu")
    if why:
        pytest.skip("no NCHW kernels on this CPU with this TensorFlow: %s" % why)
    x = mnist10k.train.images[:16] / np.float32(255)
    z = model.noise_batch(tiny_conv, 16, np.random.RandomState(0))
    results = []
    for fmt in ("NHWC", "NCHW"):
        graph, g, init = build(tiny_conv.replace(data_format=fmt, input="feed"))
        fed = {g.inputs.X: x, g.inputs.Z: z, g.inputs.batch_number: 0}
        with tf.Session(graph=graph) as sess:
            sess.run(init)
            first = sess.run([g.model.g_output, g.samples.g_sample, g.model.d_real_logits, g.loss.d_loss], fed)
            for _ in range(3):
                sess.run(g.train_ops.train_step, fed)
            results.append((first, values(sess, graph.get_collection(tf.GraphKeys.GLOBAL_VARIABLES))))
    (first_a, weights_a), (first_b, weights_b) = results
    for a, b in zip(first_a, first_b):
        np.testing.assert_allclose(a, b, **golden.OUTPUT_TOL)
    for name in weights_a:
        np.testing.assert_allclose(weights_a[name], weights_b[name], err_msg=name, **golden.TRACE_TOL)


def test_nchw_trains_where_this_tensorflow_has_the_kernels_and_is_refused_where_not(tmp_path):
    args = ["train", "--arch", "dcgan", "--hidden", "4,4", "--batch-size", "8", "--steps", "2"]
    args += ["--monitor-every", "0", "--threads", "1", "--device", "cpu", "--data-format", "NCHW"]
    out = str(tmp_path / "run")
    why = convnets.layout_error(preset("dcgan").replace(data_format="NCHW"), "cpu")
    result = cli(*args + ["--out", out])
    if why:  # TensorFlow 1.15: its CPU kernels take NHWC only
        assert_one_line_error(result, 2, "--data-format NCHW", "use NHWC")
        assert not os.path.exists(out)
    else:
        assert result[0] == 0, result[2]
        assert runs.RunFolder(out).checkpoint().step == 2


def test_a_width_that_cannot_fit_is_refused_before_anything_is_allocated(tmp_path):
    out = str(tmp_path / "run")
    result = cli("train", "--arch", "dcgan", "--hidden", "200000,100000", "--out", out)
    assert_one_line_error(result, 2, "needs about", "of memory")
    assert not os.path.exists(out)


@pytest.mark.slow
def test_the_preset_trains_resumes_bitwise_samples_exports_and_evaluates(tmp_path):
    """``tf1gan train --arch dcgan`` at its own widths, end to end through the command line."""
    common = ["--arch", "dcgan", "--checkpoint-every", "3", "--sample-every", "6", "--log-every", "3"]
    common += ["--monitor-every", "0", "--threads", "2"]
    straight, resumed = str(tmp_path / "straight"), str(tmp_path / "resumed")
    assert cli("train", *common + ["--steps", "6", "--out", straight])[0] == 0
    assert cli("train", *common + ["--steps", "3", "--out", resumed])[0] == 0
    code, stdout, stderr = cli("train", "--out", resumed, "--resume", "--steps", "6")
    assert code == 0, stderr
    weights = checkpoint_weights(resumed)
    assert_same_weights(checkpoint_weights(straight), weights)
    assert weights["global_step"] == 6
    for scope, layer in FIRST_BN.items():  # the statistics came back from the checkpoint and moved on
        assert np.abs(weights["%s/%s/moving_mean" % (scope, layer)]).max() > 0
    code, _, stderr = cli("sample", "--run", resumed, "--n", "30", "--out", str(tmp_path / "s.npy"))
    assert code == 0, stderr
    code, _, stderr = cli("export", "--run", resumed, "--out", str(tmp_path / "export"))
    assert code == 0, stderr
    code, stdout, stderr = cli("evaluate", "--run", resumed, "--n", "300")
    assert code == 0, stderr
    assert "classifier score" in stdout
