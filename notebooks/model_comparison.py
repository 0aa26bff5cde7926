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
# # Compare two kluster.ai models side by side
#
# kluster.ai serves several open models behind one API, so trying another model is a
# one-string change. This notebook runs the same LangChain chain on two of them for a
# few questions, puts the answers next to each other with their token counts, and asks
# a third model to judge each pair, returning a structured verdict.

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
# ## 2. Pick the contenders
#
# The package's model catalog knows each kluster.ai model's context window and maximum
# output (paid-tier figures; the Trial tier caps every model at 32k context and 4k
# output). Ids it does not know, such as your fine-tunes, still work.

# %%
from kluster_integrations import lookup_model

CONTENDERS = {
    "Llama 3.3 70B": "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo",
    "DeepSeek V3": "deepseek-ai/DeepSeek-V3-0324",
}
JUDGE = "Qwen/Qwen3-235B-A22B-FP8"

for label, model_id in {**CONTENDERS, "judge": JUDGE}.items():
    info = lookup_model(model_id)
    print(
        f"{label:<14} {model_id:<44} context {info.context_window:>9,} tokens, "
        f"output up to {info.max_output_tokens:>9,}"
    )

# %% [markdown]
# ## 3. One chain, two models
#
# The prompt is shared; only the model differs. `RunnableParallel` sends each input to
# both chains at once, and `batch` runs all questions, at most four requests at a time
# (keep `max_concurrency` under your tier's concurrency limit).

# %%
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableParallel

from kluster_integrations.langchain.chat_models import ChatKluster

prompt = ChatPromptTemplate.from_messages(
    [
        ("system", "Answer in at most three sentences, for a software developer."),
        ("human", "{question}"),
    ]
)
side_by_side = RunnableParallel(
    {
        label: prompt | ChatKluster(model=model_id, temperature=0, max_tokens=300)
        for label, model_id in CONTENDERS.items()
    }
)

QUESTIONS = [
    "When should I use a batch API instead of real-time requests?",
    "What does a vector embedding represent?",
    "How do I keep an LLM from making up facts in a support bot?",
]
results = side_by_side.batch([{"question": q} for q in QUESTIONS], config={"max_concurrency": 4})
print(f"{len(results)} questions x {len(CONTENDERS)} models answered.")

# %% [markdown]
# ## 4. The answers, next to each other
#
# Each result is a dict of `AIMessage`s keyed by model label; `usage_metadata` holds
# the token counts kluster.ai reported.

# %%
from IPython.display import Markdown


def cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


labels = list(CONTENDERS)
rows = ["| question | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]
for question, answers in zip(QUESTIONS, results, strict=True):
    rows.append(
        f"| {cell(question)} | "
        + " | ".join(cell(answers[label].content) for label in labels)
        + " |"
    )
Markdown("\n".join(rows))

# %%
for label in labels:
    used = [answers[label].usage_metadata for answers in results]
    print(
        f"{label:<14} input tokens {sum(u['input_tokens'] for u in used):>5}, "
        f"output tokens {sum(u['output_tokens'] for u in used):>5}"
    )

# %% [markdown]
# ## 5. Let a third model judge
#
# An LLM judge is a quick first filter before a human review. `with_structured_output`
# returns a validated `Verdict` for each pair (on kluster.ai through the prompt, since
# there is no JSON mode). The answers are labelled A and B so the judge does not see
# model names. On the emulator the verdicts are placeholders that fit the schema.

# %%
from collections import Counter
from typing import Literal

from pydantic import BaseModel, Field


class Verdict(BaseModel):
    """Which of two answers is better, and why."""

    winner: Literal["A", "B", "tie"]
    reason: str = Field(description="one sentence")


judge = ChatPromptTemplate.from_messages(
    [
        ("system", "You compare two answers to the same question for accuracy and clarity."),
        ("human", "Question: {question}\n\nAnswer A: {a}\n\nAnswer B: {b}"),
    ]
) | ChatKluster(model=JUDGE, temperature=0).with_structured_output(Verdict)
first, second = labels
verdicts = judge.batch(
    [
        {"question": q, "a": answers[first].content, "b": answers[second].content}
        for q, answers in zip(QUESTIONS, results, strict=True)
    ],
    config={"max_concurrency": 4},
)
names = {"A": first, "B": second, "tie": "tie"}
for question, verdict in zip(QUESTIONS, verdicts, strict=True):
    print(f"{question}\n  -> {names[verdict.winner]}: {verdict.reason}")
print()
print("Tally:", dict(Counter(names[v.winner] for v in verdicts)))

# %% [markdown]
# ## 6. A reasoning model: its thinking and its answer, apart
#
# Reasoning models such as `deepseek-ai/DeepSeek-R1-0528` write their thinking in a
# `<think>` block before the answer. `ChatKluster` keeps it out of the answer text: the
# thinking goes to `additional_kwargs["reasoning_content"]` (and a `reasoning` block in
# `content_blocks`), the answer stays in `content`. `reasoning="inline"` keeps today's
# mixed text; `reasoning="drop"` removes the thinking. Next to it, a model that does not
# reason, on the same question.

# %%
REASONER = "deepseek-ai/DeepSeek-R1-0528"
question = QUESTIONS[0]
thought = ChatKluster(model=REASONER, temperature=0, max_tokens=600).invoke(question)
plain = ChatKluster(model=CONTENDERS["Llama 3.3 70B"], temperature=0, max_tokens=300).invoke(
    question
)
print("Thinking:", cell(thought.additional_kwargs.get("reasoning_content", "")))
print("Answer:  ", cell(thought.content))
print("Blocks:  ", [block["type"] for block in thought.content_blocks])
print("Llama 3.3 70B, no thinking:", cell(plain.content))

# %% [markdown]
# Streaming works the same way: each chunk carries either thinking (in
# `additional_kwargs["reasoning_content"]`) or answer text, never a half `<think>` tag.

# %%
thinking_parts, answer_parts = [], []
for chunk in ChatKluster(model=REASONER, temperature=0, max_tokens=600).stream(question):
    thinking_parts.append(chunk.additional_kwargs.get("reasoning_content", ""))
    answer_parts.append(chunk.text)
print("Streamed thinking:", cell("".join(thinking_parts)))
print("Streamed answer:  ", cell("".join(answer_parts)))

# %% [markdown]
# ## Next steps
#
# - Swap A and B and judge again: LLM judges tend to favour one position, and a
#   verdict that flips with the order is a tie.
# - Add your own questions and a reference answer per question, and ask the judge to
#   grade against the reference.
# - Try other ids from `kluster_integrations.KNOWN_MODELS`, or your fine-tunes.
