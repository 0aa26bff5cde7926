"""The agents half of the demo: one LangChain agent on two kinds of kluster.ai model, and a
reasoning model whose thinking is kept apart from its answer.

``run(emit)`` builds ``langchain.agents.create_agent`` with a ``multiply`` tool on a model
that takes tools (sent natively) and on a text-only model (the tools go in the prompt and
the reply is read back as tool calls), then asks a reasoning model a question and prints
its thinking and its answer separately.

Example::

    from kluster_integrations.demo import _agents as agents
    agents.run(lambda text="", end="\\n": print(text, end=end))
"""

from __future__ import annotations

from collections.abc import Callable

from langchain_core.tools import tool

from kluster_integrations.langchain.chat_models import ChatKluster

Emit = Callable[..., None]

#: A model kluster.ai's catalog lists with native tools, and one without.
TOOL_MODEL = "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"
TEXT_ONLY_MODEL = "mistralai/Mistral-Nemo-Instruct-2407"
REASONING_MODEL = "deepseek-ai/DeepSeek-R1-0528"


@tool
def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


def run(emit: Emit) -> None:
    """Run the two agents and the reasoning model, printing through ``emit``."""
    try:
        from langchain.agents import create_agent
    except ImportError:  # langchain (not just langchain-core) brings create_agent
        emit("Agents: skipped; `pip install langchain` to run them.")
        return
    for model, how in ((TOOL_MODEL, "native tools"), (TEXT_ONLY_MODEL, "tools in the prompt")):
        agent = create_agent(ChatKluster(model=model, temperature=0), tools=[multiply])
        result = agent.invoke({"messages": [("user", "What is 6 times 7?")]})
        calls = [
            (c["name"], c["args"])
            for m in result["messages"]
            for c in getattr(m, "tool_calls", None) or ()
        ]
        emit(
            f"Agent on {model} ({how}): called {calls}, answered {result['messages'][-1].content!r}"
        )

    reply = ChatKluster(model=REASONING_MODEL, temperature=0, max_tokens=600).invoke(
        "Is 91 a prime number?"
    )
    emit(f"Reasoning model {REASONING_MODEL}:")
    emit(f"  thinking: {reply.additional_kwargs.get('reasoning_content', '')!r}")
    emit(f"  answer:   {reply.content!r}")
