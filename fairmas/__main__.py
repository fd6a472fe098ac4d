"""``python -m fairmas`` is the ``fairmas`` command."""

import sys

from fairmas.cli import main

sys.exit(main())
