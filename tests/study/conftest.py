import pytest

from corridor.study import load_spec, run_study


@pytest.fixture(scope="session")
def tripp_study():
    """The bundled TRIPP study (tripp against the do-minimum), run once for the whole session."""
    return run_study(load_spec("tripp"))
