"""What notebooks/batch_classification.ipynb must show: every text classified through the
Batch API with a progress bar, and the same results after re-attaching by id.

``tests/integration_tests/notebooks/test_notebooks.py`` checks that the committed outputs
equal a fresh run on the emulator, so these checks read the committed notebook instead of
running it again.
"""

from __future__ import annotations

from tests.integration_tests.notebooks.test_notebooks import committed, outputs_of


def shown_text() -> str:
    return "\n".join(
        str(output[-1])
        for _, _, outputs in outputs_of(committed("batch_classification"))
        for output in outputs
    )


def test_the_notebook_classifies_every_text_through_the_batch_api() -> None:
    shown = shown_text()
    assert "Running on the bundled kluster.ai emulator" in shown
    assert "completed - 300 completed, 0 failed" in shown
    assert "labels: {'positive': 300}" in shown


def test_the_notebook_shows_progress_and_reattaches() -> None:
    shown = shown_text()
    assert "/300" in shown  # the tqdm progress bar
    assert "completed True" in shown  # re-attached by id, same results
