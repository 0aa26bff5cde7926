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
# # Retrieval-augmented generation with LlamaIndex on kluster.ai
#
# `KlusterLLM` and `KlusterEmbedding` plug kluster.ai into LlamaIndex. Set them once in
# `Settings` and the rest of a LlamaIndex pipeline stays as it is. This notebook
# indexes a few documents, then asks questions through a query engine (also
# streaming), holds a conversation with a chat engine, extracts a Pydantic object with
# `structured_predict`, and lets a `ReActAgent` call a Python tool.
#
# Install: `pip install "kluster-integrations[llama-index]"`.

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
# ## 2. Point LlamaIndex at kluster.ai
#
# `KlusterLLM` takes its context window and output size from the package's model
# catalog, sends `max_tokens` as `max_completion_tokens`, and never sends the
# parameters kluster.ai refuses. `KlusterEmbedding` uses `BAAI/bge-m3` (1024-dimensional
# vectors) and sends text, not OpenAI token ids.

# %%
from llama_index.core import Settings

from kluster_integrations.llama_index.embeddings import KlusterEmbedding
from kluster_integrations.llama_index.llms import KlusterLLM

Settings.llm = KlusterLLM(
    model="klusterai/Meta-Llama-3.3-70B-Instruct-Turbo",
    temperature=0,
    max_tokens=512,
)
Settings.embed_model = KlusterEmbedding()

print(
    "LLM:", Settings.llm.model, f"(context window {Settings.llm.metadata.context_window:,} tokens)"
)
print("Embeddings:", Settings.embed_model.model_name)

# %% [markdown]
# ## 3. A few documents, indexed
#
# In a real project you would load files with `SimpleDirectoryReader`; here a handful
# of short notes about kluster.ai are enough. Building the index embeds every chunk
# with `KlusterEmbedding`.

# %%
from llama_index.core import Document, VectorStoreIndex

documents = [
    Document(
        text="kluster.ai limits how fast an account can send requests. The Trial tier "
        "allows 30 requests per minute and 20 concurrent requests. The Core tier "
        "allows 600 requests per minute and 100 concurrent requests. Above the "
        "limit the API answers HTTP 429.",
        metadata={"title": "Rate limits"},
    ),
    Document(
        text="The embedding model on kluster.ai is BAAI/bge-m3. Its vectors have 1024 "
        "dimensions. One request can embed up to 2048 inputs of up to 8192 tokens "
        "each.",
        metadata={"title": "Embeddings"},
    ),
    Document(
        text="The Batch API takes a JSONL file of requests and returns the results "
        "within a completion window of 24, 48 or 72 hours. Batch jobs cost less "
        "than real-time requests.",
        metadata={"title": "Batch inference"},
    ),
    Document(
        text="kluster.ai serves DeepSeek, Llama, Gemma, Mistral and Qwen models. "
        "Llama 3.3 70B has a context window of 131 thousand tokens. "
        "Llama 4 Maverick has a context window of one million tokens.",
        metadata={"title": "Models"},
    ),
]
index = VectorStoreIndex.from_documents(documents)
print(f"Indexed {len(documents)} documents.")

# %% [markdown]
# ## 4. Ask questions with a query engine
#
# The query engine embeds the question, retrieves the most similar chunks, and asks
# the LLM to answer from them. `source_nodes` tells you where the answer came from.

# %%
query_engine = index.as_query_engine(similarity_top_k=2)
response = query_engine.query("How many requests per minute does the Core tier allow?")

print(response)
print()
for source in response.source_nodes:
    print(f"source: {source.metadata['title']:<16} similarity {source.score:.2f}")

# %% [markdown]
# ### Streaming
#
# With `streaming=True` the answer arrives token by token, which is what you want in a
# user interface.

# %%
streaming_engine = index.as_query_engine(similarity_top_k=2, streaming=True)
streaming_response = streaming_engine.query("How many dimensions do bge-m3 vectors have?")
for token in streaming_response.response_gen:
    print(token, end="", flush=True)
print()

# %% [markdown]
# ## 5. A conversation with a chat engine
#
# `condense_plus_context` rewrites each follow-up into a standalone question using the
# chat history, retrieves context for it, then answers. kluster.ai does not accept
# message `name`s or tool messages in the history; `KlusterLLM` rewrites such history
# into plain text, so long conversations keep working.

# %%
chat_engine = index.as_chat_engine(chat_mode="condense_plus_context", similarity_top_k=2)

for question in [
    "Which embedding model does kluster.ai serve?",
    "How many inputs can one embedding request take?",
]:
    print("You:      ", question)
    print("Assistant:", chat_engine.chat(question))
    print()

# %% [markdown]
# ## 6. Structured output with `structured_predict`
#
# kluster.ai has no JSON mode and no tool calling, so `KlusterLLM.structured_predict`
# puts the schema of your Pydantic class into the prompt and validates the JSON reply.
# (On the emulator the values are placeholders that fit the schema.)

# %%
from llama_index.core.prompts import PromptTemplate
from pydantic import BaseModel, Field


class TierLimits(BaseModel):
    """Rate limits of one kluster.ai account tier."""

    tier: str = Field(description="the tier's name")
    requests_per_minute: int
    concurrent_requests: int


limits = Settings.llm.structured_predict(
    TierLimits,
    PromptTemplate("Extract the limits of the {tier} tier from this text:\n{text}"),
    tier="Core",
    text=documents[0].text,
)
limits

# %% [markdown]
# ## 7. An agent with a tool
#
# `FunctionAgent` works on every model (native tools on kluster.ai's tool models,
# prompted elsewhere; see [agents.ipynb](agents.ipynb)). `ReActAgent` works too: it
# describes the tools in the prompt, the model answers with
# `Thought / Action / Action Input` lines, LlamaIndex calls the tool and feeds the
# result back as an `Observation`.

# %%
from llama_index.core.agent.workflow import ReActAgent, ToolCallResult
from llama_index.core.tools import FunctionTool

PRICE_PER_MILLION_TOKENS = {"real-time": 0.70, "batch": 0.35}  # illustrative prices


def estimate_cost(tokens: int, mode: str) -> float:
    """Estimate the cost in dollars of processing `tokens` tokens in `mode`
    ('real-time' or 'batch')."""
    return round(tokens / 1_000_000 * PRICE_PER_MILLION_TOKENS[mode], 2)


agent = ReActAgent(tools=[FunctionTool.from_defaults(estimate_cost)], llm=Settings.llm)

# %% [markdown]
# **Only on the emulator.** The emulator cannot reason, so we queue the two replies a
# model would write: first a tool call, then the final answer once it has seen the
# tool's result. On kluster.ai this cell does nothing and the model writes them itself.

# %%
if backend.emulator is not None:
    backend.emulator.queue_replies(
        "Thought: I need to use a tool to help me answer the question.\n"
        "Action: estimate_cost\n"
        'Action Input: {"tokens": 20000000, "mode": "batch"}',
        "Thought: I can answer without using any more tools.\n"
        "Answer: Processing 20 million tokens as a batch job costs about $7.00.",
    )

# %%
handler = agent.run(user_msg="What would 20 million tokens cost as a batch job?")
async for event in handler.stream_events():
    if isinstance(event, ToolCallResult):
        print(f"tool call: {event.tool_name}({event.tool_kwargs}) -> {event.tool_output}")
answer = await handler
print("answer:", answer)

# %% [markdown]
# ## Next
#
# - [langchain_quickstart.ipynb](langchain_quickstart.ipynb): the same kluster.ai
#   models from LangChain.
# - [model_comparison.ipynb](model_comparison.ipynb): compare two kluster.ai models on
#   the same chain.
