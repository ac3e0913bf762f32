"""Fetching published data files over HTTPS: the cache folder, the mirrors, and downloads that never leave
half a file behind.

This is the one module of tf1gan that talks to the network, kept apart so that
it can be read and reviewed by itself. It accepts only https, verifies the
server with the system's certificate store, caps what it will receive and how
long it may take (an overall deadline, and a stall timeout for a mirror that
sends too little to ever trip a socket timeout), shows progress, and renames
a download into place only after the caller's ``check`` (the data set's
checksums) has accepted its bytes. What the files are, and which
digests they must have, is :mod:`tf1gan.data`'s business.
"""

import os
import socket
import ssl
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

from tf1gan.errors import ConfigError, DataError
from tf1gan.fileio import default_mode
from tf1gan.resources import format_size

# No published file tf1gan knows is a tenth of this: a server sending more is refused, not stored.
MAX_BYTES = 256 * 1000 * 1000
# Defaults of $TF1GAN_DOWNLOAD_DEADLINE and $TF1GAN_DOWNLOAD_STALL, in seconds: a whole file may take this
# long, and a download that receives less than STALL_BYTES in STALL seconds has stalled.
DEADLINE, STALL = 1800.0, 60.0
STALL_BYTES = 1000
# Files at least this large show their progress (bytes and rate) on stderr, redrawn at most every PROGRESS_EVERY s.
PROGRESS_BYTES, PROGRESS_EVERY = 1000 * 1000, 0.5


def cache_root():
    """Where downloaded data sets live: ``$TF1GAN_CACHE``, else the XDG cache folder."""
    if os.environ.get("TF1GAN_CACHE"):
        return os.environ["TF1GAN_CACHE"]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "tf1gan")


def timeouts():
    """(deadline, stall) in seconds: ``$TF1GAN_DOWNLOAD_DEADLINE`` and ``$TF1GAN_DOWNLOAD_STALL``, else the defaults."""
    found = []
    for name, default in (("TF1GAN_DOWNLOAD_DEADLINE", DEADLINE), ("TF1GAN_DOWNLOAD_STALL", STALL)):
        text = os.environ.get(name) or str(default)
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not 0 < value < float("inf"):
            raise ConfigError("$%s must be a positive number of seconds, got %r" % (name, text))
        found.append(value)
    return tuple(found)


def mirrors(published):
    """Base URLs to download from: ``$TF1GAN_MIRROR`` alone when set, else the ``published`` ones."""
    override = os.environ.get("TF1GAN_MIRROR")
    return (override,) if override else tuple(published)


def fetch(name, bases, folder, check):
    """Download file ``name`` into ``folder`` from the first of ``bases`` that serves it and passes ``check``.

    ``check(raw_bytes, url)`` raises :class:`DataError` for bytes that are not
    the published file. Returns the path; a :class:`DataError` listing every
    mirror's failure when none worked.
    """
    errors = []
    for base in bases:
        try:
            return download(urllib.parse.urljoin(base, name), os.path.join(folder, name), check)
        except DataError as e:
            errors.append(str(e))
    raise DataError("could not download %s: %s" % (name, "; ".join(errors) or "no mirror"))


def download(url, dest, check, progress=None):
    """Fetch ``url`` to ``dest``, accepted by ``check``; nothing is left behind on failure.

    Only https is accepted. Bytes go to a temporary file beside ``dest`` that is
    renamed into place only after the length and ``check`` are satisfied. A
    download that outlasts the deadline, or stalls, is a :class:`DataError`
    (see :func:`timeouts`). A large file's progress goes to ``progress`` (default: stderr).
    """
    scheme = urllib.parse.urlparse(url).scheme
    if scheme != "https":
        raise DataError("%s: refusing to download over %s; only https is accepted" % (url, scheme or "no scheme"))
    deadline, stall = timeouts()
    folder = os.path.dirname(dest)
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=os.path.basename(dest) + ".", suffix=".part")
    except OSError as e:
        raise DataError(
            "%s: cannot write the download here (%s); set TF1GAN_CACHE to a writable folder" % (folder, e.strerror or e)
        )
    try:
        with os.fdopen(fd, "w+b") as out:
            got, total = _receive(url, out, os.path.basename(dest), progress or sys.stderr, deadline, stall)
            if total and got != total:
                raise DataError("%s: download broke off after %d of %d bytes" % (url, got, total))
            out.seek(0)
            check(out.read(), url)
        os.chmod(tmp, default_mode())  # readable like any other file, e.g. by a Docker image's user
        os.replace(tmp, dest)
    except BaseException:
        os.unlink(tmp)
        raise
    return dest


class _Clock(object):
    """The deadline and the stall timeout of one download: raises a one-line DataError when either passes."""

    def __init__(self, url, deadline, stall):
        self.url, self.deadline, self.stall = url, deadline, stall
        self.t0 = self.window_start = time.time()
        self.window_bytes = 0

    def received(self, n, got):
        """Account ``n`` more bytes (``got`` in all); raise when the deadline passed or the last window stalled."""
        now = time.time()
        if now - self.t0 > self.deadline:
            raise DataError(
                "%s: download not done after %g s (%s received; $TF1GAN_DOWNLOAD_DEADLINE)"
                % (self.url, self.deadline, format_size(got))
            )
        self.window_bytes += n
        if now - self.window_start >= self.stall:
            if self.window_bytes < STALL_BYTES:
                self.stalled(got)
            self.window_start, self.window_bytes = now, 0

    def stalled(self, got):
        raise DataError(
            "%s: download stalled: under %s in %g s (%s received; $TF1GAN_DOWNLOAD_STALL)"
            % (self.url, format_size(STALL_BYTES), self.stall, format_size(got))
        )


def _receive(url, out, name, progress, deadline, stall):
    """Copy the body of ``url`` into ``out``; return (bytes received, bytes announced or 0)."""
    clock = _Clock(url, deadline, stall)
    try:
        # one blocking read (or the connection) waits no longer than a stall, nor than the whole deadline
        response = urllib.request.urlopen(url, timeout=min(stall, deadline), context=ssl.create_default_context())
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", None) or e
        if isinstance(reason, socket.timeout):
            clock.stalled(0)
        raise DataError("%s: download failed (%s)" % (url, reason))
    with response:
        total = int(response.headers.get("Content-Length") or 0)
        if total > MAX_BYTES:
            raise DataError("%s: announces %d bytes, more than any data file tf1gan knows" % (url, total))
        shown = _Shown(name, total, progress)
        got = 0
        while True:
            try:
                # read1: what has arrived, up to 1 MB (read() would block until the whole megabyte came)
                chunk = response.read1(1 << 20)
            except socket.timeout:
                clock.stalled(got)
            except (OSError, ValueError) as e:
                raise DataError("%s: download broke off after %d bytes (%s)" % (url, got, e))
            if not chunk:
                break
            got += len(chunk)
            clock.received(len(chunk), got)
            if got > MAX_BYTES:
                raise DataError("%s: sent more than %d bytes, more than any data file tf1gan knows" % (url, MAX_BYTES))
            try:
                out.write(chunk)
            except OSError as e:
                raise DataError("%s: cannot write the download (%s)" % (out.name, e.strerror or e))
            shown.update(got, clock.t0)
        shown.done(got, clock.t0)
    return got, total


class _Shown(object):
    """The progress line of a large download on stderr: bytes received, of how many, and the rate."""

    def __init__(self, name, total, stream):
        self.name, self.total, self.stream = name, total, stream
        self.last, self.drawn = 0.0, False

    def update(self, got, t0, force=False):
        """Redraw the line, unless the file is small or the last draw was under PROGRESS_EVERY ago."""
        now = time.time()
        small = max(got, self.total) < PROGRESS_BYTES  # done before a line would help
        if small or (now - self.last < PROGRESS_EVERY and not force):
            return
        self.last, self.drawn = now, True
        of = " of %s (%d%%)" % (format_size(self.total), 100 * got // self.total) if self.total else ""
        rate = got / max(now - t0, 1e-9)
        self.stream.write("\rdownloading %s: %s%s, %s/s   " % (self.name, format_size(got), of, format_size(rate)))
        self.stream.flush()

    def done(self, got, t0):
        """The last figures, and the end of the line."""
        if self.drawn:
            self.update(got, t0, force=True)
            self.stream.write("\n")
