"""The article's formulas (sections 3.2, 3.3, 4 and the appendix), re-derived and checked.

Where a formula involves D and G, it is evaluated on tf1gan's own networks with a
real batch and a separate batch of fakes: the article's objectives take
expectations over two different distributions, and algebra on one array would
hide exactly that.
"""

import numpy as np
import pytest

from tf1gan import data, model
from tf1gan.config import Config, preset
from tf1gan.tfcompat import tf

CONFIG = preset("article").replace(input="feed")


@pytest.fixture(scope="module")
def gan(mnist10k):
    """tf1gan's article-preset graph with a real batch X and two independent noise batches."""
    graph = tf.Graph()
    with graph.as_default():
        g = model.build_gan(CONFIG)
        z2 = tf.placeholder(tf.float32, [None, CONFIG.z_dim])  # an independent draw of z
        d_fake2 = tf.sigmoid(model.discriminator(model.to_pixels(model.generator(z2, CONFIG), CONFIG), CONFIG))
        init = tf.global_variables_initializer()
    sess = tf.Session(graph=graph)
    sess.run(init)
    rng = np.random.RandomState(0)
    feed = {
        g.inputs.X: data.to_unit(mnist10k.train.images[:128]),
        g.inputs.Z: model.noise_batch(CONFIG, 128, rng),
        z2: model.noise_batch(CONFIG, 128, rng),
    }
    yield graph, g, d_fake2, sess, feed
    sess.close()


def test_article_g_objective_first_term_has_no_g_and_second_pushes_fakes_away(gan):
    graph, g, _, sess, feed = gan
    with graph.as_default():
        first = tf.reduce_mean(tf.log(tf.sigmoid(g.model.d_real_logits)))  # E_x~P_data[log D(x)]
        second = tf.reduce_mean(tf.log(1 - tf.sigmoid(g.model.d_fake_logits)))  # E_z[log(1 - D(G(z)))]
        assert all(grad is None for grad in tf.gradients(first, g.model.g_vars))  # min over G of it: nothing to do
        ascend = tf.train.GradientDescentOptimizer(0.05).minimize(-second, var_list=g.model.g_vars)  # max_G
        descend = tf.train.GradientDescentOptimizer(0.05)
        ours = [
            descend.minimize(model.generator_loss(g.model.d_fake_logits, c), var_list=g.model.g_vars)
            for c in (CONFIG, CONFIG.replace(loss="minimax"))
        ]
    weights = sess.run(g.model.g_vars)
    before = sess.run(g.model.d_fake, feed)
    for step, rises in [(ascend, False)] + [(op, True) for op in ours]:
        for v, w in zip(g.model.g_vars, weights):
            v.load(w, sess)
        for _ in range(5):
            sess.run(step, feed)
        assert (sess.run(g.model.d_fake, feed) > before) == rises  # the article's G makes its fakes easier to spot
    for v, w in zip(g.model.g_vars, weights):
        v.load(w, sess)


def article_d_objective(sess, g, d_fake2, feed):
    """The article's D objective on a real batch x ~ P_real, fakes x ~ P_fake and independent G(z) for its ratios."""
    d_real, d_fake, d_other = sess.run(
        [tf.sigmoid(g.model.d_real_logits), tf.sigmoid(g.model.d_fake_logits), d_fake2], feed
    )
    real_term = np.mean(np.log(d_real) - np.log(1 - d_other))  # E_{x~P_real}[log(D(x) / (1 - D(G(z))))]
    fake_term = np.mean(np.log(1 - d_other) - np.log(d_fake))  # E_{x~P_fake}[log((1 - D(G(z))) / D(x))]
    return real_term + fake_term


def test_article_d_objective_is_not_zero_over_two_distributions(gan):
    graph, g, d_fake2, sess, feed = gan
    # the D(G(z)) terms cancel by algebra (one array enters both: nothing to test there); what is
    # left, E_real[log D(x)] - E_fake[log D(x)], is not zero when real and fake batches differ
    assert abs(article_d_objective(sess, g, d_fake2, feed)) > 1e-3
    with graph.as_default():
        objective = tf.reduce_mean(tf.log(tf.sigmoid(g.model.d_real_logits))) - tf.reduce_mean(
            tf.log(tf.sigmoid(g.model.d_fake_logits))
        )
        grads = tf.gradients(objective, g.model.d_vars)
    assert any(np.abs(x).max() > 0 for x in sess.run(grads, feed))  # it does give D a gradient


def test_article_d_objective_has_no_finite_maximiser():
    # pointwise, with densities p (real) and q (fake) at x, the article's objective is
    # (p - q) log D(x): maximised by D = 1 where p > q and unbounded as D -> 0 where q > p;
    # the paper's V has p log D + q log(1 - D), maximised at D* = p / (p + q)
    d = np.linspace(1e-6, 1 - 1e-6, 100001)
    for p, q in [(0.7, 0.3), (0.2, 0.5)]:
        article = (p - q) * np.log(d)
        v = p * np.log(d) + q * np.log(1 - d)
        assert abs(d[np.argmax(v)] - p / (p + q)) < 1e-4
        assert np.argmax(article) == (len(d) - 1 if p > q else 0)
    assert (0.5 - 0.2) * -np.log(1e-300) > 200  # where fakes are likelier, smaller D(x) always scores higher


def test_text_d_loss_trains_d_on_real_images_only(gan):
    # section 4: "-[log D(X) + (1 - log G(Z))]": the fake term holds no D, so D only learns to call images real
    graph, g, _, sess, feed = gan
    with graph.as_default():
        fake_term = tf.reduce_mean(1 - tf.log(model.to_pixels(g.model.g_logits, CONFIG)))
        loss = -(tf.reduce_mean(tf.log(tf.sigmoid(g.model.d_real_logits))) + fake_term)
        assert all(grad is None for grad in tf.gradients(fake_term, g.model.d_vars))
        step = tf.train.GradientDescentOptimizer(0.05).minimize(loss, var_list=g.model.d_vars)
    weights = sess.run(g.model.d_vars)
    before = sess.run(g.model.d_fake, feed)
    for _ in range(5):
        sess.run(step, feed)
    assert sess.run(g.model.d_fake, feed) > before  # fakes are called more real too
    for v, w in zip(g.model.d_vars, weights):
        v.load(w, sess)


def test_gan_value_is_a_cross_entropy(gan):
    # "GAN is unsupervised, so cross-entropy cannot be used" (3.3, appendix 1): V(D, G) is minus the
    # cross-entropy of D on real images labelled 1 and fakes labelled 0, which is tf1gan's D loss
    _, g, _, sess, feed = gan
    d_real, d_fake, d_loss = sess.run(
        [tf.sigmoid(g.model.d_real_logits), tf.sigmoid(g.model.d_fake_logits), g.loss.d_loss], feed
    )
    v = np.mean(np.log(d_real)) + np.mean(np.log(1 - d_fake))
    np.testing.assert_allclose(v, -d_loss, rtol=1e-5)


def test_sigmoid_is_the_two_class_softmax():
    # appendix 3: softmax over the logits (l, 0) is exactly (sigmoid(l), 1 - sigmoid(l))
    logits = np.linspace(-20, 20, 81)
    with tf.Graph().as_default(), tf.Session() as sess:
        two = tf.constant(np.stack([logits, np.zeros_like(logits)], 1))
        soft, sig = sess.run([tf.nn.softmax(two)[:, 0], tf.sigmoid(tf.constant(logits))])
    np.testing.assert_allclose(soft, sig, rtol=1e-12)


def test_optimal_d_turns_v_into_jensen_shannon():
    # 3.3 says D minimises the gap between the generator's distribution and the data; it is G that does:
    # at D* = p / (p + q), V = 2 JSD(p || q) - log 4, which D's maximisation only measures
    rng = np.random.RandomState(0)
    for _ in range(5):
        p, q = rng.dirichlet(np.ones(10)), rng.dirichlet(np.ones(10))
        d_star = p / (p + q)
        v = np.sum(p * np.log(d_star) + q * np.log(1 - d_star))
        m = (p + q) / 2
        jsd = 0.5 * np.sum(p * np.log(p / m)) + 0.5 * np.sum(q * np.log(q / m))
        assert abs(v - (2 * jsd - np.log(4))) < 1e-12
        other = np.clip(d_star + rng.uniform(-0.1, 0.1, 10), 1e-3, 1 - 1e-3)
        assert np.sum(p * np.log(other) + q * np.log(1 - other)) < v


def test_non_saturating_loss_keeps_its_gradient_where_minimax_saturates():
    grads = {}
    for loss in ("minimax", "nonsaturating"):
        with tf.Graph().as_default():
            logit = tf.constant([-8.0])  # D confidently rejects the fake, as early in training
            grad = tf.gradients(model.generator_loss(logit, Config(loss=loss)), logit)[0]
            with tf.Session() as sess:
                grads[loss] = abs(sess.run(grad)[0])
    assert grads["minimax"] < 1e-3 < 0.99 < grads["nonsaturating"]


def test_d_trained_on_fakes_alone_calls_real_images_fake(gan):
    # section 2.1: D's "input layer represents the generator's samples"; with fakes as its only input,
    # D's loss is its fake term alone, and minimising it lowers D(x) on real images too
    graph, g, _, sess, feed = gan
    with graph.as_default():
        fakes_only = tf.reduce_mean(
            tf.nn.sigmoid_cross_entropy_with_logits(
                labels=tf.zeros_like(g.model.d_fake_logits), logits=g.model.d_fake_logits
            )
        )
        step = tf.train.GradientDescentOptimizer(0.05).minimize(fakes_only, var_list=g.model.d_vars)
    weights = sess.run(g.model.d_vars)
    before = sess.run(g.model.d_real, feed)
    for _ in range(5):
        sess.run(step, feed)
    assert sess.run(g.model.d_real, feed) < before  # real images are called fake more
    for v, w in zip(g.model.d_vars, weights):
        v.load(w, sess)
