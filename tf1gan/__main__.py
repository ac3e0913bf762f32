"""``python -m tf1gan``: the same as the ``tf1gan`` command."""

import sys

from tf1gan import signals

# Before anything slow, even the command line's own imports: Ctrl-C from here on ends in one line and exit 130.
signals.install()
try:
    from tf1gan.cli import main

    code = main()
except signals.Stopped as e:  # while the command line is imported, before main() handles signals itself
    code = signals.report(e.signum)
sys.exit(code)
