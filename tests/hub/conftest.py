"""A fake Hugging Face Hub for every test of this folder (nothing leaves 127.0.0.1)."""

from __future__ import annotations

import pytest

from tests.hub.fake_hub import FakeHub


@pytest.fixture
def hub(monkeypatch):
    """The fake Hub; huggingface_hub's own offline switch (set for the whole suite) is lifted for it."""
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    fake = FakeHub().start()
    yield fake
    fake.stop()
