"""What the article's listing raises as printed, on the TensorFlow of this environment."""
from tf1gan import listing
from tf1gan.tfcompat import IS_TF2


def test_listing_as_printed_on_this_tensorflow():
    err = listing.run_as_printed(listing.tutorial_mnist(), listing.RecordingPyplot())
    if IS_TF2:
        # `import tensorflow as tf` is TF 2's API: the TF1 calls are gone; the first one is line 6
        assert (err.type, err.line, err.text) == ("AttributeError", 6, "tf.set_random_seed(1234)")
        assert err.message == "module 'tensorflow' has no attribute 'set_random_seed'"
    else:
        assert (err.type, err.line) == ("ValueError", 30)
        assert err.message.startswith("Dimensions must be equal, but are 256 and 784 for 'MatMul_2'")
