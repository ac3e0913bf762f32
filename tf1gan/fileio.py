"""Writing files so that a process killed at any moment leaves the old or the new version, never half."""

import contextlib
import os
import tempfile

from tf1gan.errors import RunError


def atomic_write(path, content):
    """Write ``content`` (str or bytes) to ``path`` via a temporary file and a rename.

    A symbolic link at ``path`` stays a link: the file it points to is replaced.
    """
    if not isinstance(content, bytes):
        content = content.encode("utf-8")
    with atomic_file(path) as f:
        f.write(content)


@contextlib.contextmanager
def atomic_file(path):
    """A binary file to write ``path`` piece by piece; it replaces ``path`` only when the block ends without error.

    For output too large to hold in memory at once (see :func:`atomic_write` for links).
    """
    path = os.path.realpath(path)
    folder = os.path.dirname(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    except OSError as e:
        raise RunError("%s: cannot write (%s)" % (path, e.strerror or e))
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, default_mode())  # mkstemp makes 0600; give the permissions open() would
        os.replace(tmp, path)
    except OSError as e:
        os.unlink(tmp)
        raise RunError("%s: cannot write (%s)" % (path, e.strerror or e))
    except BaseException:
        os.unlink(tmp)
        raise


def default_mode(directory=False):
    """The permissions ``open()`` gives a new file (``mkdir`` a new folder) under the current umask."""
    mask = os.umask(0)
    os.umask(mask)
    return (0o777 if directory else 0o666) & ~mask
