"""Webhook signatures, checked against GitHub's documented test vector."""

from app.webhooks.signature import is_valid, sign


def test_github_documented_vector():
    # docs.github.com, "Validating webhook deliveries": this secret and payload give this signature.
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert sign("It's a Secret to Everybody", b"Hello, World!") == expected
    assert is_valid("It's a Secret to Everybody", b"Hello, World!", expected)


def test_wrong_missing_or_legacy_signatures_fail():
    body = b"Hello, World!"
    assert not is_valid("secret", body, None)
    assert not is_valid("secret", body, "")
    assert not is_valid("secret", body, "sha1=" + "0" * 40)
    assert not is_valid("secret", body, sign("other", body))
    assert not is_valid("secret", body + b" ", sign("secret", body))
