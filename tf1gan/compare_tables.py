"""The raw facts of compare's ladder and leave-one-out tables as JSON (``DIR/tables.json``), and back.

A table copied by hand cannot be traced to the run that made it, nor redrawn
when the wording changes. compare therefore writes, beside its report, every
fact those two tables show (outcome, final losses, D(x) and D(G(z)), the
variables that moved, the quality figures) with the settings, the machine,
the tf1gan commit and the command line. :func:`read` turns the file back into
the ``studies.Outcome`` values the report's tables are drawn from, so the
docs' tables (``scripts/article_tables.py``) and the report's come from the
same code: ``compare.ladder_table`` and ``compare.loo_table``.
"""

import json
import os
import subprocess

from tf1gan import listing, machine, studies
from tf1gan.fileio import atomic_write

FORMAT = 1


def _number(x):
    return None if x is None else float(x)


def _record(r):
    return {"step": int(r["step"]), "d_loss": _number(r["d_loss"]), "g_loss": _number(r["g_loss"])}


def outcome_facts(o):
    """What the tables show of one ``studies.Outcome``, as plain JSON values (grids and figures left out)."""
    err, q = o.error, o.quality
    nf = next((r for r in o.records if r["step"] == o.non_finite), None)
    return {
        "label": o.label,
        "edits": list(o.edits),
        "error": dict(err._asdict(), line=int(err.line)) if err is not None else None,
        "first_non_finite": _record(nf) if nf is not None else None,
        "last": _record(o.records[-1]) if o.records else None,
        "d_real": _number(o.d_real),
        "d_fake": _number(o.d_fake),
        "moved": list(o.moved),
        "variables": list(o.variables),
        "quality": _quality(q) if q is not None else None,
    }


def _quality(q):
    """A ``studies.Quality`` as JSON values: class counts as integers, figures as floats."""
    counts = ("modes_covered", "classes")
    return {k: int(v) if k in counts else _number(v) for k, v in q._asdict().items()}


def outcome_from_facts(facts):
    """The ``studies.Outcome`` of :func:`outcome_facts`: only the records the tables read, no grid or figures."""
    records = [r for r in (facts["first_non_finite"], facts["last"]) if r is not None]
    if len(records) == 2 and records[0]["step"] == records[1]["step"]:
        records = records[1:]
    q = facts["quality"]
    return studies.Outcome(
        label=facts["label"],
        edits=tuple(facts["edits"]),
        error=listing.ListingError(**facts["error"]) if facts["error"] else None,
        records=records,
        moved=facts["moved"],
        variables=facts["variables"],
        d_real=facts["d_real"],
        d_fake=facts["d_fake"],
        grid=None,
        quality=studies.Quality(**q) if q else None,
        non_finite=facts["first_non_finite"]["step"] if facts["first_non_finite"] else None,
        figures=None,
    )


def commit():
    """The tf1gan commit this code runs from (``-dirty`` when changed since), or None outside a git checkout."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        out = subprocess.run(
            ["git", "-C", root, "describe", "--always", "--dirty", "--abbrev=40"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            universal_newlines=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def facts(results, command=None, commit=None):
    """The JSON document of ``results`` (a ``compare.Results``): settings, machine, ladder, leave-one-out.

    ``command`` and ``commit`` (see :func:`commit`) are recorded as they are given.
    """
    s = results.settings
    cpu = machine.cpu_block()
    return {
        "format": FORMAT,
        "command": command,
        "commit": commit,
        "machine": machine.short_name({"cpu": cpu}),
        "logical_cpus": cpu["logical_cpus"],
        "settings": {
            "steps": s.steps,
            "seed": s.seed,
            "dataset": s.dataset,
            "n_train": s.n_train,
            "eval_samples": s.eval_samples,
            "tf_version": s.tf_version,
        },
        "ladder": [
            dict(outcome_facts(o), number=r.number, defect=r.defect) for r, o in zip(listing.ladder(), results.ladder)
        ],
        "leave_one_out": [dict(outcome_facts(o), defect=d) for (d, _), o in zip(listing.leave_one_out(), results.loo)],
    }


def write(path, doc):
    """Write ``doc`` (see :func:`facts`) to ``path`` atomically; non-finite losses as JSON's usual -Infinity/NaN."""
    atomic_write(path, json.dumps(doc, indent=1, sort_keys=True) + "\n")


def read(path):
    """(document, ladder outcomes, leave-one-out outcomes) of a ``tables.json``."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    return doc, [outcome_from_facts(x) for x in doc["ladder"]], [outcome_from_facts(x) for x in doc["leave_one_out"]]
