"""Output and input that stream (issue 24.4): chunked results equal the one-shot ones, faults are caught mid-stream,
and memory stays bounded by a chunk, not by the size of the data."""

import io

import numpy as np
import pytest

from tf1gan import sample, train


@pytest.fixture(scope="module", params=["uniform", "normal"])
def run(request, tmp_path_factory):
    from conftest import TINY

    out = str(tmp_path_factory.mktemp("stream") / "run")
    train.train(TINY.replace(noise=request.param, steps=3, sample_every=3, checkpoint_every=3), out)
    return out


def test_samples_written_in_chunks_equal_the_one_shot_file(run, tmp_path):
    n = 2 * sample.CHUNK + 357  # a short last chunk
    out, written = sample.write_samples(run, n, str(tmp_path / "s.npy"), seed=5)
    images, _ = sample.draw(run, n, seed=5)
    buf = io.BytesIO()
    np.save(buf, images.astype(np.float32), allow_pickle=False)
    assert written == n and open(out, "rb").read() == buf.getvalue()  # header and every byte of data
