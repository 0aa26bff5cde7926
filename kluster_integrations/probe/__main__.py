"""``python -m kluster_integrations.probe``: see the package docstring."""

from __future__ import annotations

import argparse
import sys

from openai import OpenAI

from kluster_integrations.core.contract import API_KEY_ENV, BASE_URL_ENV
from kluster_integrations.core.errors import KlusterError
from kluster_integrations.core.transport import resolve_api_key, resolve_base_url
from kluster_integrations.probe._plan import PROBE_MODEL
from kluster_integrations.probe._run import run_probe

EXIT_OK, EXIT_DRIFT, EXIT_FAILED = 0, 1, 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kluster_integrations.probe",
        description="Check the live kluster.ai API against the package's contract data.",
    )
    parser.add_argument(
        "--base-url",
        help=f"API base URL (default: ${BASE_URL_ENV}, else https://api.kluster.ai/v1)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--model",
        default=PROBE_MODEL,
        help=f"model for the model-independent rules (default: {PROBE_MODEL})",
    )
    parser.add_argument(
        "--models",
        nargs="+",
        metavar="ID",
        help="models for the per-model probes (default: one catalog model per kind: with tools, "
        "with images, with neither; 'all' for every catalog chat model)",
    )
    args = parser.parse_args(argv)

    try:
        api_key = resolve_api_key()
    except KlusterError:
        print(
            f"Skipped: {API_KEY_ENV} is not set (or not a valid key), so nothing was probed. "
            f"Set it to a kluster.ai key to check the contract.",
            file=sys.stderr,
        )
        return EXIT_OK
    with OpenAI(
        api_key=api_key, base_url=resolve_base_url(args.base_url), max_retries=2, timeout=60.0
    ) as client:
        report = run_probe(client, model=args.model, models=args.models)
    print(report.to_json() if args.json else report.to_text())
    if report.aborted:
        return EXIT_FAILED
    return EXIT_DRIFT if report.drift else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
