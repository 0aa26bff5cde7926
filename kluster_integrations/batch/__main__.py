"""``python -m kluster_integrations.batch``: see the package docstring."""

import sys

from kluster_integrations.batch.cli import main

sys.exit(main())
