"""The graph: scopes, what each train op touches, the alternation order, the losses and the seeds."""

import numpy as np
import pytest

from tf1gan import model
from tf1gan.tfcompat import tf


def build(config, n=64, extra_ops=0):
    graph = tf.Graph()
    with graph.as_default():
        for _ in range(extra_ops):  # unrelated random ops that shift graph-level seeds
            tf.random.uniform([3])
        g = model.build_gan(config, num_images=n)
        init = tf.global_variables_initializer()
    return graph, g, init


def session(graph, g, init, images):
    sess = tf.Session(
        graph=graph, config=tf.ConfigProto(intra_op_parallelism_threads=1, inter_op_parallelism_threads=1)
    )
    sess.run(init)
    sess.run(g.inputs.data_images.initializer, {g.inputs.data_init: images})
    return sess


def feed(g, n=16, b=0):
    return {g.inputs.batch_index: np.arange(b * n, (b + 1) * n, dtype=np.int32) % 64, g.inputs.batch_number: b}


def values(sess, variables):
    return {v.op.name: sess.run(v) for v in variables}


def test_scopes_are_separate(tiny):
    graph, g, _ = build(tiny)
    g_names = [v.op.name for v in g.model.g_vars]
    d_names = [v.op.name for v in g.model.d_vars]
    assert g_names and all(n.startswith("generator/") for n in g_names)
    assert d_names and all(n.startswith("discriminator/") for n in d_names)
    assert not set(g_names) & set(d_names)
    with graph.as_default():
        assert set(tf.trainable_variables()) == set(g.model.g_vars) | set(g.model.d_vars)
    # one set of D weights serves the real and the fake batch (and the G step's tower)
    assert len(d_names) == 2 * (len(tiny.d_hidden) + 1)


def test_discriminator_op_changes_no_generator_variable_and_vice_versa(tiny, mnist10k):
    graph, g, init = build(tiny)
    with session(graph, g, init, mnist10k.train.images[:64]) as sess:
        before_g, before_d = values(sess, g.model.g_vars), values(sess, g.model.d_vars)
        sess.run(g.train_ops.d_train, feed(g))
        after_g, after_d = values(sess, g.model.g_vars), values(sess, g.model.d_vars)
        assert all(np.array_equal(before_g[k], after_g[k]) for k in before_g)
        assert all(not np.array_equal(before_d[k], after_d[k]) for k in before_d if k.endswith("/w"))
        sess.run(g.train_ops.g_train, feed(g, b=1))
        final_g, final_d = values(sess, g.model.g_vars), values(sess, g.model.d_vars)
        assert all(np.array_equal(after_d[k], final_d[k]) for k in after_d)
        assert all(not np.array_equal(after_g[k], final_g[k]) for k in after_g if k.endswith("/w"))


def test_fused_step_sees_the_updated_discriminator(tiny, mnist10k):
    graph, g, init = build(tiny)
    images = mnist10k.train.images[:64]
    with session(graph, g, init, images) as sess:
        before = sess.run(g.loss.g_loss, feed(g))
        fused = sess.run([g.train_ops.train_step, g.train_ops.g_loss_step], feed(g))[1]
    with session(graph, g, init, images) as sess:  # same initial weights: seeded initialisers
        sess.run(g.train_ops.d_train, feed(g))
        after_d_step = sess.run(g.loss.g_loss, feed(g))
    assert fused == after_d_step
    assert fused != before


def test_fused_step_equals_two_op_alternation(tiny, mnist10k):
    graph, g, init = build(tiny)
    images = mnist10k.train.images[:64]
    with session(graph, g, init, images) as sess:
        for b in range(3):
            sess.run(g.train_ops.train_step, feed(g, b=b))
        fused = values(sess, g.model.g_vars + g.model.d_vars + g.samples.ema_vars)
    with session(graph, g, init, images) as sess:
        for b in range(3):
            sess.run(g.train_ops.d_train, feed(g, b=b))
            sess.run(g.train_ops.g_train, feed(g, b=b))
        separate = values(sess, g.model.g_vars + g.model.d_vars + g.samples.ema_vars)
    for name in fused:
        np.testing.assert_allclose(fused[name], separate[name], rtol=1e-5, atol=1e-6, err_msg=name)


def test_losses_stay_finite_for_extreme_logits():
    graph = tf.Graph()
    with graph.as_default():
        logits = tf.constant([100.0, -100.0])
        from tf1gan.config import Config

        ours = [
            model.discriminator_loss(logits, logits, Config()),
            model.generator_loss(logits, Config()),
            model.generator_loss(logits, Config(loss="minimax")),
        ]
        d = tf.sigmoid(logits)
        naive = [
            -tf.reduce_mean(tf.log(d) + tf.log(1.0 - d)),
            -tf.reduce_mean(tf.log(d)),
            tf.reduce_mean(tf.log(1.0 - d)),
        ]
        with tf.Session() as sess:
            ours, naive = sess.run([ours, naive])
    assert np.all(np.isfinite(ours))
    assert not np.all(np.isfinite(naive))
    # each term is the exact cross-entropy: log(1 + e^100) ~ 100
    np.testing.assert_allclose(ours, [100.0, 50.0, -50.0], rtol=1e-6)


def test_minimax_loss_is_log_one_minus_d():
    from tf1gan.config import Config

    logits = np.array([-3.0, 0.0, 2.5], np.float32)
    with tf.Graph().as_default(), tf.Session() as sess:
        mm, ns = sess.run(
            [
                model.generator_loss(tf.constant(logits), Config(loss="minimax")),
                model.generator_loss(tf.constant(logits), Config()),
            ]
        )
    d = 1 / (1 + np.exp(-logits.astype(np.float64)))
    np.testing.assert_allclose(mm, np.mean(np.log(1 - d)), rtol=1e-6)
    np.testing.assert_allclose(ns, -np.mean(np.log(d)), rtol=1e-6)


def test_initial_weights_do_not_depend_on_other_ops_in_the_graph(tiny, mnist10k):
    results = []
    for extra in (0, 7):
        graph, g, init = build(tiny, extra_ops=extra)
        with session(graph, g, init, mnist10k.train.images[:64]) as sess:
            results.append(values(sess, g.model.g_vars + g.model.d_vars))
    assert all(np.array_equal(results[0][k], results[1][k]) for k in results[0])
    graph, g, init = build(tiny.replace(seed=1))
    with session(graph, g, init, mnist10k.train.images[:64]) as sess:
        other = values(sess, g.model.g_vars)
    assert not np.array_equal(other["generator/hidden1/w"], results[0]["generator/hidden1/w"])


def test_every_random_op_has_its_own_seed(tiny):
    graph, _, _ = build(tiny)
    random_ops = [
        op for op in graph.get_operations() if op.type in ("RandomUniform", "RandomStandardNormal", "TruncatedNormal")
    ]
    assert random_ops
    assert all(op.get_attr("seed2") != 0 for op in random_ops)


def test_average_starts_at_the_generator_and_follows_it(tiny, mnist10k):
    graph, g, init = build(tiny)
    with session(graph, g, init, mnist10k.train.images[:64]) as sess:
        z = np.random.RandomState(0).normal(size=(5, tiny.z_dim)).astype(np.float32)
        live, avg = sess.run([g.samples.g_sample, g.samples.ema_sample], {g.inputs.Z: z})
        np.testing.assert_array_equal(live, avg)
        for b in range(4):
            sess.run(g.train_ops.train_step, feed(g, b=b))
        live, avg = sess.run([g.samples.g_sample, g.samples.ema_sample], {g.inputs.Z: z})
        assert not np.array_equal(live, avg)
        assert 0.0 <= avg.min() and avg.max() <= 1.0


@pytest.mark.parametrize("output", ["sigmoid", "tanh"])
def test_samples_are_images_in_unit_range(tiny, output):
    graph, g, init = build(tiny.replace(output=output))
    with tf.Session(graph=graph) as sess:
        sess.run(init)
        out = sess.run(g.samples.g_sample, {g.inputs.Z: 50 * np.ones((3, tiny.z_dim), np.float32)})
    assert out.shape == (3, 784) and out.min() >= 0.0 and out.max() <= 1.0


def test_feed_mode_has_plain_placeholders(tiny):
    graph, g, _ = build(tiny.replace(input="feed"))
    assert g.inputs.X.op.type == "Placeholder" and g.inputs.Z.op.type == "Placeholder"
    assert g.inputs.data_images is None and g.inputs.batch_index is None
    assert g.inputs.X.shape.as_list() == [None, 784] and g.inputs.Z.shape.as_list() == [None, tiny.z_dim]
