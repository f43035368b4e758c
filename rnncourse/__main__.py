"""``python -m rnncourse`` and the ``rnncourse`` console script (see ``cli.py``)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
