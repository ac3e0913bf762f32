"""``python -m tf1gan`` and the ``tf1gan`` command (setup.py's entry point is :func:`run`)."""

import sys

from tf1gan import signals


def run():
    """Handle SIGINT and SIGTERM, then run the command line; return its exit code.

    The handlers go in before anything slow, even the command line's own imports:
    Ctrl-C from here on ends in one line and exit 130.
    """
    signals.install()
    try:
        from tf1gan.cli import main

        return main()
    except signals.Stopped as e:  # while the command line is imported, before main() handles signals itself
        return signals.report(e.signum)


if __name__ == "__main__":
    sys.exit(run())
