"""The Batch API knows the account's cap of requests per batch (its tier's): a job larger
than the cap is split before uploading, and a ``max_requests_per_batch`` above it is
refused before anything is uploaded, through both adapters. The emulator set to the Trial
tier fails any batch of more than 999 requests, as kluster.ai does."""

from __future__ import annotations

import pytest

from kluster_integrations.core.contract import TIER_LIMITS
from kluster_integrations.core.errors import BatchInputError
from kluster_integrations.emulator._batches import FILES_PATH
from kluster_integrations.langchain import ChatKluster
from kluster_integrations.llama_index import KlusterLLM

FAST = {"poll_interval": 0.01, "progress": False}
TRIAL_CAP = TIER_LIMITS["trial"].max_batch_requests
ADAPTERS = [ChatKluster, KlusterLLM]


def lines_per_batch(store) -> list[int]:
    return sorted(
        len(store.files[batch["input_file_id"]].content.splitlines())
        for batch in store.batches.values()
    )


@pytest.mark.parametrize("adapter", ADAPTERS, ids=lambda c: c.__name__)
def test_a_trial_job_is_split_at_the_tier_s_cap(kluster_env, kluster_batches, adapter):
    kluster_env.set_rate_limits(tier="trial")
    kluster_batches.clock.seconds_per_line = 0.0
    llm = adapter(tier="trial")
    job = llm.submit_batch([f"q{i}" for i in range(TRIAL_CAP + 201)])
    assert lines_per_batch(kluster_batches) == [201, TRIAL_CAP]
    job.wait(timeout=120, **FAST)
    assert len(job.results()) == TRIAL_CAP + 201


@pytest.mark.parametrize("adapter", ADAPTERS, ids=lambda c: c.__name__)
def test_a_cap_above_the_tier_s_is_refused_before_uploading(kluster_env, kluster_batches, adapter):
    llm = adapter(tier="trial")
    with pytest.raises(BatchInputError, match="max_requests_per_batch=1,500") as caught:
        llm.submit_batch(["a", "b"], max_requests_per_batch=1_500)
    assert f"{TRIAL_CAP:,}" in str(caught.value)
    assert not [r for r in kluster_env.requests if r.path.startswith(FILES_PATH)]


def test_a_smaller_cap_and_no_tier_work_as_before(kluster_env, kluster_batches):
    ChatKluster(tier="trial").submit_batch(["a", "b", "c"], max_requests_per_batch=2)
    assert lines_per_batch(kluster_batches) == [1, 2]
    kluster_batches.reset()
    from kluster_integrations.core.rate_limits import reset_rate_limits

    reset_rate_limits()
    ChatKluster().submit_batch([f"q{i}" for i in range(TRIAL_CAP + 1)])
    assert lines_per_batch(kluster_batches) == [TRIAL_CAP + 1]
