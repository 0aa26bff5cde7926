"""Hypothesis strategies shared by the adapter fuzz tests: request parameters the contract
refuses and ones it accepts, with values a user might plausibly pass.

Example::

    @given(call_kwargs=request_kwargs())
    def test_x(call_kwargs): ...
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

TOOL = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}

REFUSED_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "response_format": st.just({"type": "json_object"}),
    "tools": st.just([TOOL]),
    "tool_choice": st.sampled_from(["auto", "required", "none"]),
    "parallel_tool_calls": st.booleans(),
    "store": st.booleans(),
    "n": st.integers(1, 2),
    "modalities": st.just(["text"]),
    "service_tier": st.sampled_from(["auto", "flex"]),
    "stream_options": st.just({"include_usage": True}),
    "functions": st.just([TOOL["function"]]),
    "function_call": st.sampled_from(["auto", "none"]),
    "max_tokens": st.integers(1, 64),
}
ACCEPTED_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "temperature": st.floats(0, 2),
    "top_p": st.floats(0, 1),
    "seed": st.integers(0, 2**31),
    "stop": st.lists(st.text(min_size=1, max_size=4), max_size=2),
    "presence_penalty": st.floats(-2, 2),
    "frequency_penalty": st.floats(-2, 2),
    "user": st.text(max_size=8),
}

short_text = st.text(max_size=24)
names = st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,7}", fullmatch=True)
call_ids = st.from_regex(r"call_[a-z0-9]{1,6}", fullmatch=True)
tool_args = st.dictionaries(names, st.integers() | short_text, max_size=2)


def request_kwargs() -> st.SearchStrategy[dict[str, Any]]:
    """Some refused and some accepted parameters, each with a plausible value."""
    return st.fixed_dictionaries({}, optional={**REFUSED_VALUES, **ACCEPTED_VALUES})
