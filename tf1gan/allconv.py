"""The second evaluation model: an all-convolutional net of another design, trained another way.

The default preset was tuned against the shipped classifier (:mod:`tf1gan.classifier`),
so its figures alone cannot say whether a change makes better images or only
pleases that one network. This model is a second eye, independent of the first
in every choice that is cheap to vary, and nothing is tuned against it:

==================  ===========================================  ==========================================
                    classifier (first)                           allconv (second)
==================  ===========================================  ==========================================
layers              conv 5x5 16, pool, conv 5x5 32, pool,        conv 5x5/2 16, conv 3x3 32, conv 3x3/2 64,
                    dense 128, dense 10 (ReLU)                   conv 3x3 64, global average, dense 10 (ELU)
features (FCD)      the 128 dense units                          the 64 averaged channels
initialiser         Glorot uniform                               He normal (truncated)
optimiser           Adam 1e-3, batch 128, 3,000 steps            Nesterov momentum 0.9, lr 0.05 decayed
                                                                 linearly to 0, weight decay 5e-4, batch 64
augmentation        shifts of up to 2 pixels                     shifts of up to 3 pixels and an 8x8 cutout
seed                0                                            1
==================  ===========================================  ==========================================

Both learn from the training split only: the validation and test splits are
the real references of :mod:`tf1gan.evaluate`. Weights ship as
``tf1gan/classifiers/<dataset>.allconv.npz`` (``allow_pickle=False``) beside a JSON
file with their held-out accuracy and the command that trained them;
``tf1gan classifier --dataset D --model allconv`` retrains them.
"""

from tf1gan import classifier
from tf1gan.tfcompat import tf

NAME = "allconv"
SCOPE = "allconv"
FEATURES = 64
# (name, shape, stride) of every convolution, in the order the network uses them.
CONVS = [
    ("conv1", (5, 5, 1, 16), 2),  # 28 -> 14
    ("conv2", (3, 3, 16, 32), 1),
    ("conv3", (3, 3, 32, 64), 2),  # 14 -> 7
    ("conv4", (3, 3, 64, FEATURES), 1),
]
LAYERS = [(n + s, shape if s == "/w" else shape[-1:]) for n, shape, _ in CONVS for s in ("/w", "/b")]
LAYERS += [("out/w", (FEATURES, 10)), ("out/b", (10,))]
CUTOUT = 8


def network(images, weights=None, seed=1):
    """Logits [N, 10] and globally averaged features [N, 64] for ``images`` [N, 784] in [0, 1].

    Same contract as :func:`tf1gan.classifier.network`, so
    :class:`tf1gan.classifier.Classifier` runs either.
    """
    params = {}
    with tf.variable_scope(SCOPE, reuse=tf.AUTO_REUSE, use_resource=True):
        for i, (name, shape) in enumerate(LAYERS):
            if weights is not None:
                init = tf.constant_initializer(weights[name])
            elif name.endswith("/b"):
                init = tf.zeros_initializer()
            else:
                init = tf.variance_scaling_initializer(2.0, "fan_in", "truncated_normal", seed=seed * 100 + i + 1)
            params[name] = tf.get_variable(name, shape, tf.float32, init)
    x = tf.reshape(images, [-1, 28, 28, 1])
    for name, _, stride in CONVS:
        x = tf.nn.elu(tf.nn.conv2d(x, params[name + "/w"], [1, stride, stride, 1], "SAME") + params[name + "/b"])
    features = tf.reduce_mean(x, axis=[1, 2])
    logits = tf.matmul(features, params["out/w"]) + params["out/b"]
    return logits, features, params


def _augmented(images, rng):
    """Shifts of up to 3 pixels, then a random 8x8 square set to zero in each image (cutout)."""
    out = classifier._shifted(images, rng, max_shift=3).reshape(-1, 28, 28)
    corners = rng.randint(-CUTOUT // 2, 28 - CUTOUT // 2, size=(len(out), 2))
    for img, (y, x) in zip(out, corners):
        img[max(y, 0) : y + CUTOUT, max(x, 0) : x + CUTOUT] = 0
    return out.reshape(len(out), -1)


def train(dataset, steps=2500, batch_size=64, seed=1, progress=None):
    """Train the second model on ``dataset.train``; return (weights, metadata with test accuracy)."""

    def objective(loss, params):
        decay = tf.add_n([tf.nn.l2_loss(v) for k, v in params.items() if k.endswith("/w")])
        global_step = tf.train.get_or_create_global_step()
        lr = tf.train.polynomial_decay(0.05, global_step, steps, 0.0)
        opt = tf.train.MomentumOptimizer(lr, 0.9, use_nesterov=True)
        return opt.minimize(loss + 5e-4 * decay, global_step=global_step)

    weights, meta = classifier.fit(
        dataset, network, LAYERS, objective, _augmented, steps, batch_size, seed, progress, NAME
    )
    meta.update(
        model=NAME,
        augmentation="random shifts of up to 3 pixels, then an 8x8 cutout",
        optimizer="Nesterov momentum 0.9, lr 0.05 linearly to 0, weight decay 5e-4",
    )
    return weights, meta
