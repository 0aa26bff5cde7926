"""Write the notebooks in this folder from the cells below, then run them in place.

The notebooks are generated, not edited by hand: change the cells here and rebuild, so the
committed ``.ipynb`` files always carry the outputs of a real run. Runs happen on the
bundled kluster.ai emulator (``KLUSTER_API_KEY`` is removed from the kernel's environment),
whose answers are deterministic; ``tests/notebooks`` executes every notebook again and checks
that the committed outputs equal the fresh ones.

Usage, from the repository root::

    .venv/bin/python notebooks/build.py                      # write and run every notebook
    .venv/bin/python notebooks/build.py llamaindex_rag       # just one
    .venv/bin/python notebooks/build.py --no-run             # write sources only, no outputs
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS_DIR = Path(__file__).resolve().parent

#: Removed from the kernel's environment so every build and test run uses the emulator.
KERNEL_ENV_REMOVED = ("KLUSTER_API_KEY", "KLUSTER_BASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL")

KERNEL_NAME = "python3"
CELL_TIMEOUT_SECONDS = 120

NOTEBOOK_METADATA = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                   "name": KERNEL_NAME},
    "language_info": {"name": "python"},
}

Cell = tuple[str, str]  # ("markdown" | "code", source)


def md(text: str) -> Cell:
    return ("markdown", textwrap.dedent(text).strip())


def code(text: str) -> Cell:
    return ("code", textwrap.dedent(text).strip())


BACKEND_INTRO = md("""
    ## 1. Where this notebook runs

    With `KLUSTER_API_KEY` set in your environment, everything below runs on
    [kluster.ai](https://kluster.ai). Without it, `start_backend()` starts the **bundled
    kluster.ai emulator**: a local server that speaks the kluster.ai API, rejects what
    kluster.ai rejects, and answers deterministically (it quotes your question, or picks the
    best-matching sentence from the context it was given). The outputs saved in this
    notebook come from the emulator; run it with your key to see real model answers.
""")

BACKEND_CELL = code("""
    from kluster_integrations.demo.backend import start_backend

    backend = start_backend()  # kluster.ai if KLUSTER_API_KEY is set, else the local emulator
    print(f"Running on {backend.description}.")
""")


# --------------------------------------------------------------------------------------
# langchain_quickstart.ipynb
# --------------------------------------------------------------------------------------

LANGCHAIN_QUICKSTART: list[Cell] = [
    md("""
        # LangChain on kluster.ai: quickstart

        kluster.ai serves open models through an OpenAI-compatible API, but it refuses
        part of the OpenAI protocol (`response_format`, `tools`, `stream_options`, `n`,
        message `name`s, ...), and LangChain's `ChatOpenAI` sends some of those on its own.
        `ChatKluster` is a `ChatOpenAI` that keeps the kluster.ai contract, so the switch is
        one import:

        ```python
        # from langchain_openai import ChatOpenAI
        from kluster_integrations.langchain import ChatKluster
        ```

        This notebook covers: a single call, streaming, a `prompt | model | parser` chain,
        batching with `max_concurrency`, async, structured output into a Pydantic model, and
        what happens when you ask for something kluster.ai does not support.

        Install: `pip install "kluster-integrations[langchain]"`.
    """),
    BACKEND_INTRO,
    BACKEND_CELL,
    md("""
        ## 2. Create the model and call it

        `ChatKluster` reads the key from `KLUSTER_API_KEY` (and the URL from
        `KLUSTER_BASE_URL`, which defaults to `https://api.kluster.ai/v1`). `model` is any
        kluster.ai model id; fine-tuned (`ft:...`) and dedicated-deployment ids work too.
        `max_tokens` is sent as `max_completion_tokens`, the name kluster.ai expects.
    """),
    code("""
        from kluster_integrations.langchain import ChatKluster

        llm = ChatKluster(
            model="klusterai/Meta-Llama-3.3-70B-Instruct-Turbo",
            temperature=0.2,
            max_tokens=256,
        )
        reply = llm.invoke("In one sentence, what is an inference API?")
        print(reply.content)
        print("tokens:", reply.usage_metadata)
    """),
    md("""
        ## 3. Stream the answer

        `stream()` yields message chunks as the server sends them. kluster.ai does not take
        `stream_options`, so `ChatKluster` never sends it; if a stream is cut before the
        server says it is finished, you get a `StreamInterruptedError` rather than a
        silently truncated answer.
    """),
    code("""
        for chunk in llm.stream("Name three things to check before shipping an LLM feature."):
            print(chunk.content, end="", flush=True)
        print()
    """),
    md("""
        ## 4. A chain: prompt | model | parser

        `ChatKluster` is a regular LangChain chat model, so it composes with the LangChain
        Expression Language like any other.
    """),
    code("""
        from langchain_core.output_parsers import StrOutputParser
        from langchain_core.prompts import ChatPromptTemplate

        prompt = ChatPromptTemplate.from_messages([
            ("system", "You are a concise assistant for software developers."),
            ("human", "Explain {topic} in two sentences."),
        ])
        chain = prompt | llm | StrOutputParser()
        print(chain.invoke({"topic": "retrieval-augmented generation"}))
    """),
    md("""
        ## 5. Batch with `max_concurrency`

        `batch()` runs many inputs in parallel threads. kluster.ai limits concurrent
        requests per account tier (20 on the Trial tier, 100 on paid tiers) and answers
        HTTP 429 above the limit, so cap the parallelism with `max_concurrency`. Results
        come back in input order.

        (For thousands of prompts that can wait, kluster.ai's Batch API is cheaper than
        real-time calls.)
    """),
    code("""
        topics = ["embeddings", "streaming responses", "token limits", "structured output"]
        answers = chain.batch([{"topic": topic} for topic in topics],
                              config={"max_concurrency": 2})
        for topic, answer in zip(topics, answers):
            print(f"- {topic}: {answer}")
    """),
    md("""
        ## 6. Async

        Every call has an async twin (`ainvoke`, `astream`, `abatch`). Jupyter runs an event
        loop already, so `await` works directly in a cell.
    """),
    code("""
        async for chunk in chain.astream({"topic": "rate limits"}):
            print(chunk, end="", flush=True)
        print()
    """),
    md("""
        ## 7. Structured output into a Pydantic model

        kluster.ai accepts neither `response_format` (JSON mode) nor `tools`, the two ways
        `ChatOpenAI.with_structured_output` normally works. `ChatKluster` puts the JSON
        schema in the system prompt instead, then parses and validates the reply (code
        fences, surrounding prose and `<think>` blocks are tolerated). You get a validated
        Pydantic object, or a `StructuredOutputParseError` that shows the model's reply.
    """),
    code("""
        from pydantic import BaseModel, Field


        class ModelCard(BaseModel):
            \"\"\"A short description of a language model.\"\"\"

            name: str = Field(description="the model's name")
            provider: str = Field(description="the organisation that released it")
            context_window_tokens: int = Field(description="context window, in tokens")
            good_for: list[str] = Field(description="two or three tasks it does well")


        card = llm.with_structured_output(ModelCard).invoke(
            "Describe the model Llama 3.3 70B Instruct."
        )
        card
    """),
    md("""
        **Only on the emulator:** it records every request body it receives, so we can look
        at what actually went over the wire: no `response_format`, and the schema travelling
        in the system message.
    """),
    code("""
        if backend.emulator is not None:
            sent = backend.emulator.chat_requests()[-1]
            print("parameters sent:", sorted(sent))
            print("system message starts with:", repr(sent["messages"][0]["content"][:70]))
    """),
    md("""
        ## 8. Parameters kluster.ai refuses, and strict mode

        There are two kinds of unsupported parameters:

        - those **LangChain adds on its own** (`stream_options`, `n=1`, `parallel_tool_calls`,
          ...) are removed silently: you did not ask for them;
        - those **you set yourself** (per call, with `bind`, `model_kwargs`, `extra_body` or
          the constructor) are removed with an `UnsupportedParameterWarning`, once per
          parameter, so your code keeps working but you know it did not get what it asked
          for.
    """),
    code("""
        import warnings

        from kluster_integrations import UnsupportedParameterWarning

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UnsupportedParameterWarning)
            reply = llm.invoke("Say hello.", response_format={"type": "json_object"})

        print("reply:", reply.content)
        for warning in caught:
            if issubclass(warning.category, UnsupportedParameterWarning):
                print(f"{warning.category.__name__}: {warning.message}")
    """),
    md("""
        With `strict_parameters=True` the same request raises `UnsupportedParameterError`
        **before anything is sent**, listing every refused parameter with its fix. Use it in
        tests and CI to catch code that relies on features kluster.ai does not have.
    """),
    code("""
        from kluster_integrations.langchain import UnsupportedParameterError

        strict_llm = ChatKluster(temperature=0.2, strict_parameters=True)
        try:
            strict_llm.invoke("Say hello.", response_format={"type": "json_object"},
                              service_tier="priority")
        except UnsupportedParameterError as err:
            print(err)
    """),
    md("""
        Tools work on every model: native on kluster.ai's tool models (this one is), written
        into the prompt and read back as tool calls on the others. See
        [agents.ipynb](agents.ipynb) for agents; `tool_calling="off"` turns tools off.
    """),
    code("""
        from langchain_core.tools import tool


        @tool
        def get_weather(city: str) -> str:
            \"\"\"Return the current weather in a city.\"\"\"
            return "sunny"


        call = llm.bind_tools([get_weather]).invoke("What is the weather in 'Lisbon'?")
        print([(c["name"], c["args"]) for c in call.tool_calls])
    """),
    md("""
        ## Next

        - [llamaindex_rag.ipynb](llamaindex_rag.ipynb): retrieval-augmented generation with
          LlamaIndex on kluster.ai (embeddings, query and chat engines, a ReAct agent).
        - [model_comparison.ipynb](model_comparison.ipynb): run the same chain on two
          kluster.ai models side by side and let a third one judge.
    """),
]


# --------------------------------------------------------------------------------------
# llamaindex_rag.ipynb
# --------------------------------------------------------------------------------------

LLAMAINDEX_RAG: list[Cell] = [
    md("""
        # Retrieval-augmented generation with LlamaIndex on kluster.ai

        `KlusterLLM` and `KlusterEmbedding` plug kluster.ai into LlamaIndex. Set them once in
        `Settings` and the rest of a LlamaIndex pipeline stays as it is. This notebook
        indexes a few documents, then asks questions through a query engine (also
        streaming), holds a conversation with a chat engine, extracts a Pydantic object with
        `structured_predict`, and lets a `ReActAgent` call a Python tool.

        Install: `pip install "kluster-integrations[llama-index]"`.
    """),
    BACKEND_INTRO,
    BACKEND_CELL,
    md("""
        ## 2. Point LlamaIndex at kluster.ai

        `KlusterLLM` takes its context window and output size from the package's model
        catalog, sends `max_tokens` as `max_completion_tokens`, and never sends the
        parameters kluster.ai refuses. `KlusterEmbedding` uses `BAAI/bge-m3` (1024-dimensional
        vectors) and sends text, not OpenAI token ids.
    """),
    code("""
        from llama_index.core import Settings

        from kluster_integrations.llama_index import KlusterEmbedding, KlusterLLM

        Settings.llm = KlusterLLM(
            model="klusterai/Meta-Llama-3.3-70B-Instruct-Turbo",
            temperature=0,
            max_tokens=512,
        )
        Settings.embed_model = KlusterEmbedding()

        print("LLM:", Settings.llm.model,
              f"(context window {Settings.llm.metadata.context_window:,} tokens)")
        print("Embeddings:", Settings.embed_model.model_name)
    """),
    md("""
        ## 3. A few documents, indexed

        In a real project you would load files with `SimpleDirectoryReader`; here a handful
        of short notes about kluster.ai are enough. Building the index embeds every chunk
        with `KlusterEmbedding`.
    """),
    code("""
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
    """),
    md("""
        ## 4. Ask questions with a query engine

        The query engine embeds the question, retrieves the most similar chunks, and asks
        the LLM to answer from them. `source_nodes` tells you where the answer came from.
    """),
    code("""
        query_engine = index.as_query_engine(similarity_top_k=2)
        response = query_engine.query("How many requests per minute does the Core tier allow?")

        print(response)
        print()
        for source in response.source_nodes:
            print(f"source: {source.metadata['title']:<16} similarity {source.score:.2f}")
    """),
    md("""
        ### Streaming

        With `streaming=True` the answer arrives token by token, which is what you want in a
        user interface.
    """),
    code("""
        streaming_engine = index.as_query_engine(similarity_top_k=2, streaming=True)
        streaming_response = streaming_engine.query("How many dimensions do bge-m3 vectors have?")
        for token in streaming_response.response_gen:
            print(token, end="", flush=True)
        print()
    """),
    md("""
        ## 5. A conversation with a chat engine

        `condense_plus_context` rewrites each follow-up into a standalone question using the
        chat history, retrieves context for it, then answers. kluster.ai does not accept
        message `name`s or tool messages in the history; `KlusterLLM` rewrites such history
        into plain text, so long conversations keep working.
    """),
    code("""
        chat_engine = index.as_chat_engine(chat_mode="condense_plus_context", similarity_top_k=2)

        for question in ["Which embedding model does kluster.ai serve?",
                         "How many inputs can one embedding request take?"]:
            print("You:      ", question)
            print("Assistant:", chat_engine.chat(question))
            print()
    """),
    md("""
        ## 6. Structured output with `structured_predict`

        kluster.ai has no JSON mode and no tool calling, so `KlusterLLM.structured_predict`
        puts the schema of your Pydantic class into the prompt and validates the JSON reply.
        (On the emulator the values are placeholders that fit the schema.)
    """),
    code("""
        from llama_index.core.prompts import PromptTemplate
        from pydantic import BaseModel, Field


        class TierLimits(BaseModel):
            \"\"\"Rate limits of one kluster.ai account tier.\"\"\"

            tier: str = Field(description="the tier's name")
            requests_per_minute: int
            concurrent_requests: int


        limits = Settings.llm.structured_predict(
            TierLimits,
            PromptTemplate("Extract the limits of the {tier} tier from this text:\\n{text}"),
            tier="Core",
            text=documents[0].text,
        )
        limits
    """),
    md("""
        ## 7. An agent with a tool

        `FunctionAgent` works on every model (native tools on kluster.ai's tool models,
        prompted elsewhere; see [agents.ipynb](agents.ipynb)). `ReActAgent` works too: it
        describes the tools in the prompt, the model answers with
        `Thought / Action / Action Input` lines, LlamaIndex calls the tool and feeds the
        result back as an `Observation`.
    """),
    code("""
        from llama_index.core.agent.workflow import ReActAgent, ToolCallResult
        from llama_index.core.tools import FunctionTool

        PRICE_PER_MILLION_TOKENS = {"real-time": 0.70, "batch": 0.35}  # illustrative prices


        def estimate_cost(tokens: int, mode: str) -> float:
            \"\"\"Estimate the cost in dollars of processing `tokens` tokens in `mode`
            ('real-time' or 'batch').\"\"\"
            return round(tokens / 1_000_000 * PRICE_PER_MILLION_TOKENS[mode], 2)


        agent = ReActAgent(tools=[FunctionTool.from_defaults(estimate_cost)], llm=Settings.llm)
    """),
    md("""
        **Only on the emulator.** The emulator cannot reason, so we queue the two replies a
        model would write: first a tool call, then the final answer once it has seen the
        tool's result. On kluster.ai this cell does nothing and the model writes them itself.
    """),
    code("""
        if backend.emulator is not None:
            backend.emulator.queue_replies(
                "Thought: I need to use a tool to help me answer the question.\\n"
                "Action: estimate_cost\\n"
                'Action Input: {"tokens": 20000000, "mode": "batch"}',
                "Thought: I can answer without using any more tools.\\n"
                "Answer: Processing 20 million tokens as a batch job costs about $7.00.",
            )
    """),
    code("""
        handler = agent.run(user_msg="What would 20 million tokens cost as a batch job?")
        async for event in handler.stream_events():
            if isinstance(event, ToolCallResult):
                print(f"tool call: {event.tool_name}({event.tool_kwargs}) -> {event.tool_output}")
        answer = await handler
        print("answer:", answer)
    """),
    md("""
        ## Next

        - [langchain_quickstart.ipynb](langchain_quickstart.ipynb): the same kluster.ai
          models from LangChain.
        - [model_comparison.ipynb](model_comparison.ipynb): compare two kluster.ai models on
          the same chain.
    """),
]


# --------------------------------------------------------------------------------------
# model_comparison.ipynb
# --------------------------------------------------------------------------------------

MODEL_COMPARISON: list[Cell] = [
    md("""
        # Compare two kluster.ai models side by side

        kluster.ai serves several open models behind one API, so trying another model is a
        one-string change. This notebook runs the same LangChain chain on two of them for a
        few questions, puts the answers next to each other with their token counts, and asks
        a third model to judge each pair, returning a structured verdict.
    """),
    BACKEND_INTRO,
    BACKEND_CELL,
    md("""
        ## 2. Pick the contenders

        The package's model catalog knows each kluster.ai model's context window and maximum
        output (paid-tier figures; the Trial tier caps every model at 32k context and 4k
        output). Ids it does not know, such as your fine-tunes, still work.
    """),
    code("""
        from kluster_integrations import lookup_model

        CONTENDERS = {
            "Llama 3.3 70B": "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo",
            "DeepSeek V3": "deepseek-ai/DeepSeek-V3-0324",
        }
        JUDGE = "Qwen/Qwen3-235B-A22B-FP8"

        for label, model_id in {**CONTENDERS, "judge": JUDGE}.items():
            info = lookup_model(model_id)
            print(f"{label:<14} {model_id:<44} context {info.context_window:>9,} tokens, "
                  f"output up to {info.max_output_tokens:>9,}")
    """),
    md("""
        ## 3. One chain, two models

        The prompt is shared; only the model differs. `RunnableParallel` sends each input to
        both chains at once, and `batch` runs all questions, at most four requests at a time
        (keep `max_concurrency` under your tier's concurrency limit).
    """),
    code("""
        from langchain_core.prompts import ChatPromptTemplate
        from langchain_core.runnables import RunnableParallel

        from kluster_integrations.langchain import ChatKluster

        prompt = ChatPromptTemplate.from_messages([
            ("system", "Answer in at most three sentences, for a software developer."),
            ("human", "{question}"),
        ])
        side_by_side = RunnableParallel({
            label: prompt | ChatKluster(model=model_id, temperature=0, max_tokens=300)
            for label, model_id in CONTENDERS.items()
        })

        QUESTIONS = [
            "When should I use a batch API instead of real-time requests?",
            "What does a vector embedding represent?",
            "How do I keep an LLM from making up facts in a support bot?",
        ]
        results = side_by_side.batch([{"question": q} for q in QUESTIONS],
                                     config={"max_concurrency": 4})
        print(f"{len(results)} questions x {len(CONTENDERS)} models answered.")
    """),
    md("""
        ## 4. The answers, next to each other

        Each result is a dict of `AIMessage`s keyed by model label; `usage_metadata` holds
        the token counts kluster.ai reported.
    """),
    code("""
        from IPython.display import Markdown


        def cell(text: str) -> str:
            return " ".join(text.split()).replace("|", "\\\\|")


        labels = list(CONTENDERS)
        rows = ["| question | " + " | ".join(labels) + " |",
                "|---" * (len(labels) + 1) + "|"]
        for question, answers in zip(QUESTIONS, results):
            rows.append(f"| {cell(question)} | "
                        + " | ".join(cell(answers[label].content) for label in labels) + " |")
        Markdown("\\n".join(rows))
    """),
    code("""
        for label in labels:
            used = [answers[label].usage_metadata for answers in results]
            print(f"{label:<14} input tokens {sum(u['input_tokens'] for u in used):>5}, "
                  f"output tokens {sum(u['output_tokens'] for u in used):>5}")
    """),
    md("""
        ## 5. Let a third model judge

        An LLM judge is a quick first filter before a human review. `with_structured_output`
        returns a validated `Verdict` for each pair (on kluster.ai through the prompt, since
        there is no JSON mode). The answers are labelled A and B so the judge does not see
        model names. On the emulator the verdicts are placeholders that fit the schema.
    """),
    code("""
        from collections import Counter
        from typing import Literal

        from pydantic import BaseModel, Field


        class Verdict(BaseModel):
            \"\"\"Which of two answers is better, and why.\"\"\"

            winner: Literal["A", "B", "tie"]
            reason: str = Field(description="one sentence")


        judge = (
            ChatPromptTemplate.from_messages([
                ("system", "You compare two answers to the same question for accuracy and "
                           "clarity."),
                ("human", "Question: {question}\\n\\nAnswer A: {a}\\n\\nAnswer B: {b}"),
            ])
            | ChatKluster(model=JUDGE, temperature=0).with_structured_output(Verdict)
        )
        first, second = labels
        verdicts = judge.batch(
            [{"question": q, "a": answers[first].content, "b": answers[second].content}
             for q, answers in zip(QUESTIONS, results)],
            config={"max_concurrency": 4},
        )
        names = {"A": first, "B": second, "tie": "tie"}
        for question, verdict in zip(QUESTIONS, verdicts):
            print(f"{question}\\n  -> {names[verdict.winner]}: {verdict.reason}")
        print()
        print("Tally:", dict(Counter(names[v.winner] for v in verdicts)))
    """),
    md("""
        ## Next steps

        - Swap A and B and judge again: LLM judges tend to favour one position, and a
          verdict that flips with the order is a tie.
        - Add your own questions and a reference answer per question, and ask the judge to
          grade against the reference.
        - Try other ids from `kluster_integrations.KNOWN_MODELS`, or your fine-tunes.
    """),
]


NOTEBOOKS: dict[str, list[Cell]] = {
    "langchain_quickstart": LANGCHAIN_QUICKSTART,
    "llamaindex_rag": LLAMAINDEX_RAG,
    "model_comparison": MODEL_COMPARISON,
}


def notebook_path(name: str) -> Path:
    return NOTEBOOKS_DIR / f"{name}.ipynb"


def build_notebook(cells: list[Cell]) -> nbformat.NotebookNode:
    """An nbformat v4 notebook with stable cell ids (``cell-01``, ``cell-02``, ...)."""
    makers: dict[str, Callable[..., nbformat.NotebookNode]] = {
        "markdown": nbformat.v4.new_markdown_cell, "code": nbformat.v4.new_code_cell}
    notebook = nbformat.v4.new_notebook(metadata=NOTEBOOK_METADATA)
    notebook.cells = [makers[kind](source, id=f"cell-{number:02d}")
                      for number, (kind, source) in enumerate(cells, start=1)]
    return notebook


def kernel_env() -> dict[str, str]:
    """This process's environment without kluster.ai / OpenAI credentials: the emulator."""
    return {name: value for name, value in os.environ.items()
            if name not in KERNEL_ENV_REMOVED}


def execute(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Run every cell in a fresh kernel on the emulator; raises ``CellExecutionError``.

    The kernel is ``python3`` started from this interpreter (jupyter_client replaces the
    kernel spec's ``python`` with ``sys.executable``), so run this with the project's venv.
    """
    client = NotebookClient(
        notebook,
        kernel_name=KERNEL_NAME,
        timeout=CELL_TIMEOUT_SECONDS,
        record_timing=False,
        coalesce_streams=True,
        resources={"metadata": {"path": str(NOTEBOOKS_DIR)}},
    )
    client.execute(env=kernel_env(), cwd=str(NOTEBOOKS_DIR))
    notebook.metadata = nbformat.from_dict(NOTEBOOK_METADATA)  # drop the kernel's version
    return notebook


def write(notebook: nbformat.NotebookNode, path: Path) -> None:
    nbformat.validate(notebook)
    nbformat.write(notebook, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"notebooks to build (default: all of {', '.join(NOTEBOOKS)})")
    parser.add_argument("--no-run", action="store_true", help="write sources without running")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(NOTEBOOKS))
    if unknown:
        parser.error(f"unknown notebook(s) {', '.join(unknown)}; choose from "
                     f"{', '.join(NOTEBOOKS)}")
    for name in args.names or NOTEBOOKS:
        notebook = build_notebook(NOTEBOOKS[name])
        if not args.no_run:
            print(f"running {name} ...", flush=True)
            execute(notebook)
        write(notebook, notebook_path(name))
        print(f"wrote {notebook_path(name).relative_to(NOTEBOOKS_DIR.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
