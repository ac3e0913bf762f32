"""Writing files so that a process killed at any moment leaves the old or the new version, never half."""
import os
import tempfile

from tf1gan.errors import RunError


def atomic_write(path, content):
    """Write ``content`` (str or bytes) to ``path`` via a temporary file and a rename."""
    folder = os.path.dirname(os.path.abspath(path))
    mode = "wb" if isinstance(content, bytes) else "w"
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    except OSError as e:
        raise RunError("%s: cannot write (%s)" % (path, e.strerror or e))
    try:
        with os.fdopen(fd, mode) as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        os.unlink(tmp)
        raise RunError("%s: cannot write (%s)" % (path, e.strerror or e))
    except BaseException:
        os.unlink(tmp)
        raise
