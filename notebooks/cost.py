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
# # What a job costs: three models, real-time and as Batch API jobs
#
# kluster.ai's prices differ many times over between models, and its Batch API has a price
# of its own per completion window (`24h`, `48h`, `72h`). This notebook runs one job,
# classifying 200 short reviews, on three models: real-time with `.batch()`, and as a Batch API
# job in each window. Every answer carries its cost (`response_metadata["cost_usd"]`), and
# `track_cost()` / `get_kluster_callback()` add them up. A chart compares the lot.

# %% [markdown]
# ## 1. Where this notebook runs
#
# With `KLUSTER_API_KEY` set, on [kluster.ai](https://kluster.ai), at your account's prices
# (`refresh_catalog()` loads them from the live model list). Without it, on the **bundled
# kluster.ai emulator**, which answers deterministically and lists the package's built-in
# prices; the saved outputs come from the emulator, so the figures are small and the labels
# are not a real classification.

# %%
from kluster_integrations.demo import start_backend

backend = start_backend()  # kluster.ai if KLUSTER_API_KEY is set, else the local emulator
print(f"Running on {backend.description}.")

# %%
from kluster_integrations import price_of, refresh_catalog

refresh_catalog()  # capabilities, limits and prices of every model, for every class

MODELS = [
    "klusterai/Meta-Llama-3.1-8B-Instruct-Turbo",
    "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo",
    "deepseek-ai/DeepSeek-V3-0324",
]
WINDOWS = ["24h", "48h", "72h"]
print("USD per 1M tokens (input / output)")
for model in MODELS:
    figures = [price_of(model, window) for window in [None, *WINDOWS]]
    shown = ["{:.2f} / {:.2f}".format(*price.in_millions()) for price in figures]
    print(f"{model:46} real-time {shown[0]:12} batch {', '.join(shown[1:])}")

# %% [markdown]
# ## 2. The job
#
# Two hundred made-up product reviews, each to be labelled in one word.

# %%
import itertools

openings = ["Arrived on time and", "After a week it", "For the price it", "Out of the box it"]
verdicts = [
    "works perfectly.",
    "stopped working.",
    "is fine, nothing special.",
    "feels cheap.",
    "exceeded my expectations.",
    "broke on day two.",
    "is a bargain.",
    "is too loud.",
    "does what it says.",
    "is my favourite purchase.",
]
products = ["kettle", "lamp", "keyboard", "backpack", "blender"]
texts = [
    f"Label this review positive, negative or neutral, in one word. The {product}: {o} {v}"
    for product, o, v in itertools.product(products, openings, verdicts)
]
print(len(texts), "texts, for example:", texts[0])

# %% [markdown]
# ## 3. Real-time, on each model
#
# `.batch()` sends the 200 requests concurrently from LangChain's thread pool.
# `track_cost()` sees every answer of the package inside it (any framework, any thread of
# LangChain's pools, any asyncio task); `get_kluster_callback()` is the LangChain way, like
# `get_openai_callback()`.

# %%
from kluster_integrations import track_cost
from kluster_integrations.langchain import ChatKluster, get_kluster_callback

costs: dict[tuple[str, str], float] = {}
with track_cost() as tracked, get_kluster_callback() as callback:
    for model in MODELS:
        llm = ChatKluster(model=model, max_tokens=5, temperature=0)
        answers = llm.batch(texts, config={"max_concurrency": 16})
        costs[model, "real-time"] = sum(a.response_metadata["cost_usd"] for a in answers)
        print(f"{model:46} ${costs[model, 'real-time']:.6f}")

print(f"\ntrack_cost:           ${tracked.total_usd:.6f} for {tracked.requests} requests")
print(f"get_kluster_callback: ${callback.total_cost:.6f} for {callback.successful_requests}")

# %% [markdown]
# ## 4. The same job through the Batch API, in each window
#
# Before submitting, `estimate_batch_cost` bounds what a job can cost (prompt tokens
# estimated from the text, output bounded by `max_tokens`). After, `job.cost()` prices the
# results at the job's window, beside the same tokens real-time.

# %%
poll_interval = 0.05 if backend.is_emulated else 60

with track_cost() as batch_tracked:
    for model in MODELS:
        llm = ChatKluster(model=model, max_tokens=5, temperature=0)
        for window in WINDOWS:
            estimate = llm.estimate_batch_cost(texts, completion_window=window)
            job = llm.submit_batch(texts, completion_window=window)
            job.wait(poll_interval=poll_interval, progress=False)
            job.results()  # read inside track_cost: counted once
            cost = job.cost()
            costs[model, window] = cost.total_usd
            print(
                f"{model:46} {window}: ${cost.total_usd:.6f} "
                f"(at most ${estimate.batch_usd:.6f} estimated; "
                f"real-time ${cost.realtime_usd:.6f})"
            )

print(f"\ntrack_cost over the 9 jobs: ${batch_tracked.total_usd:.6f}")
print(f"for {batch_tracked.requests} results")

# %% [markdown]
# ## 5. Cost per model and window
#
# The same 200 answers cost this much each way. A Batch window is not cheaper by the same
# factor on every model, nor always cheaper: on Llama 4 Maverick and DeepSeek-R1 a 24h input
# token costs more than a real-time one, so an input-heavy job can cost more as a batch.

# %%
import matplotlib.pyplot as plt

columns = ["real-time", *WINDOWS]
figure, axes = plt.subplots(figsize=(8, 4))
width = 0.2
for offset, column in enumerate(columns):
    axes.bar(
        [i + (offset - 1.5) * width for i in range(len(MODELS))],
        [costs[model, column] * 1000 for model in MODELS],
        width,
        label=column,
    )
axes.set_xticks(
    range(len(MODELS)), [m.split("/")[1].removesuffix("-Instruct-Turbo") for m in MODELS]
)
axes.set_ylabel("USD per 1,000 such jobs")
axes.set_title("Classifying 200 reviews: cost per model and completion window")
axes.legend()
figure.tight_layout()
plt.show()

# %%
for model in MODELS:
    cheapest = min(columns, key=lambda column: costs[model, column])
    saved = costs[model, "real-time"] - costs[model, cheapest]
    print(f"{model:46} cheapest: {cheapest:9} saves ${saved:.6f} on this job")

# %%
if backend.is_emulated:
    backend.emulator.stop()
