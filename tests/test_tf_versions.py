"""What differs between TensorFlow 1.15 and 2.x for this project, checked on the TensorFlow at hand.

docs/migration.md reports these; each test holds on both releases, with the
expectation of each written out.
"""

import numpy as np

from tf1gan import listing
from tf1gan.tfcompat import IS_TF2, tf


def test_listing_as_printed_on_this_tensorflow():
    err = listing.run_as_printed(listing.tutorial_mnist(), listing.RecordingPyplot())
    if IS_TF2:
        # `import tensorflow as tf` is TF 2's API: the TF1 calls are gone; the first one is line 6
        assert (err.type, err.line, err.text) == ("AttributeError", 6, "tf.set_random_seed(1234)")
        assert err.message == "module 'tensorflow' has no attribute 'set_random_seed'"
    else:
        assert (err.type, err.line) == ("ValueError", 30)
        assert err.message.startswith("Dimensions must be equal, but are 256 and 784 for 'MatMul_2'")
    # with the TF1 API under its usual name (tensorflow.compat.v1), both releases get to line 30
    compat = listing.run_as_printed(listing.tutorial_mnist(), listing.RecordingPyplot(), tf_module=tf)
    assert (compat.type, compat.line) == ("ValueError", 30)
    assert "Dimensions must be equal, but are 256 and 784" in compat.message


def test_float32_sigmoid_far_in_the_tail():
    x = np.concatenate([np.linspace(-12, -11, 101), [-18.5, -20, -50]]).astype(np.float32)
    with tf.Graph().as_default():
        p = tf.placeholder(tf.float32, [None])
        with tf.Session() as sess:
            y = sess.run(tf.sigmoid(p), {p: x})
    exact = 1 / (1 + np.exp(-x.astype(np.float64)))
    if IS_TF2:
        # accurate down to float32's smallest normal numbers
        np.testing.assert_allclose(y, exact, rtol=1e-5)
    else:
        # TF 1.15's Eigen approximation: a few % off by -12, exactly 0 below -18 (and at some points up
        # to -15.9), so log(sigmoid(x)) there is -inf (the listing's first G loss); *_with_logits never is
        rel = np.abs(y - exact) / exact
        assert 1e-3 < rel[:101].max() < 0.1
        assert (y[101:] == 0).all()
