"""Ctrl-C and SIGTERM at any moment: exit 130 / 143 with one line, and no half-written file left.

The command line installs :func:`install` before anything slow (before it even
imports its own modules), so a signal from the first instruction on is handled
here rather than by Python's default ``KeyboardInterrupt``. The handler records
the signal and raises :class:`Stopped` once; cleanup code (``except
BaseException: remove the temporary file; raise``) then runs undisturbed by a
second Ctrl-C. Some libraries swallow the exception (TensorFlow's import does):
the recorded signal survives that, and :func:`check` raises it again at the
next safe point (after TensorFlow's import, before training starts, when a
command returns). Training replaces the handler with its own while it runs, to
finish the step in flight and save a checkpoint first.
"""

import signal
import sys

NAMES = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM"}

_received = None  # number of the first SIGINT / SIGTERM since install(), or None


class Stopped(KeyboardInterrupt):
    """Raised by the handler (and by :func:`check`): a SIGINT or SIGTERM arrived.

    A ``KeyboardInterrupt``, so ``except Exception`` clauses let it through.
    """

    def __init__(self, signum):
        KeyboardInterrupt.__init__(self, NAMES.get(signum, signum))
        self.signum = signum


def _handle(signum, frame):
    global _received
    if _received is None:
        _received = signum
        raise Stopped(signum)


def install():
    """Handle SIGINT and SIGTERM from now on. Main thread only.

    A signal recorded by an earlier install that is still in place is kept;
    one from an install that was since replaced (an earlier in-process call) is forgotten.
    """
    global _received
    if any(signal.getsignal(sig) is not _handle for sig in NAMES):
        _received = None
    for sig in NAMES:
        signal.signal(sig, _handle)


def received():
    """The number of the signal that arrived since :func:`install`, or None."""
    return _received


def check():
    """Raise :class:`Stopped` if a signal arrived, even one whose exception something swallowed."""
    if _received is not None:
        raise Stopped(_received)


def report(signum):
    """Say on stderr, in one line, that ``signum`` stopped the command; return its exit code (128 + signum)."""
    sys.stderr.write("tf1gan: stopped by %s\n" % NAMES.get(signum, "signal %d" % signum))
    return 128 + signum
