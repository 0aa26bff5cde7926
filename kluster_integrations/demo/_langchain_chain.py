"""The LangChain half of the demo: a streamed chain, then structured output.

``run(emit)`` builds ``prompt | ChatKluster | StrOutputParser``, streams the answer chunk by
chunk, then asks ``with_structured_output`` for a Pydantic object. ``KLUSTER_API_KEY`` /
``KLUSTER_BASE_URL`` are set by the demo backend (kluster.ai or the bundled emulator).

Example::

    from kluster_integrations.demo import _langchain_chain as langchain_chain
    langchain_chain.run(lambda text, end="\\n": print(text, end=end))
"""

from __future__ import annotations

from collections.abc import Callable

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from pydantic import BaseModel, Field

from kluster_integrations.langchain.chat_models import ChatKluster

Emit = Callable[..., None]


class CityFacts(BaseModel):
    """A few facts about a city."""

    city: str = Field(description="the city's name")
    country: str = Field(description="the country it is in")
    population_millions: float = Field(description="population, in millions")


def run(emit: Emit) -> None:
    """Run the chain and the structured-output call, printing through ``emit``."""
    llm = ChatKluster(temperature=0.2, max_tokens=256)
    emit(f"LangChain: ChatKluster(model={llm.model_name!r})")

    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "You are a concise travel guide."),
            ("human", "In two sentences, why visit {city}?"),
        ]
    )
    chain = prompt | llm | StrOutputParser()
    emit("  streamed answer: ", end="")
    for chunk in chain.stream({"city": "Lisbon"}):
        emit(chunk, end="")
    emit()

    facts = llm.with_structured_output(CityFacts).invoke("Give me facts about Lisbon.")
    emit(f"  structured output: {facts!r}")
