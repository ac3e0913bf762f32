"""``python -m tf1gan``: the same as the ``tf1gan`` command."""

import sys

from tf1gan.cli import main

sys.exit(main())
