"""The article's training loop, written correctly with tf1gan's graph: placeholders, feed_dict, tf.Session.

    python examples/python_api.py [STEPS]     # default 2000 steps, about a minute

It builds the graph with ``tf1gan.model.build_gan`` in "feed" mode (plain
placeholders ``X`` and ``Z``, exactly the article's interface), runs the two Adam
ops alternately — ``d_train`` then ``g_train``, each restricted to its own
scope's variables — and saves a grid of samples to ``python_api_samples.png``.
``tf1gan train`` does the same with checkpoints, logs and a faster input path.
"""

import sys

import numpy as np

from tf1gan import data, model, plots
from tf1gan.config import preset
from tf1gan.tfcompat import tf


def main(steps=2000):
    config = preset("article").replace(input="feed")  # the article's shape: z 100 -> 256 -> 784
    mnist = data.load("mnist10k")
    order = data.BatchOrder(len(mnist.train.images), config.batch_size, seed=1234)
    rng = np.random.RandomState(1234)  # owned by this script, not numpy's global generator

    g = model.build_gan(config)  # one function builds the whole graph; g is a GANGraph namedtuple
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(steps):
            X_train = data.to_unit(mnist.train.images[order.indices(step)])
            Z_gen = model.noise_batch(config, config.batch_size, rng)
            _, d_loss_ = sess.run(
                [g.train_ops.d_train, g.loss.d_loss], feed_dict={g.inputs.X: X_train, g.inputs.Z: Z_gen}
            )
            _, g_loss_ = sess.run([g.train_ops.g_train, g.loss.g_loss], feed_dict={g.inputs.Z: Z_gen})
            if step % 200 == 0 or step == steps - 1:
                print("step %5d  D loss %.4f  G loss %.4f" % (step + 1, d_loss_, g_loss_))
        samples = sess.run(g.samples.g_sample, feed_dict={g.inputs.Z: model.noise_batch(config, 100, rng)})
    plots.save_grid(samples, "python_api_samples.png", cols=10)
    print("wrote python_api_samples.png")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
