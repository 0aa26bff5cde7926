# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: -all
#     notebook_metadata_filter: kernelspec,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # LangChain on kluster.ai: quickstart
#
# kluster.ai serves open models through an OpenAI-compatible API, but it refuses
# part of the OpenAI protocol (`response_format`, `tools`, `stream_options`, `n`,
# message `name`s, ...), and LangChain's `ChatOpenAI` sends some of those on its own.
# `ChatKluster` is a `ChatOpenAI` that keeps the kluster.ai contract, so the switch is
# one import:
#
# ```python
# # from langchain_openai import ChatOpenAI
# from kluster_integrations.langchain import ChatKluster
# ```
#
# This notebook covers: a single call, streaming, a `prompt | model | parser` chain,
# batching with `max_concurrency`, async, structured output into a Pydantic model, and
# what happens when you ask for something kluster.ai does not support.
#
# Install: `pip install "kluster-integrations[langchain]"`.

# %% [markdown]
# ## 1. Where this notebook runs
#
# With `KLUSTER_API_KEY` set in your environment, everything below runs on
# [kluster.ai](https://kluster.ai). Without it, `start_backend()` starts the **bundled
# kluster.ai emulator**: a local server that speaks the kluster.ai API, rejects what
# kluster.ai rejects, and answers deterministically (it quotes your question, or picks the
# best-matching sentence from the context it was given). The outputs saved in this
# notebook come from the emulator; run it with your key to see real model answers.

# %%
from kluster_integrations.demo import start_backend

backend = start_backend()  # kluster.ai if KLUSTER_API_KEY is set, else the local emulator
print(f"Running on {backend.description}.")

# %% [markdown]
# ## 2. Create the model and call it
#
# `ChatKluster` reads the key from `KLUSTER_API_KEY` (and the URL from
# `KLUSTER_BASE_URL`, which defaults to `https://api.kluster.ai/v1`). `model` is any
# kluster.ai model id; fine-tuned (`ft:...`) and dedicated-deployment ids work too.
# `max_tokens` is sent as `max_completion_tokens`, the name kluster.ai expects.

# %%
from kluster_integrations.langchain.chat_models import ChatKluster

llm = ChatKluster(
    model="klusterai/Meta-Llama-3.3-70B-Instruct-Turbo",
    temperature=0.2,
    max_tokens=256,
)
reply = llm.invoke("In one sentence, what is an inference API?")
print(reply.content)
print("tokens:", reply.usage_metadata)

# %% [markdown]
# ## 3. Stream the answer
#
# `stream()` yields message chunks as the server sends them. kluster.ai does not take
# `stream_options`, so `ChatKluster` never sends it; if a stream is cut before the
# server says it is finished, you get a `StreamInterruptedError` rather than a
# silently truncated answer.

# %%
for chunk in llm.stream("Name three things to check before shipping an LLM feature."):
    print(chunk.content, end="", flush=True)
print()

# %% [markdown]
# ## 4. A chain: prompt | model | parser
#
# `ChatKluster` is a regular LangChain chat model, so it composes with the LangChain
# Expression Language like any other.

# %%
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

prompt = ChatPromptTemplate.from_messages(
    [
        ("system", "You are a concise assistant for software developers."),
        ("human", "Explain {topic} in two sentences."),
    ]
)
chain = prompt | llm | StrOutputParser()
print(chain.invoke({"topic": "retrieval-augmented generation"}))

# %% [markdown]
# ## 5. Batch with `max_concurrency`
#
# `batch()` runs many inputs in parallel threads. kluster.ai limits concurrent
# requests per account tier (20 on the Trial tier, 100 on paid tiers) and answers
# HTTP 429 above the limit, so cap the parallelism with `max_concurrency`. Results
# come back in input order.
#
# (For thousands of prompts that can wait, kluster.ai's Batch API is cheaper than
# real-time calls.)

# %%
topics = ["embeddings", "streaming responses", "token limits", "structured output"]
answers = chain.batch([{"topic": topic} for topic in topics], config={"max_concurrency": 2})
for topic, answer in zip(topics, answers, strict=True):
    print(f"- {topic}: {answer}")


# %% [markdown]
# ## 6. Async
#
# Every call has an async twin (`ainvoke`, `astream`, `abatch`). Jupyter runs an event
# loop already, so `await` works directly in a cell.

# %%
async for chunk in chain.astream({"topic": "rate limits"}):
    print(chunk, end="", flush=True)
print()

# %% [markdown]
# ## 7. Structured output into a Pydantic model
#
# kluster.ai accepts neither `response_format` (JSON mode) nor `tools`, the two ways
# `ChatOpenAI.with_structured_output` normally works. `ChatKluster` puts the JSON
# schema in the system prompt instead, then parses and validates the reply (code
# fences, surrounding prose and `<think>` blocks are tolerated). You get a validated
# Pydantic object, or a `StructuredOutputParseError` that shows the model's reply. An
# explicit `response_format` (`bind(response_format=...)`, LangChain's `ProviderStrategy`)
# is emulated the same way: its schema goes into the prompt and the reply comes back as
# the checked JSON, or a `ResponseFormatError` naming the schema.

# %%
from pydantic import BaseModel, Field


class ModelCard(BaseModel):
    """A short description of a language model."""

    name: str = Field(description="the model's name")
    provider: str = Field(description="the organisation that released it")
    context_window_tokens: int = Field(description="context window, in tokens")
    good_for: list[str] = Field(description="two or three tasks it does well")


card = llm.with_structured_output(ModelCard).invoke("Describe the model Llama 3.3 70B Instruct.")
card

# %% [markdown]
# **Only on the emulator:** it records every request body it receives, so we can look
# at what actually went over the wire: no `response_format`, and the schema travelling
# in the system message.

# %%
if backend.emulator is not None:
    sent = backend.emulator.chat_requests()[-1]
    print("parameters sent:", sorted(sent))
    print("system message starts with:", repr(sent["messages"][0]["content"][:70]))

# %% [markdown]
# ## 8. Parameters kluster.ai refuses, and strict mode
#
# There are two kinds of unsupported parameters:
#
# - those **LangChain adds on its own** (`stream_options`, `n=1`, `parallel_tool_calls`,
#   ...) are removed silently: you did not ask for them;
# - those **you set yourself** (per call, with `bind`, `model_kwargs`, `extra_body` or
#   the constructor) are removed with an `UnsupportedParameterWarning`, once per
#   parameter, so your code keeps working but you know it did not get what it asked
#   for.

# %%
import warnings

from kluster_integrations import UnsupportedParameterWarning

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", UnsupportedParameterWarning)
    reply = llm.invoke("Say hello.", service_tier="priority")

print("reply:", reply.content)
for warning in caught:
    if issubclass(warning.category, UnsupportedParameterWarning):
        print(f"{warning.category.__name__}: {warning.message}")

# %% [markdown]
# With `strict_parameters=True` the same request raises `UnsupportedParameterError`
# **before anything is sent**, listing every refused parameter with its fix. Use it in
# tests and CI to catch code that relies on features kluster.ai does not have.

# %%
from kluster_integrations.core.errors import UnsupportedParameterError

strict_llm = ChatKluster(temperature=0.2, strict_parameters=True)
try:
    strict_llm.invoke(
        "Say hello.", response_format={"type": "json_object"}, service_tier="priority"
    )
except UnsupportedParameterError as err:
    print(err)

# %% [markdown]
# Tools work on every model: native on kluster.ai's tool models (this one is), written
# into the prompt and read back as tool calls on the others. See
# [agents.ipynb](agents.ipynb) for agents; `tool_calling="off"` turns tools off.

# %%
from langchain_core.tools import tool


@tool
def get_weather(city: str) -> str:
    """Return the current weather in a city."""
    return "sunny"


call = llm.bind_tools([get_weather]).invoke("What is the weather in 'Lisbon'?")
print([(c["name"], c["args"]) for c in call.tool_calls])

# %% [markdown]
# ## Next
#
# - [llamaindex_rag.ipynb](llamaindex_rag.ipynb): retrieval-augmented generation with
#   LlamaIndex on kluster.ai (embeddings, query and chat engines, a ReAct agent).
# - [model_comparison.ipynb](model_comparison.ipynb): run the same chain on two
#   kluster.ai models side by side and let a third one judge.
