"""Writing files so that a process killed at any moment leaves the old or the new version, never half."""

import contextlib
import errno
import fcntl
import os
import stat
import tempfile

from tf1gan.errors import RunError

# held (flock) by the one process writing a run folder, or a sweep folder
LOCK = ".lock"


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


def link_refusal(path):
    """The :class:`RunError` for a symbolic link where tf1gan would write or delete: it never follows one."""
    try:
        target = os.readlink(path)
    except OSError:
        target = "?"
    return RunError(
        "%s is a symbolic link (to %s); tf1gan never deletes or writes through a link: "
        "remove the link or choose another folder" % (path, target)
    )


def open_lock_file(path):
    """Open (creating it) the lock file ``path`` for reading and writing; return the descriptor.

    Never through a link (``O_NOFOLLOW``): a ``.lock`` linked, or hard-linked,
    to a user's file would get that file truncated to a PID. Such a file, or
    anything but a regular file, is a :class:`RunError`.
    """
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, default_mode())
    except OSError as e:
        if e.errno == errno.ELOOP and os.path.islink(path):
            raise link_refusal(path)
        raise RunError("%s: cannot create the lock file (%s)" % (path, e.strerror or e))
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_nlink > 1:
        os.close(fd)
        raise RunError(
            "%s is %s; tf1gan writes its PID into its lock file: move it away"
            % (path, "hard-linked to another file" if stat.S_ISREG(info.st_mode) else "not a regular file")
        )
    return fd


def default_mode(directory=False):
    """The permissions ``open()`` gives a new file (``mkdir`` a new folder) under the current umask."""
    mask = os.umask(0)
    os.umask(mask)
    return (0o777 if directory else 0o666) & ~mask


class RunLock(object):
    """An exclusive ``flock`` on a run folder's ``.lock``, held while a process writes the run.

    A second writer gets a one-line :class:`RunError` naming the holder's PID;
    readers (sample, evaluate, export) never take it. The kernel releases the
    lock when its process dies, however it dies, so a killed run never blocks
    a later ``--resume``. It lives here, away from TensorFlow, so that
    ``tf1gan sweep`` locks its folder without importing it.
    """

    def __init__(self, folder):
        self.path = os.path.join(folder, LOCK)
        self.fd = None

    def __enter__(self):
        fd = open_lock_file(self.path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise RunError("%s: cannot lock (%s)" % (self.path, e.strerror or e))
            raise RunError(
                "%s is being written by another tf1gan process (PID %s); wait for it to finish or stop it "
                "(it saves a checkpoint on SIGINT / SIGTERM)" % (os.path.dirname(self.path), holder)
            )
        os.ftruncate(fd, 0)
        os.write(fd, ("%d\n" % os.getpid()).encode())
        self.fd = fd
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
