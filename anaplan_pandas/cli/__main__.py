"""``python -m anaplan_pandas.cli``: the ``anaplan-pandas`` command."""

import sys

from anaplan_pandas.cli.commands import main

sys.exit(main())
