"""``python -m kluster_integrations.emulator --port 8765``: serve the emulator until Ctrl-C
(``--tier trial``, ``--requests-per-minute 600 --max-concurrent 5``: enforce rate limits)."""

from __future__ import annotations

import argparse

import uvicorn

from kluster_integrations.emulator._app import create_app
from kluster_integrations.emulator._rate_limits import set_rate_limits
from kluster_integrations.emulator._state import EmulatorState, Settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m kluster_integrations.emulator",
        description="Serve a local kluster.ai emulator.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--api-key", default=None, help="accept only this key (default: any non-empty key)"
    )
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument(
        "--chunk-delay", type=float, default=0.0, help="seconds between stream chunks"
    )
    parser.add_argument(
        "--requests-per-minute", type=int, default=None, help="429 past this, per key and model"
    )
    parser.add_argument(
        "--max-concurrent", type=int, default=None, help="429 past this many requests at once"
    )
    parser.add_argument("--tier", default=None, help="a kluster.ai tier's limits, e.g. trial")
    parser.add_argument("--rate-window", choices=("sliding", "fixed"), default="sliding")
    args = parser.parse_args(argv)
    settings = Settings(api_key=args.api_key, latency=args.latency, chunk_delay=args.chunk_delay)
    state = EmulatorState(settings)
    set_rate_limits(
        state,
        args.requests_per_minute,
        args.max_concurrent,
        tier=args.tier,
        window=args.rate_window,
    )
    print(
        f"kluster.ai emulator on http://{args.host}:{args.port}/v1 "
        f"(export KLUSTER_BASE_URL=http://{args.host}:{args.port}/v1 KLUSTER_API_KEY=any)"
    )
    uvicorn.run(create_app(state), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
