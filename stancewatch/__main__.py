"""`python -m stancewatch …` is the `stancewatch` command."""

import sys

from stancewatch.flows.cli import main

sys.exit(main())
