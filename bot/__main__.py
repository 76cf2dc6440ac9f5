"""`python -m bot` is `learning-bot`."""

import sys

from .cli import main

sys.exit(main())
