# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
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
# # Classifying 300 texts with kluster.ai's Batch API
#
# Real-time calls (`invoke`, `.batch()`) answer in seconds and cost the real-time price.
# kluster.ai's **Batch API** takes a whole job at once, answers within a completion window
# (`24h`, `48h` or `72h`) and costs a fraction of the real-time price: the right tool when
# nobody waits for each answer, as in labelling a dataset.
#
# `ChatKluster.submit_batch` builds every request exactly as `invoke` would, writes them to a
# JSONL file, uploads it and starts the batch. The job it returns can be watched with a
# progress bar, collected in input order, cancelled, or picked up again by id from another
# process.

# %% [markdown]
# ## 1. Where this notebook runs
#
# With `KLUSTER_API_KEY` set, on [kluster.ai](https://kluster.ai). Without it, on the
# **bundled kluster.ai emulator**, a local server that speaks the kluster.ai API (Batch API
# included) and answers deterministically: it fills in the first label for every text, so
# the counts below are not a real classification. The saved outputs come from the emulator.

# %%
from kluster_integrations.demo import start_backend

backend = start_backend()  # kluster.ai if KLUSTER_API_KEY is set, else the local emulator
print(f"Running on {backend.description}.")

if backend.is_emulated:
    # The emulator runs a batch in well under a second; slow it to 2 ms per request so the
    # progress bar below has something to show.
    from kluster_integrations.emulator import BatchClock, batch_store

    batch_store(backend.emulator.state).clock = BatchClock(seconds_per_line=0.002)

# %% [markdown]
# ## 2. The texts
#
# Three hundred short product reviews, made up for this notebook.

# %%
import itertools

openings = [
    "Arrived on time and",
    "After a week of use it",
    "Honestly, the product",
    "Compared to my old one it",
    "For the price it",
    "Out of the box it",
]
verdicts = [
    "works perfectly.",
    "stopped working.",
    "is fine, nothing special.",
    "feels cheap.",
    "exceeded my expectations.",
    "does what the description says.",
    "broke on day two.",
    "is a bargain.",
    "is too loud.",
    "is my favourite purchase this year.",
]
products = ["kettle", "lamp", "keyboard", "backpack", "blender"]
texts = [
    f"The {product}: {opening} {verdict}"
    for product, opening, verdict in itertools.product(products, openings, verdicts)
]
print(len(texts), "texts, for example:", texts[:3])

# %% [markdown]
# ## 3. Submit the job
#
# `schema=` asks for structured output the way `with_structured_output` does (the schema
# goes into the prompt), and the results come back as validated `Review` objects.

# %%
from typing import Literal

from pydantic import BaseModel, Field

from kluster_integrations.langchain.chat_models import ChatKluster


class Review(BaseModel):
    """The sentiment of one product review."""

    label: Literal["positive", "negative", "neutral"]
    reason: str = Field(description="a few words saying why")


llm = ChatKluster(model="klusterai/Meta-Llama-3.3-70B-Instruct-Turbo", temperature=0)
job = llm.submit_batch(texts, schema=Review, completion_window="24h")
print("Submitted job", job.id)

# %% [markdown]
# ## 4. Wait, with a progress bar
#
# On kluster.ai a job takes minutes to hours; poll every 30 seconds or so. The bar counts
# completed requests out of the total.

# %%
poll_interval = 0.1 if backend.is_emulated else 30
status = job.wait(poll_interval=poll_interval)
print(status.status, f"- {status.completed} completed, {status.failed} failed")

# %% [markdown]
# ## 5. Collect the results, in input order
#
# `return_exceptions=True` puts a `BatchItemError` (with `custom_id`, `status_code` and
# message) in place of any request that failed, instead of raising one error for the job.

# %%
from collections import Counter

from kluster_integrations.core.errors import BatchItemError

reviews = job.results(return_exceptions=True)
failed = [r for r in reviews if isinstance(r, BatchItemError)]
print("labels:", dict(Counter(r.label for r in reviews if isinstance(r, Review))))
print("failed:", len(failed))
for text, review in list(zip(texts, reviews, strict=True))[:3]:
    print(f"{review.label:>8}  {text}")

# %% [markdown]
# ## 6. Come back later
#
# The job id is all you need: in a new notebook or process, `ChatKluster().get_batch(id)`
# re-attaches (pass the same `schema`), and the command line works too:
#
# ```
# kluster-batch status  BATCH_ID
# kluster-batch results BATCH_ID > reviews.jsonl
# ```

# %%
again = ChatKluster().get_batch(job.id, schema=Review)
print(again.status().status, again.results(return_exceptions=True)[:2] == reviews[:2])

# %%
if backend.is_emulated:
    backend.emulator.stop()
