"""``python -m kluster_integrations.core.batch_api``: the ``kluster-batch`` command (``_cli``)."""

import sys

from kluster_integrations.core.batch_api._cli import main

sys.exit(main())
