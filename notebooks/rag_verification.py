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
# # Is the answer in the documents? RAG verification with kluster.ai Verify
#
# A RAG pipeline can still answer with a figure or a name that none of its documents
# holds. kluster.ai **Verify** checks an answer against the context it was given and says
# whether it holds a hallucination, and why. This notebook builds a LlamaIndex query engine
# and a LangChain RAG chain over the same few notes, verifies one correct and one planted
# wrong answer in each, then evaluates a handful of questions with `BatchEvalRunner`, next
# to LlamaIndex's own `FaithfulnessEvaluator`.
#
# Install: `pip install "kluster-integrations[langchain,llama-index]"`.

# %% [markdown]
# ## 1. Where this notebook runs
#
# With `KLUSTER_API_KEY` set, everything below runs on [kluster.ai](https://kluster.ai).
# Without it, `start_backend()` starts the **bundled kluster.ai emulator**. Its Verify is a
# deterministic rule, not a model: an answer is a hallucination when it holds a number or a
# capitalised name that its context lacks. The saved outputs come from the emulator; with
# your key the verdicts and explanations come from kluster.ai.

# %%
from kluster_integrations.demo import start_backend

backend = start_backend()  # kluster.ai if KLUSTER_API_KEY is set, else the local emulator
print(f"Running on {backend.description}.")

# %% [markdown]
# ## 2. A small corpus
#
# Four notes about kluster.ai. Each question below has its answer in one of them.

# %%
NOTES = [
    "The Trial tier allows 30 requests per minute and 20 concurrent requests. "
    "The Core tier allows 600 requests per minute.",
    "The embedding model on kluster.ai is BAAI/bge-m3. Its vectors have 1024 dimensions.",
    "Batch jobs take a JSONL file and finish within a completion window of 24, 48 or 72 hours.",
    "Llama 3.3 70B has a context window of 131 thousand tokens.",
]
QUESTION = "How many requests per minute does the Trial tier allow?"
PLANTED = "The Trial tier allows 300 requests per minute."  # a wrong figure, on purpose

# %% [markdown]
# ## 3. LlamaIndex: a query engine, its answer verified
#
# `KlusterVerifyEvaluator` is a LlamaIndex `BaseEvaluator`. `evaluate_response` checks a
# query engine's answer against the response's own source nodes; `evaluate` takes the
# contexts as strings, which is how we check the planted answer.

# %%
from llama_index.core import Document, Settings, VectorStoreIndex

from kluster_integrations.llama_index import KlusterEmbedding, KlusterLLM, KlusterVerifyEvaluator

Settings.llm = KlusterLLM(model="klusterai/Meta-Llama-3.3-70B-Instruct-Turbo", max_tokens=256)
Settings.embed_model = KlusterEmbedding()
index = VectorStoreIndex.from_documents([Document(text=note) for note in NOTES])
engine = index.as_query_engine(similarity_top_k=1)
evaluator = KlusterVerifyEvaluator()

response = engine.query(QUESTION)
checked = evaluator.evaluate_response(query=QUESTION, response=response)
print("answer:  ", response)
print("passing: ", checked.passing)
print("feedback:", checked.feedback)

# %%
contexts = [node.get_content() for node in response.source_nodes]
planted = evaluator.evaluate(query=QUESTION, response=PLANTED, contexts=contexts)
print("answer:  ", PLANTED)
print("passing: ", planted.passing)
print("feedback:", planted.feedback)

# %% [markdown]
# ## 4. LangChain: a RAG chain with a guard
#
# The chain retrieves the closest note, answers from it with `ChatKluster`, and ends with
# `KlusterVerify(on_hallucination="annotate")`: the answer comes back as the `AIMessage`
# with the verdict in `response_metadata["kluster_verify"]`. With `"raise"` instead, a
# hallucinated answer raises `HallucinationDetectedError`, which carries the verdict.

# %%
from langchain_core.documents import Document as LangChainDocument
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnablePassthrough
from langchain_core.vectorstores import InMemoryVectorStore

from kluster_integrations.langchain import ChatKluster, KlusterEmbeddings, KlusterVerify

store = InMemoryVectorStore.from_documents(
    [LangChainDocument(page_content=note) for note in NOTES], KlusterEmbeddings()
)
retriever = store.as_retriever(search_kwargs={"k": 1})
prompt = ChatPromptTemplate.from_messages(
    [("system", "Answer from this context only:\n{documents}"), ("human", "{prompt}")]
)


def joined(inputs: dict) -> str:
    return "\n".join(document.page_content for document in inputs["context"])


rag = (
    RunnablePassthrough.assign(context=lambda x: retriever.invoke(x["prompt"]))
    | RunnablePassthrough.assign(documents=joined)
    | RunnablePassthrough.assign(output=prompt | ChatKluster(max_tokens=256))
)
checked_rag = rag | KlusterVerify(on_hallucination="annotate")

answer = checked_rag.invoke({"prompt": QUESTION})
verdict = answer.response_metadata["kluster_verify"]
print("answer:          ", answer.content)
print("is_hallucination:", verdict["is_hallucination"])
print("explanation:     ", verdict["explanation"])

# %% [markdown]
# The planted answer, checked against the documents the chain retrieved, by the raising
# guard:

# %%
from kluster_integrations.langchain import HallucinationDetectedError

retrieved = retriever.invoke(QUESTION)
guard = KlusterVerify(on_hallucination="raise")
try:
    guard.invoke({"prompt": QUESTION, "output": PLANTED, "context": retrieved})
except HallucinationDetectedError as error:
    print("blocked:    ", PLANTED)
    print("explanation:", error.result.explanation)

# %% [markdown]
# ## 5. Evaluating a handful of questions
#
# `BatchEvalRunner` runs the query engine over each question and hands every answer to both
# evaluators: kluster.ai Verify, and LlamaIndex's `FaithfulnessEvaluator` (which asks
# `Settings.llm` to judge). A last row checks the planted answer with `evaluate_response_strs`.
# (On the emulator every faithfulness row fails: its judge is the emulated chat model, which
# quotes the context instead of answering YES. On kluster.ai a model judges.)

# %%
from IPython.display import Markdown
from llama_index.core.evaluation import BatchEvalRunner, FaithfulnessEvaluator

QUESTIONS = [
    QUESTION,
    "How many dimensions do bge-m3 vectors have?",
    "Which completion windows does the Batch API offer?",
    "How large is the context window of Llama 3.3 70B?",
]
runner = BatchEvalRunner(
    {"kluster_verify": evaluator, "faithfulness": FaithfulnessEvaluator()}, workers=2
)
results = await runner.aevaluate_queries(engine, queries=QUESTIONS)
planted_row = await BatchEvalRunner({"kluster_verify": evaluator}).aevaluate_response_strs(
    queries=[QUESTION], response_strs=[PLANTED], contexts_list=[contexts]
)


def cell(text: str | None, width: int = 90) -> str:
    flat = " ".join((text or "").split()).replace("|", "\\|")
    return flat if len(flat) <= width else flat[: width - 3] + "..."


rows = ["| question | answer | Verify | faithfulness | Verify's explanation |", "|---" * 5 + "|"]
for verify, faithful in zip(results["kluster_verify"], results["faithfulness"], strict=True):
    rows.append(
        f"| {cell(verify.query)} | {cell(verify.response, 60)} | "
        f"{'pass' if verify.passing else 'FAIL'} | {'pass' if faithful.passing else 'FAIL'} | "
        f"{cell(verify.feedback)} |"
    )
for verify in planted_row["kluster_verify"]:
    rows.append(
        f"| {cell(verify.query)} (planted) | {cell(verify.response, 60)} | "
        f"{'pass' if verify.passing else 'FAIL'} | - | {cell(verify.feedback)} |"
    )
Markdown("\n".join(rows))

# %% [markdown]
# ## Next
#
# - [docs/verify.md](../docs/verify.md): every option, the guard in `with_fallbacks`, the
#   errors, and Verify without a framework (`verify_reliability`).
# - [llamaindex_rag.ipynb](llamaindex_rag.ipynb): the LlamaIndex pipeline in more depth.
