"""The article's formulas (section 3.3) against the objective of Goodfellow et al. (2014) and tf1gan's losses."""

import numpy as np

from tf1gan import model
from tf1gan.config import Config
from tf1gan.tfcompat import tf


def article_d_objective(d_real, d_fake):
    """max_D E[log(D(x) / (1 - D(G(z))))] + E[log((1 - D(G(z))) / D(x))], as printed."""
    return np.mean(np.log(d_real / (1 - d_fake))) + np.mean(np.log((1 - d_fake) / d_real))


def test_article_d_objective_is_identically_zero():
    rng = np.random.RandomState(0)
    for _ in range(5):
        d_real, d_fake = rng.uniform(0.01, 0.99, 100), rng.uniform(0.01, 0.99, 100)
        assert abs(article_d_objective(d_real, d_fake)) < 1e-12  # no gradient, whatever D does
    # the paper's V(D, G) does depend on D: a better D scores higher
    v = lambda d_real, d_fake: np.mean(np.log(d_real)) + np.mean(np.log(1 - d_fake))  # noqa: E731
    assert v(np.full(10, 0.9), np.full(10, 0.1)) > v(np.full(10, 0.5), np.full(10, 0.5))


def fake_probability_after_step(loss_of_logit, ascend=False, logit=0.0, lr=0.1):
    """D(G(z)) after one gradient step on a fake logit under ``loss_of_logit``."""
    with tf.Graph().as_default():
        x = tf.Variable(logit)
        loss = loss_of_logit(tf.reshape(x, [1]))
        step = tf.train.GradientDescentOptimizer(lr).minimize(-loss if ascend else loss)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(step)
            return 1 / (1 + np.exp(-sess.run(x)))


def test_article_g_objective_pushes_fakes_away_and_ours_pull_them_in():
    # max_G E[log(1 - D(G(z)))], the article's generator term (the other term has no G in it)
    article = fake_probability_after_step(lambda logits: tf.reduce_mean(tf.log(1 - tf.sigmoid(logits))), ascend=True)
    assert article < 0.5  # the generator made its fakes easier to spot
    for loss in ("minimax", "nonsaturating"):
        ours = fake_probability_after_step(lambda logits, loss=loss: model.generator_loss(logits, Config(loss=loss)))
        assert ours > 0.5, loss


def test_non_saturating_loss_keeps_its_gradient_where_minimax_saturates():
    grads = {}
    for loss in ("minimax", "nonsaturating"):
        with tf.Graph().as_default():
            logit = tf.constant([-8.0])  # D confidently rejects the fake, as early in training
            g = tf.gradients(model.generator_loss(logit, Config(loss=loss)), logit)[0]
            with tf.Session() as sess:
                grads[loss] = abs(sess.run(g)[0])
    assert grads["minimax"] < 1e-3 < 0.99 < grads["nonsaturating"]
