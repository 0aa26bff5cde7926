from __future__ import annotations

import pytest

from kluster_integrations.core.errors import StructuredOutputError
from kluster_integrations.core.tools import extract_json, find_schema, schema_instruction

SCHEMA = {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]}


def test_instruction_carries_the_schema_back_out():
    assert find_schema("System says.\n" + schema_instruction(SCHEMA)) == SCHEMA


def test_instruction_keeps_the_declared_property_order():
    schema = {"type": "object", "properties": {"zone": {}, "city": {}}, "required": ["zone"]}
    assert list(find_schema(schema_instruction(schema))["properties"]) == ["zone", "city"]
    assert list(find_schema(schema_instruction(schema))) == ["type", "properties", "required"]
    assert find_schema("no schema here") is None


@pytest.mark.parametrize(
    "reply",
    [
        '{"x": 1}',
        '```json\n{"x": 1}\n```',
        'Sure! Here it is:\n```\n{"x": 1}\n```\nAnything else?',
        'The answer is {"x": 1} as requested.',
        '<think>maybe {"x": 2}?</think>{"x": 1}',
        '  {"x": 1}  ',
    ],
)
def test_extract_json_tolerates_fences_and_prose(reply):
    assert extract_json(reply) == {"x": 1}


def test_extract_json_reads_arrays():
    assert extract_json("list: [1, 2]") == [1, 2]


def test_extract_json_error_quotes_the_reply():
    with pytest.raises(StructuredOutputError) as info:
        extract_json("I cannot do that.")
    assert "I cannot do that." in str(info.value)
    assert info.value.text == "I cannot do that."


@pytest.mark.parametrize(
    "reply",
    [
        "{" * 300_000,
        "x{" * 300_000,
        "[1, " * 250_000,
        '{"a": x} ' * 100_000 + '{"found": 1}',
    ],
    ids=["open-braces", "brace-in-prose", "deep-array", "bad-spans-then-json"],
)
def test_hostile_replies_are_read_in_one_pass(reply: str) -> None:
    """About 1 MB each; the old search decoded from every bracket (about 85 s for 1 MB of
    ``x{``) and let a deep array out as a bare ``RecursionError``."""
    if reply.endswith('{"found": 1}'):
        assert extract_json(reply) == {"found": 1}
    else:
        with pytest.raises(StructuredOutputError):
            extract_json(reply)
