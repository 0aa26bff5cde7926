"""Run the demo on kluster.ai: a LangChain chain, agents on two kinds of model and a
reasoning model, then a LlamaIndex query engine.

Without ``KLUSTER_API_KEY`` everything runs on the bundled emulator, offline.
"""

from __future__ import annotations

import sys
import time

from kluster_integrations.demo._backend import kluster_backend


def emit(text: str = "", end: str = "\n") -> None:
    sys.stdout.write(text + end)
    sys.stdout.flush()


def main() -> int:
    started = time.perf_counter()
    with kluster_backend() as backend:
        emit(f"Running on {backend.description}.\n")
        from kluster_integrations.demo import _agents as agents
        from kluster_integrations.demo import _langchain_chain as langchain_chain
        from kluster_integrations.demo import _llama_index_rag as llama_index_rag

        langchain_chain.run(emit)
        emit()
        agents.run(emit)
        emit()
        llama_index_rag.run(emit)
    emit(f"\nDemo finished in {time.perf_counter() - started:.1f} s.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
