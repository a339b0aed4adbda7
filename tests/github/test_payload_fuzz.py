"""Whatever JSON object arrives, correctly signed, the receiver answers without a server error."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20)
keys = st.sampled_from(["action", "repository", "installation", "pull_request", "issue", "comment", "ref",
                        "after", "check_run", "check_suite", "number", "sender", "requested_action"])
payloads = st.dictionaries(keys, json_values, max_size=8)
events = st.sampled_from(["push", "pull_request", "issue_comment", "check_run", "check_suite", "installation",
                          "installation_repositories", "ping", "unknown"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(event=events, body=payloads)
def test_any_payload_gets_a_clear_answer(start_app_once, event, body):
    response = start_app_once.deliver(event, body)
    assert response.status_code in (200, 202), response.text
