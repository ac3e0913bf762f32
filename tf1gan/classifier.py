"""The evaluation classifier: a small TF1 convnet per data set, trained once, shipped as weights.

Quality figures (classifier score, Fréchet distance, class coverage) are only
comparable if everyone uses the same classifier, so its weights live in the
package (``tf1gan/classifiers/<dataset>.npz``, loaded with ``allow_pickle=False``)
beside a JSON file with the accuracy it reached on held-out images and how it
was trained. ``tf1gan classifier --dataset D --out DIR`` trains one into DIR; only
``--out tf1gan/classifiers --force`` replaces the shipped one.
"""

import io
import json
import os
import time

import numpy as np

from tf1gan import data
from tf1gan.errors import DataError, RunError
from tf1gan.fileio import atomic_write
from tf1gan.tfcompat import session_config, tf

WEIGHTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "classifiers")
SCOPE = "classifier"
FEATURES = 128
# (name, shape) of every weight, in the order the network uses them.
LAYERS = [
    ("conv1/w", (5, 5, 1, 16)),
    ("conv1/b", (16,)),
    ("conv2/w", (5, 5, 16, 32)),
    ("conv2/b", (32,)),
    ("fc/w", (7 * 7 * 32, FEATURES)),
    ("fc/b", (FEATURES,)),
    ("out/w", (FEATURES, 10)),
    ("out/b", (10,)),
]


def network(images, weights=None, seed=0):
    """Logits [N, 10] and penultimate features [N, 128] for ``images`` [N, 784] in [0, 1].

    With ``weights`` (name -> array) the variables start from those arrays, else
    from seeded Glorot initialisers for training.
    """
    params = {}
    with tf.variable_scope(SCOPE, reuse=tf.AUTO_REUSE, use_resource=True):
        for i, (name, shape) in enumerate(LAYERS):
            if weights is not None:
                init = tf.constant_initializer(weights[name])
            elif name.endswith("/b"):
                init = tf.zeros_initializer()
            else:
                init = tf.glorot_uniform_initializer(seed=seed * 100 + i + 1)
            params[name] = tf.get_variable(name, shape, tf.float32, init)
    x = tf.reshape(images, [-1, 28, 28, 1])
    for layer in ("conv1", "conv2"):
        x = tf.nn.relu(tf.nn.conv2d(x, params[layer + "/w"], [1, 1, 1, 1], "SAME") + params[layer + "/b"])
        x = tf.nn.max_pool2d(x, 2, 2, "SAME")
    x = tf.reshape(x, [-1, 7 * 7 * 32])
    features = tf.nn.relu(tf.matmul(x, params["fc/w"]) + params["fc/b"])
    logits = tf.matmul(features, params["out/w"]) + params["out/b"]
    return logits, features, params


def _shifted(images, rng, max_shift=2):
    """Each 28x28 image moved by up to ``max_shift`` pixels each way (zero fill)."""
    n = len(images)
    padded = np.pad(images.reshape(n, 28, 28), ((0, 0), (max_shift,) * 2, (max_shift,) * 2), mode="constant")
    dy, dx = rng.randint(0, 2 * max_shift + 1, size=(2, n))
    out = np.empty((n, 28, 28), images.dtype)
    for i in range(n):
        out[i] = padded[i, dy[i] : dy[i] + 28, dx[i] : dx[i] + 28]
    return out.reshape(n, -1)


def train(dataset, steps=3000, batch_size=128, seed=0, progress=None):
    """Train the classifier on ``dataset.train``; return (weights, metadata with test accuracy)."""
    weights, meta = fit(
        dataset,
        network,
        LAYERS,
        lambda loss, params: tf.train.AdamOptimizer(1e-3).minimize(loss),
        _shifted,
        steps,
        batch_size,
        seed,
        progress,
        "classifier",
    )
    meta.update(augmentation="random shifts of up to 2 pixels", optimizer="Adam 1e-3")
    return weights, meta


def fit(dataset, network_fn, layers, objective, augment, steps, batch_size, seed, progress, label):
    """The training loop of every evaluation model: ``network_fn`` on ``dataset.train`` only.

    ``objective(loss, params)`` builds the train op from the cross-entropy and
    the network's variables; ``augment(images, rng)`` alters each batch. Returns
    (weights by ``layers`` name, metadata with the held-out test accuracy).
    """
    rng = np.random.RandomState(seed)
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [None, 784])
        y = tf.placeholder(tf.int64, [None])
        logits, _, params = network_fn(x, seed=seed)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        step = objective(loss, params)
        with tf.Session(graph=graph, config=session_config()) as sess:
            sess.run(tf.global_variables_initializer())
            order = data.BatchOrder(len(dataset.train.images), batch_size, seed)
            start = time.time()
            for b in range(steps):
                idx = order.indices(b)
                batch = data.to_unit(augment(dataset.train.images[idx], rng))
                value, _ = sess.run([loss, step], {x: batch, y: dataset.train.labels[idx]})
                if progress and (b + 1) % 250 == 0:
                    progress("%s step %d/%d loss %.4f (%.0f s)" % (label, b + 1, steps, value, time.time() - start))
            weights = {name: sess.run(params[name]) for name, _ in layers}
    meta = {
        "dataset": dataset.name,
        "steps": steps,
        "batch_size": batch_size,
        "seed": seed,
        "trained_on": "train split (%d images)" % len(dataset.train.images),
    }
    clf = Classifier(weights, network_fn=network_fn)
    try:
        meta["test_accuracy"] = float(np.mean(clf.predict(dataset.test.images).argmax(1) == dataset.test.labels))
        meta["test_images"] = int(len(dataset.test.images))
    finally:
        clf.close()
    return weights, meta


def classifier_score(probs):
    """exp(E_x KL(p(y|x) || p(y))) for class probabilities [N, K]."""
    probs = np.asarray(probs, np.float64)
    marginal = probs.mean(axis=0)
    eps = 1e-12
    kl = np.sum(probs * (np.log(probs + eps) - np.log(marginal + eps)), axis=1)
    return float(np.exp(kl.mean()))


def class_histogram(probs):
    """Share of images per predicted class."""
    k = probs.shape[1]
    return np.bincount(np.argmax(probs, axis=1), minlength=k) / float(len(probs))


def modes_covered(hist):
    """Classes holding at least a fifth of their fair share of the images."""
    return int(np.sum(hist >= 1.0 / (5 * len(hist))))


def paths(name, folder=WEIGHTS_DIR, model=None):
    """(weights .npz, metadata .json) paths of the classifier for data set ``name`` (``model``: a second one's)."""
    stem = name if model is None else "%s.%s" % (name, model)
    return os.path.join(folder, stem + ".npz"), os.path.join(folder, stem + ".json")


def save(weights, meta, name, folder=None, model=None):
    """Write weights and metadata for data set ``name`` (into the package when ``folder`` is None); return the .npz
    path."""
    # "is None", not "or": an empty --out once wrote a 1-step classifier over the shipped one (a fuzz test found it)
    npz, js = paths(name, WEIGHTS_DIR if folder is None else folder, model)
    try:
        os.makedirs(os.path.dirname(npz), exist_ok=True)
    except OSError as e:
        raise RunError("%s: cannot create (%s)" % (os.path.dirname(npz), e.strerror or e))
    buf = io.BytesIO()
    np.savez_compressed(buf, **{k.replace("/", "__"): v for k, v in weights.items()})
    atomic_write(npz, buf.getvalue())
    atomic_write(js, json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return npz


def load(name, model=None):
    """The shipped (weights, metadata) for data set ``name`` (``model``: a second one's); a clear error if none."""
    npz, js = paths(name, model=model)
    if not os.path.isfile(npz):
        flag = "" if model is None else " --model " + model
        raise DataError(
            "no evaluation %s for %s (train one: tf1gan classifier --dataset %s%s --out %s)"
            % (model or "classifier", name, name, flag, WEIGHTS_DIR)
        )
    with np.load(npz, allow_pickle=False) as f:
        weights = {k.replace("__", "/"): f[k] for k in f.files}
    with open(js) as f:
        meta = json.load(f)
    return weights, meta


class Classifier(object):
    """A loaded classifier in a graph and session of its own: probabilities and features of images."""

    def __init__(self, weights, batch_size=500, network_fn=network):
        self.batch_size = batch_size
        self.graph = tf.Graph()
        with self.graph.as_default():
            self.x = tf.placeholder(tf.float32, [None, 784])
            logits, self.features, _ = network_fn(self.x, weights)
            self.probs = tf.nn.softmax(logits)
            self.sess = tf.Session(graph=self.graph, config=session_config())
            self.sess.run(tf.global_variables_initializer())

    def run(self, images):
        """(probabilities [N, 10], features [N, D]) for uint8 or [0, 1] float images [N, 784]."""
        if images.dtype == np.uint8:
            images = data.to_unit(images)
        probs, feats = [], []
        for i in range(0, len(images), self.batch_size):
            p, f = self.sess.run([self.probs, self.features], {self.x: images[i : i + self.batch_size]})
            probs.append(p)
            feats.append(f)
        return np.concatenate(probs).astype(np.float64), np.concatenate(feats).astype(np.float64)

    def run_memory(self):
        """Bytes a :meth:`run` batch can leave TensorFlow's allocator holding: each convolution's output, its
        bias sum and ReLU (float32, at 28x28 then 14x14), and its pooled map."""
        per_image, side = 0, 28
        for _, shape in LAYERS:
            if len(shape) == 4:  # a convolution's kernel: its outputs are shape[3] maps of side x side
                per_image += 3 * side * side * shape[3] + (side // 2) ** 2 * shape[3]
                side //= 2
        return 4 * self.batch_size * per_image

    def predict(self, images):
        """Class probabilities [N, 10]."""
        return self.run(images)[0]

    def close(self):
        """Release the session."""
        self.sess.close()
