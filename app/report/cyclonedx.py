"""The scorecard as a CycloneDX 1.6 bill of materials (an ML-BOM): the model as a
`machine-learning-model` component with its weights licence (an SPDX id, or the licence's name),
its model card (the datasets it was trained on, and the openness evidence — training code, data
information, the verdict — as properties), references to its hub pages and datasets, and each
base model as an ancestor in its pedigree. Compliance tools read it as they read any SBOM."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from app import __version__
from app.engine.licenses import is_spdx_id
from app.engine.models import LicenseMatch, Report

_BASE = re.compile(r"^fine-tuned from (?P<name>\S+?)(?:,|:| |$)")
_HUB_REPO = re.compile(r"^(?P<web>https?://[^/]+)/(?P<datasets>datasets/)?(?P<id>[\w.-]+/[\w.-]+)/(?:blob|tree)/")


def bom(report: Report, name: str, now: dt.datetime | None = None) -> dict:
    a = report.assessment
    datasets = _datasets(report)
    model = {
        "type": "machine-learning-model", "bom-ref": "model", "name": name or "model",
        "licenses": _licences(a.weights_license()),
        "externalReferences": _references(report, name),
        "modelCard": {"modelParameters": {"datasets": [{"ref": d["bom-ref"]} for d in datasets]},
                      "properties": _properties(report)},
    }
    ancestors = _ancestors(report)
    if ancestors:
        model["pedigree"] = {"ancestors": ancestors}
    for key in ("licenses", "externalReferences"):
        if not model[key]:
            del model[key]
    document = {
        "bomFormat": "CycloneDX", "specVersion": "1.6", "serialNumber": f"urn:uuid:{uuid.uuid4()}", "version": 1,
        "metadata": {"timestamp": (now or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                     "tools": {"components": [{"type": "application", "name": "openwashing", "version": __version__}]},
                     "component": model},
        "components": datasets,
    }
    if datasets:
        document["dependencies"] = [{"ref": "model", "dependsOn": [d["bom-ref"] for d in datasets]}]
    return document


def render(report: Report, name: str) -> str:
    import json

    return json.dumps(bom(report, name), indent=2, ensure_ascii=False) + "\n"


def _licences(m: LicenseMatch | None) -> list[dict]:
    if m is None:
        return []
    if m.recognised and is_spdx_id(m.id):
        return [{"license": {"id": m.id, "acknowledgement": "concluded"}}]
    entry: dict = {"name": m.name[:500], "acknowledgement": "concluded"}
    if m.path and m.path.startswith(("https://", "http://")):
        entry["url"] = m.path
    return [{"license": entry}]


def _references(report: Report, name: str) -> list[dict]:
    refs = [{"type": "vcs", "url": f"https://github.com/{name}"}] if "/" in name and not _on_hub(report) else []
    pages = {m.group("web") + "/" + m.group("id"): m for lic in report.assessment.licenses
             if not lic.binding and lic.applies_to in ("weights", "all") and (m := _HUB_REPO.match(lic.path or ""))}
    refs += [{"type": "distribution", "url": url, "comment": "the model's page on the Hugging Face Hub"}
             for url in pages]
    return refs


def _on_hub(report: Report) -> bool:
    return any((e.path or "").startswith("http") for e in report.assessment.components["parameters"].evidence)


def _datasets(report: Report) -> list[dict]:
    """Datasets the model was trained on, as data components with their pages."""
    data = report.assessment.components["data_information"]
    seen: dict[str, dict] = {}
    for e in data.evidence:
        if e.kind == "dataset-page":
            url = e.detail.split(": ", 1)[-1] if e.detail.startswith("link to a dataset") else (e.path or "")
            dataset_id = url.split("/datasets/", 1)[-1].strip("/") if "/datasets/" in url else url
            seen.setdefault(dataset_id, _dataset(dataset_id, url if url.startswith("http") else None, len(seen)))
        elif e.kind == "front-matter" and e.detail.startswith("datasets: "):
            for dataset_id in (d.strip() for d in e.detail.removeprefix("datasets: ").split(",")):
                if dataset_id:
                    seen.setdefault(dataset_id, _dataset(dataset_id, None, len(seen)))
    return list(seen.values())


def _dataset(dataset_id: str, url: str | None, index: int) -> dict:
    component = {"type": "data", "bom-ref": f"dataset-{index + 1}", "name": dataset_id,
                 "data": [{"type": "dataset", "name": dataset_id}]}
    if url:
        component["externalReferences"] = [{"type": "distribution", "url": url}]
    return component


def _ancestors(report: Report) -> list[dict]:
    """Base models: named in cards and sentences ("fine-tuned from …"), or read on the Hub."""
    found: dict[str, dict] = {}
    for m in report.assessment.licenses:
        if not m.binding:
            continue
        base = _BASE.match(m.evidence.detail)
        hub = _HUB_REPO.match(m.path or "")
        name = base.group("name") if base else hub.group("id") if hub and not hub.group("datasets") else None
        if not name:
            continue
        entry = found.setdefault(name, {"type": "machine-learning-model", "bom-ref": f"base-{len(found) + 1}",
                                        "name": name, "licenses": _licences(m)})
        if hub:
            entry["externalReferences"] = [{"type": "distribution", "url": f"{hub.group('web')}/{hub.group('id')}"}]
    return list(found.values())


def _properties(report: Report) -> list[dict]:
    a = report.assessment
    props = [("openwashing:verdict", a.level.value), ("openwashing:osaid", "true" if a.osaid else "false"),
             ("openwashing:mof-class", a.mof_class or "none")]
    for key, label in (("code", "training-code"), ("data_information", "data-information"),
                       ("parameters", "parameters")):
        component = a.components[key]
        props.append((f"openwashing:{label}", component.summary))
        props += [(f"openwashing:{label}:evidence", f"{e.detail} ({e.where()})") for e in component.evidence[:10]]
    return [{"name": n, "value": v} for n, v in props]
