"""The demo: ``python -m kluster_integrations.demo`` (or ``make demo``)."""
