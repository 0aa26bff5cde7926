"""What notebooks/rag_verification.ipynb must show: in both frameworks the correct answer
passes and the planted one is caught, and the evaluation table has a row per question.

``test_notebooks.py`` checks that the committed outputs equal a fresh run on the emulator,
so these checks read the committed notebook instead of running it again.
"""

from __future__ import annotations

from tests.integration_tests.notebooks.test_notebooks import committed, outputs_of


def shown_text() -> str:
    return "".join(
        str(output[-1])
        for _, _, outputs in outputs_of(committed("rag_verification"))
        for output in outputs
    )


def test_llama_index_passes_the_answer_and_fails_the_planted_one() -> None:
    shown = shown_text()
    assert "passing:  True" in shown
    assert "answer:   The Trial tier allows 300 requests per minute.\npassing:  False" in shown


def test_the_langchain_guard_annotates_and_blocks() -> None:
    shown = shown_text()
    assert "is_hallucination: False" in shown
    assert "blocked:     The Trial tier allows 300 requests per minute." in shown


def table_rows() -> list[str]:
    """The rows of the Markdown table the last code cell displays (header included)."""
    *_, (_, _, outputs) = outputs_of(committed("rag_verification"))
    (markdown,) = [data["text/markdown"] for kind, data in outputs if kind == "execute_result"]
    return [row for row in markdown.splitlines() if not row.startswith("|---")]


def test_the_table_has_a_row_per_question_and_the_planted_row_fails() -> None:
    header, *questions, planted = table_rows()
    assert header.startswith("| question | answer | Verify | faithfulness |")
    assert len(questions) == 4
    assert all(row.split(" | ")[2] == "pass" for row in questions)
    assert "(planted)" in planted and planted.split(" | ")[2] == "FAIL"
