"""Test-suite settings: Hypothesis runs derandomized, so CI sees the same
examples on every run (a property failure is then a real regression, not luck)."""
from hypothesis import settings

settings.register_profile("sim", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("sim")


import pytest  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def routing_cache_in_a_temporary_folder(tmp_path_factory):
    """The contraction hierarchies the tests build are cached in a folder of the
    test session, never in the user's cache."""
    import os

    folder = tmp_path_factory.mktemp("sim-cache")
    before = os.environ.get("SIM_CACHE_DIR")
    os.environ["SIM_CACHE_DIR"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("SIM_CACHE_DIR", None)
    else:
        os.environ["SIM_CACHE_DIR"] = before
