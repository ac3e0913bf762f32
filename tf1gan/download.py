"""Fetching published data files over HTTPS: the cache folder, the mirrors, and downloads that never leave
half a file behind.

This is the one module of tf1gan that talks to the network, kept apart so that
it can be read and reviewed by itself. It accepts only https, verifies the
server with the system's certificate store, caps what it will receive, and
renames a download into place only after the caller's ``check`` (the data
set's checksums) has accepted its bytes. What the files are, and which
digests they must have, is :mod:`tf1gan.data`'s business.
"""

import os
import ssl
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

from tf1gan.errors import DataError
from tf1gan.fileio import default_mode

# No published file tf1gan knows is a tenth of this: a server sending more is refused, not stored.
MAX_BYTES = 256 * 1000 * 1000


def cache_root():
    """Where downloaded data sets live: ``$TF1GAN_CACHE``, else the XDG cache folder."""
    if os.environ.get("TF1GAN_CACHE"):
        return os.environ["TF1GAN_CACHE"]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "tf1gan")


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


def download(url, dest, check, progress=sys.stderr):
    """Fetch ``url`` to ``dest``, accepted by ``check``; nothing is left behind on failure.

    Only https is accepted. Bytes go to a temporary file beside ``dest`` that is
    renamed into place only after the length and ``check`` are satisfied.
    """
    scheme = urllib.parse.urlparse(url).scheme
    if scheme != "https":
        raise DataError("%s: refusing to download over %s; only https is accepted" % (url, scheme or "no scheme"))
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
            got, total = _receive(url, out, os.path.basename(dest), progress)
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


def _receive(url, out, name, progress):
    """Copy the body of ``url`` into ``out``; return (bytes received, bytes announced or 0)."""
    try:
        response = urllib.request.urlopen(url, timeout=60, context=ssl.create_default_context())
    except (urllib.error.URLError, OSError) as e:
        raise DataError("%s: download failed (%s)" % (url, getattr(e, "reason", None) or e))
    with response:
        total = int(response.headers.get("Content-Length") or 0)
        if total > MAX_BYTES:
            raise DataError("%s: announces %d bytes, more than any data file tf1gan knows" % (url, total))
        got = 0
        while True:
            try:
                chunk = response.read(1 << 20)
            except (OSError, ValueError) as e:
                raise DataError("%s: download broke off after %d bytes (%s)" % (url, got, e))
            if not chunk:
                break
            got += len(chunk)
            if got > MAX_BYTES:
                raise DataError("%s: sent more than %d bytes, more than any data file tf1gan knows" % (url, MAX_BYTES))
            try:
                out.write(chunk)
            except OSError as e:
                raise DataError("%s: cannot write the download (%s)" % (out.name, e.strerror or e))
            if progress is not None and total:
                progress.write("\rdownloading %s: %3d%% of %.1f MB" % (name, 100 * got // total, total / 1e6))
        if progress is not None and total:
            progress.write("\n")
    return got, total
