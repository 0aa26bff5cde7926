# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Agents on kluster.ai: native tools where the model takes them, prompted tools elsewhere
#
# kluster.ai accepts `tools` on four models (its model table marks them); every other model
# refuses them. `ChatKluster` and `KlusterLLM` choose per model with one option,
# `tool_calling="auto"`: native tool calls on the tool models, and on every other model the
# tools are written into the system prompt and the reply is read back as ordinary tool calls.
# So LangChain's `create_agent` and LlamaIndex's `FunctionAgent` run unchanged on any model.
#
# Install: `pip install "kluster-integrations[langchain,llama-index]" langchain`.

# %% [markdown]
# ## 1. Where this notebook runs
#
# With `KLUSTER_API_KEY` set, everything below runs on [kluster.ai](https://kluster.ai).
# Without it, `start_backend()` starts the **bundled kluster.ai emulator**, which accepts
# tools only on the tool models (like kluster.ai), calls the tool the question names with the
# numbers it contains, and follows the package's prompted-tool protocol. The saved outputs
# come from the emulator.

# %%
from kluster_integrations.demo import start_backend

backend = start_backend()  # kluster.ai if KLUSTER_API_KEY is set, else the local emulator
print(f"Running on {backend.description}.")


def last_request_keys() -> list[str]:
    """What the last chat request carried (known only on the emulator)."""
    if not backend.is_emulated:
        return []
    return sorted(backend.emulator.chat_requests()[-1])


# %% [markdown]
# ## 2. One tool, two models
#
# `klusterai/Meta-Llama-3.3-70B-Instruct-Turbo` takes tools natively;
# `mistralai/Mistral-Nemo-Instruct-2407` does not.

# %%
from kluster_integrations.core.models import tool_models

TOOL_MODEL = "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"
TEXT_MODEL = "mistralai/Mistral-Nemo-Instruct-2407"
print("kluster.ai's tool models:", *tool_models(), sep="\n  ")

# %% [markdown]
# ## 3. LangChain: `create_agent`, native on a tool model

# %%
from langchain.agents import create_agent
from langchain_core.tools import tool

from kluster_integrations.langchain.chat_models import ChatKluster


@tool
def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


agent = create_agent(ChatKluster(model=TOOL_MODEL), tools=[multiply])
result = agent.invoke({"messages": [("user", "What is 6 times 7?")]})
for message in result["messages"]:
    calls = [(c["name"], c["args"]) for c in getattr(message, "tool_calls", None) or []]
    print(f"{message.type:>5}: {message.content!r} {calls or ''}")
print("sent:", last_request_keys())

# %% [markdown]
# ## 4. The same agent on a text-only model: prompted tools
#
# Nothing changes in your code. On the wire there are no `tools`: the tool list is in the
# system prompt, and the model's JSON reply becomes `AIMessage.tool_calls`.

# %%
agent = create_agent(ChatKluster(model=TEXT_MODEL), tools=[multiply])
result = agent.invoke({"messages": [("user", "What is 12 times 3?")]})
for message in result["messages"]:
    calls = [(c["name"], c["args"]) for c in getattr(message, "tool_calls", None) or []]
    print(f"{message.type:>5}: {message.content!r} {calls or ''}")
print("sent:", last_request_keys())

# %% [markdown]
# Streaming shows text as it arrives and holds a tool call back until it is complete, so the
# tool-call JSON never shows up as answer text:

# %%
for chunk, _ in agent.stream(
    {"messages": [("user", "What is 7 times 8?")]}, stream_mode="messages"
):
    if chunk.content:
        print(f"[{'tool result' if chunk.type == 'tool' else 'text'}] {chunk.content}")
    for call in getattr(chunk, "tool_call_chunks", None) or []:
        print(f"[tool call] {call['name']} {call['args']}")

# %% [markdown]
# ## 5. LlamaIndex: `FunctionAgent` on both kinds of model

# %%
from llama_index.core.agent.workflow import FunctionAgent

from kluster_integrations.llama_index.llms import KlusterLLM


def times(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


for model in (TOOL_MODEL, TEXT_MODEL):
    llm = KlusterLLM(model=model)
    agent = FunctionAgent(tools=[times], llm=llm)
    answer = await agent.run("What is 9 times 4?")
    print(f"{model}: {answer}  (function calling: {llm.metadata.is_function_calling_model})")
    print("  sent:", last_request_keys())

# %% [markdown]
# ## 6. Choosing the mode
#
# | `tool_calling` | what happens |
# |---|---|
# | `"auto"` (default) | native on the tool models, prompted on every other model |
# | `"native"` | always send `tools` (a fine-tune of a tool model, say) |
# | `"prompt"` | always through the prompt |
# | `"off"` | tool calls raise `ToolCallingNotSupportedError` |

# %%
from kluster_integrations.core.errors import ToolCallingNotSupportedError

try:
    ChatKluster(model=TOOL_MODEL, tool_calling="off").bind_tools([multiply])
except ToolCallingNotSupportedError as err:
    print(type(err).__name__, "-", err)

# %%
if backend.is_emulated:
    backend.emulator.stop()
