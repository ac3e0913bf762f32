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
from tf1gan.fileio import atomic_write, link_refusal


def marker_path(folder, kind):
    """Path of the marker of ``kind`` ("run", "compare") in ``folder``."""
    return os.path.join(folder, ".tf1gan-" + kind)


def read_marker(folder, kind):
    """The names the marker of ``kind`` in ``folder`` lists ([] if none), or None when there is no valid marker.

    A link, a folder or unreadable JSON is no marker: it proves nothing.
    """
    doc = read_plain_json(marker_path(folder, kind))
    if not isinstance(doc, dict) or doc.get("tf1gan") != kind:
        return None
    names = doc.get("wrote", [])
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []


def write_marker(folder, kind, names=()):
    """Write (atomically) the marker of ``kind`` into ``folder``, adding ``names`` to those it lists.

    Written before the files it names, so that a command cut short leaves
    nothing unproven behind. A marker that is a link is refused.
    """
    from tf1gan import __version__

    path = marker_path(folder, kind)
    refuse_link(path)
    names = set(names) | set(read_marker(folder, kind) or ())
    doc = {"tf1gan": kind, "version": __version__, "wrote": sorted(names)}
    atomic_write(path, json.dumps(doc, indent=2, sort_keys=True) + "\n")


def check_written_by(folder, kind, names, command):
    """Refuse unless every one of ``names`` in ``folder`` is a regular file that the marker of ``kind`` lists.

    What ``--force`` of ``command`` checks before it replaces anything: a
    user's file of the same name (or a link) stays as it is.
    """
    listed = read_marker(folder, kind) or []
    for name in names:
        path = os.path.join(folder, name)
        refuse_link(path)
        if name not in listed or not is_plain_file(path):
            raise RunError(
                "%s was not written by tf1gan %s (%s does not list it); --force replaces only what tf1gan wrote: "
                "move it away or choose another --out" % (path, command, os.path.basename(marker_path(folder, kind)))
            )


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
        raise link_refusal(path)


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


def read_plain_json(path):
    """What the JSON file ``path`` holds, or None when it is not a regular file (a link included) or not JSON."""
    if not is_plain_file(path):
        return None
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None
