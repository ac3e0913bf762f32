"""Test helpers: IDX bytes of our own making, a local HTTPS server on 127.0.0.1, checkpoint weights, small graphs."""

import contextlib
import gzip
import hashlib
import http.server
import os
import signal
import ssl
import struct
import subprocess
import sys
import threading

import numpy as np

from tf1gan import model, runs
from tf1gan.tfcompat import tf

_CODES = {
    np.dtype("uint8"): 0x08,
    np.dtype("int8"): 0x09,
    np.dtype(">i2"): 0x0B,
    np.dtype(">i4"): 0x0C,
    np.dtype(">f4"): 0x0D,
    np.dtype(">f8"): 0x0E,
}


def idx_bytes(array):
    """The IDX encoding of ``array`` (uint8 or a big-endian dtype)."""
    array = np.asarray(array)
    header = struct.pack(">HBB", 0, _CODES[array.dtype], array.ndim) + struct.pack(">%dI" % array.ndim, *array.shape)
    return header + array.tobytes()


def fake_mnist(n=64, seed=0):
    """(images uint8 [n, 28, 28], labels uint8 [n]) of random pixels and every class."""
    rng = np.random.RandomState(seed)
    return rng.randint(0, 256, size=(n, 28, 28)).astype(np.uint8), (np.arange(n) % 10).astype(np.uint8)


def write_mnist_files(folder, n_train=64, n_test=32, gz=True):
    """Write a full MNIST-layout file set into ``folder``; return {file name: bytes as written}."""
    os.makedirs(folder, exist_ok=True)
    files = {}
    for prefix, n, seed in (("train", n_train, 0), ("t10k", n_test, 1)):
        images, labels = fake_mnist(n, seed)
        for kind, arr in (("images-idx3-ubyte", images), ("labels-idx1-ubyte", labels)):
            raw = idx_bytes(arr)
            name = "%s-%s" % (prefix, kind) + (".gz" if gz else "")
            body = gzip.compress(raw) if gz else raw
            with open(os.path.join(folder, name), "wb") as f:
                f.write(body)
            files[name] = body
    return files


def registry_for(files, name="mnist"):
    """A copy of the registry entry ``name`` whose digests are those of ``files`` (sha256)."""
    from tf1gan import data

    spec = data.DATASETS[name]

    def fs(old):
        return data.FileSpec(old.name, ("sha256:" + hashlib.sha256(files[old.name]).hexdigest(),))

    return spec._replace(
        train_images=fs(spec.train_images),
        train_labels=fs(spec.train_labels),
        test_images=fs(spec.test_images),
        test_labels=fs(spec.test_labels),
    )


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        name = self.path.lstrip("/")
        body = self.server.files.get(name)
        mode = self.server.modes.get(name, "ok")
        self.server.requests.append(name)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if mode == "truncate":  # promise the whole file, send half, hang up
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if mode.startswith("drip:"):  # promise the whole file, send one byte every SECONDS
            every = float(mode.split(":")[1])
            for i in range(len(body)):
                try:
                    self.wfile.write(body[i : i + 1])
                    self.wfile.flush()
                except OSError:  # the client gave up
                    return
                if self.server.stopped.wait(every):
                    return
            return
        if mode == "wrong":  # the right length, the wrong bytes
            body = bytes(b ^ 0xFF for b in body[:64]) + body[64:]
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def https_server(files, folder, modes=None):
    """Serve ``files`` (name -> bytes) over HTTPS on 127.0.0.1 with a fresh self-signed certificate.

    Yields (base_url, cert_path, server); point SSL_CERT_FILE at cert_path so the
    client's default certificate store trusts it. ``modes`` (name -> mode) serve a
    file "ok", "truncate" (half, then hang up), "wrong" (the right length, the wrong
    bytes) or "drip:SECONDS" (one byte every SECONDS: a stalled mirror).
    """
    cert, key = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            key,
            "-out",
            cert,
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.files, server.modes, server.requests = files, dict(modes or {}), []
    server.stopped = threading.Event()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield "https://127.0.0.1:%d/" % server.server_address[1], cert, server
    finally:
        server.stopped.set()
        server.shutdown()
        server.server_close()


def run_cli(*args, **kwargs):
    """Run ``python -m tf1gan ARGS`` in a subprocess; return the CompletedProcess (text output)."""
    env = dict(os.environ, **kwargs.pop("env", {}))
    return subprocess.run(
        [sys.executable, "-m", "tf1gan"] + [str(a) for a in args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
        env=env,
        timeout=kwargs.pop("timeout", 600),
        **kwargs,
    )


def cli(*args, **env):
    """Run ``tf1gan ARGS`` in this process; return (exit code, stdout, stderr).

    Much faster than a subprocess (TensorFlow is imported once per test session);
    the subprocess tests keep the real process boundary covered.
    """
    import contextlib
    import io

    from tf1gan.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved = {k: os.environ.get(k) for k in env}
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}  # main() installs its own
    os.environ.update({k: str(v) for k, v in env.items()})
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main([str(a) for a in args])
            except SystemExit as e:  # argparse: --help, usage errors
                code = e.code
    finally:
        for s, handler in handlers.items():
            signal.signal(s, handler)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return code, out.getvalue(), err.getvalue()


def checkpoint_weights(run_path):
    """Every variable of the latest checkpoint of the run in ``run_path``."""
    path = runs.RunFolder(run_path).checkpoint().prefix
    reader = tf.train.load_checkpoint(path)
    return {name: reader.get_tensor(name) for name, _ in tf.train.list_variables(path)}


def assert_same_weights(a, b):
    """The two {name: array} dicts hold the same variables, bitwise equal."""
    assert sorted(a) == sorted(b)
    for name in a:
        assert np.array_equal(a[name], b[name]), name


def subprocess_result(proc):
    """A finished subprocess's (exit code, stdout, stderr), the shape :func:`cli` returns."""
    return proc.returncode, proc.stdout, proc.stderr


def assert_one_line_error(result, code, *fragments):
    """``result`` = (exit code, stdout, stderr), as :func:`cli` returns it: a one-line tf1gan error with ``code``.

    The line must hold every one of ``fragments``; a traceback never passes.
    """
    got, _, stderr = result
    assert got == code, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("tf1gan") and "error: " in lines[0] and "Traceback" not in stderr, stderr
    for fragment in fragments:
        assert fragment in lines[0], stderr
    return lines[0]


def build(config, n=64, extra_ops=0):
    """(graph, GANGraph, initialiser) of ``config`` with ``n`` images in the graph, after ``extra_ops`` random ops."""
    graph = tf.Graph()
    with graph.as_default():
        for _ in range(extra_ops):  # unrelated random ops that shift graph-level seeds
            tf.random.uniform([3])
        g = model.build_gan(config, num_images=n)
        init = tf.global_variables_initializer()
    return graph, g, init


def session(graph, g, init, images):
    """A one-thread session of a :func:`build` graph, initialised, with ``images`` in the graph."""
    sess = tf.Session(
        graph=graph, config=tf.ConfigProto(intra_op_parallelism_threads=1, inter_op_parallelism_threads=1)
    )
    sess.run(init)
    sess.run(g.inputs.data_images.initializer, {g.inputs.data_init: images})
    return sess


def feed(g, n=16, b=0):
    """The feed of batch number ``b`` of ``n`` images (graph input mode)."""
    return {g.inputs.batch_index: np.arange(b * n, (b + 1) * n, dtype=np.int32) % 64, g.inputs.batch_number: b}


def values(sess, variables):
    """{name: value} of ``variables``."""
    return {v.op.name: sess.run(v) for v in variables}


def statistics(graph):
    """The batch-norm moving statistics (none in the fully connected networks)."""
    return graph.get_collection(tf.GraphKeys.MOVING_AVERAGE_VARIABLES)
