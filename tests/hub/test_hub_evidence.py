"""Evidence kept on the Hugging Face Hub, read through the real client (huggingface_hub) from a
fake Hub on 127.0.0.1: licences, weight files, gating, base models, datasets, the budget, the
cache, and offline mode."""

from __future__ import annotations

import json
import time

from app.engine.models import Openness
from app.hub.cache import FolderCache
from app.hub.client import HubClient
from app.report import jsonfmt
from tests.conftest import MIT_TEXT, scan_files
from tests.hub.fake_hub import FakeHub, FakeRepo

SHA = "a" * 40
README = "# Acme\n\nAcme-7B is an open-source model. Get it from [the hub](https://huggingface.co/acme/acme-7b).\n"


def model(hub: FakeHub, repo_id: str, card: dict, body: str = "", **more) -> FakeRepo:
    front = "".join(f"{k}: {json.dumps(v)}\n" for k, v in card.items())
    files = {"README.md": f"---\n{front}---\n# {repo_id}\n\n{body}\n", **more.pop("files", {})}
    return hub.add(FakeRepo("model", repo_id, more.pop("sha", SHA), card, files,
                            more.pop("listing", ("model.safetensors",)), **more))


def scan_with(hub: FakeHub, files: dict[str, str], **options):
    client = HubClient(endpoint=hub.url, token=options.pop("token", ""), **options)
    report = scan_files(files, ("train.py",), hub=client)
    return report, client


def acme(files: dict[str, str] | None = None) -> dict[str, str]:
    return {"README.md": README, "LICENSE": MIT_TEXT, **(files or {})}


def test_a_weights_licence_only_on_the_hub_is_found_linked_and_ranked_above_the_repository_licence(hub):
    model(hub, "acme/acme-7b", {"license": "apache-2.0"})
    report, client = scan_with(hub, acme())
    a = report.assessment
    governing = a.weights_license()
    assert governing.id == "Apache-2.0" and governing.path == f"{hub.url}/acme/acme-7b/blob/{SHA}/README.md"
    assert governing.line == 2 and a.weights_basis == "stated"  # above the repository's MIT LICENSE
    hub_weights = [e for e in a.components["parameters"].evidence if e.kind == "hub-weights"]
    assert hub_weights and hub_weights[0].path == f"{hub.url}/acme/acme-7b/tree/{SHA}"
    assert client.lookups == 1


def test_a_conflict_between_repository_and_hub_shows_both_and_the_strictest_governs(hub):
    model(hub, "acme/acme-7b", {"license": "llama2"})
    report, _ = scan_with(hub, acme({"MODEL_LICENSE": "Apache License\nVersion 2.0, January 2004\n"}))
    a = report.assessment
    assert {m.id for m in a.licenses} >= {"Apache-2.0", "Llama-2"}
    assert a.level is Openness.RESTRICTED_WEIGHTS and a.weights_license().id == "Llama-2"
    assert any("state different licences" in c for c in a.caveats)


def test_license_other_is_followed_to_the_hub_repositorys_licence_file(hub):
    model(hub, "acme/acme-7b", {"license": "other", "license_name": "acme-community"},
          files={"LICENSE": "LLAMA 2 COMMUNITY LICENSE AGREEMENT\n\nMore than 700 million monthly active users.\n"})
    report, _ = scan_with(hub, acme())
    assert report.assessment.weights_license().id == "Llama-2"


def test_a_gated_or_private_model_is_named_and_the_scan_goes_on(hub):
    model(hub, "acme/acme-7b", {"license": "apache-2.0"}, private=True)
    report, _ = scan_with(hub, acme())
    assert any("private" in n.message and "acme/acme-7b" in n.message for n in report.notices)
    with_token, _ = scan_with(hub, acme(), token=FakeHub.TOKEN)
    assert with_token.assessment.weights_license().id == "Apache-2.0"


def test_a_slow_hub_is_not_waited_for_past_the_budget(hub):
    model(hub, "acme/acme-7b", {"license": "apache-2.0"}, delay=3.0)
    started = time.monotonic()
    report, _ = scan_with(hub, acme(), seconds=0.8)
    assert time.monotonic() - started < 2.5
    assert any("timed out" in n.message and "acme/acme-7b" in n.message for n in report.notices)


def test_a_base_model_chain_two_hops_deep_binds_the_release(hub):
    model(hub, "acme/acme-7b", {"license": "apache-2.0", "base_model": "acme/acme-7b-base"})
    model(hub, "acme/acme-7b-base", {"license": "apache-2.0", "base_model": "other-lab/big-13b"})
    model(hub, "other-lab/big-13b", {"license": "llama2"})
    report, client = scan_with(hub, acme())
    bound = [m for m in report.assessment.licenses if m.binding and m.id == "Llama-2"]
    assert bound and bound[0].path.startswith(f"{hub.url}/other-lab/big-13b/blob/{SHA}/")
    assert report.assessment.level is Openness.RESTRICTED_WEIGHTS and client.lookups == 3


def test_datasets_named_in_the_card_are_data_information_with_their_licences(hub):
    model(hub, "acme/acme-7b", {"license": "apache-2.0", "datasets": ["acme/mix"]})
    hub.add(FakeRepo("dataset", "acme/mix", "b" * 40, {"license": "cc-by-nc-4.0"},
                     {"README.md": "---\nlicense: cc-by-nc-4.0\n---\n# Mix\n\nWeb text and code.\n"}))
    report, _ = scan_with(hub, acme())
    data = report.assessment.components["data_information"]
    assert data.present and data.sufficient
    assert any(e.kind == "dataset-page" and e.path == f"{hub.url}/datasets/acme/mix" for e in data.evidence)
    assert any(m.id == "CC-BY-NC-4.0" and m.applies_to == "data" for m in report.assessment.licenses)


def test_the_budget_of_look_ups_is_kept_and_what_was_left_is_named(hub):
    card = {"license": "apache-2.0", "datasets": ["acme/a", "acme/b", "acme/c"]}
    model(hub, "acme/acme-7b", card)
    report, client = scan_with(hub, acme(), max_lookups=2)
    assert client.lookups == 2
    assert any("over the budget of 2 look-ups" in n.message for n in report.notices)


def test_pages_are_cached_by_revision_and_read_once(hub, tmp_path):
    model(hub, "acme/acme-7b", {"license": "apache-2.0"})
    cache = FolderCache(tmp_path)
    first, _ = scan_with(hub, acme(), cache=cache)
    files_read = len([p for _m, p, _h in hub.requests if "/resolve/" in p])
    second, _ = scan_with(hub, acme(), cache=cache)
    assert len([p for _m, p, _h in hub.requests if "/resolve/" in p]) == files_read  # the card came from the cache
    assert jsonfmt.render(first) == jsonfmt.render(second)


def test_only_repository_ids_are_sent_and_the_token_only_as_authorization(hub):
    model(hub, "acme/acme-7b", {"license": "apache-2.0"})
    report, client = scan_with(hub, acme(), token=FakeHub.TOKEN)
    assert {p.split("?")[0] for _m, p, _h in hub.requests} <= {
        "/api/models/acme/acme-7b", f"/acme/acme-7b/resolve/{SHA}/README.md"}
    sent = [{k.lower(): v for k, v in h.items()} for _m, _p, h in hub.requests]
    assert all(h["authorization"] == f"Bearer {FakeHub.TOKEN}" for h in sent)
    assert all(h["user-agent"].startswith("openwashing/") for h in sent)
    assert FakeHub.TOKEN not in repr(client) and FakeHub.TOKEN not in jsonfmt.render(report)


def test_offline_the_report_is_todays_plus_one_notice(hub):
    model(hub, "acme/acme-7b", {"license": "apache-2.0"})
    today = json.loads(jsonfmt.render(scan_files(acme(), ("train.py",))))
    offline = json.loads(jsonfmt.render(scan_with(hub, acme(), offline="offline: --offline")[0]))
    extra = offline["notices"].pop()
    assert offline == today and hub.requests == []
    assert "not consulted (offline: --offline)" in extra["message"] and "acme/acme-7b" in extra["message"]
