"""What tf1gan wrote, proven: the evidence ``--force`` needs before it deletes or replaces anything.

A file's name proves nothing: a user's own ``config.json``, another
experiment's ``events.out.tfevents.*`` or ``report.md`` look just like
tf1gan's. A folder tf1gan writes as a whole (a run folder, compare's report
folder) therefore carries a marker, ``.tf1gan-KIND``: a small JSON file,
written before anything else, that says tf1gan made the folder and can list
the files it wrote there.

Nothing is deleted or written through a symbolic link: a link, or a hard-linked
file tf1gan would write in place, where tf1gan expects its own file or folder
is refused before anything changes, so no delete or write can lead out of the
folder.
"""

import json
import os
import stat

from tf1gan.errors import RunError
from tf1gan.fileio import atomic_write


def marker_path(folder, kind):
    """Path of the marker of ``kind`` ("run", "compare") in ``folder``."""
    return os.path.join(folder, ".tf1gan-" + kind)


def read_marker(folder, kind):
    """The names the marker of ``kind`` in ``folder`` lists ([] if none), or None when there is no valid marker.

    A link, a folder or unreadable JSON is no marker: it proves nothing.
    """
    path = marker_path(folder, kind)
    if not is_plain_file(path):
        return None
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("tf1gan") != kind:
        return None
    names = doc.get("wrote", [])
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []


def write_marker(folder, kind, names=()):
    """Write (atomically) the marker of ``kind`` into ``folder``, listing ``names``; refuse one that is a link."""
    from tf1gan import __version__

    path = marker_path(folder, kind)
    refuse_link(path)
    doc = {"tf1gan": kind, "version": __version__, "wrote": sorted(set(names))}
    atomic_write(path, json.dumps(doc, indent=2, sort_keys=True) + "\n")


def is_plain_file(path):
    """Whether ``path`` is a regular file itself (not a link to one)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def is_plain_dir(path):
    """Whether ``path`` is a folder itself (not a link to one)."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def refuse_link(path):
    """Raise a one-line :class:`RunError` if ``path`` is a symbolic link (tf1gan never follows one to write)."""
    if os.path.islink(path):
        raise RunError(
            "%s is a symbolic link (to %s); tf1gan never deletes or writes through a link: "
            "remove the link or choose another folder" % (path, os.readlink(path))
        )


def check_new_file(path, force, flag="--force"):
    """Refuse to replace an existing ``path`` unless ``force``; a folder there is always refused.

    Called before any work, so a refusal costs nothing.
    """
    if not os.path.lexists(path):
        return
    if os.path.isdir(path):
        raise RunError("%s is a folder; name a file to write" % path)
    if not force:
        raise RunError("%s already exists; pass %s to replace it, or choose another name" % (path, flag))
