from tests.github.conftest import fake, keys, start_app  # noqa: F401 - the same fake GitHub and app
