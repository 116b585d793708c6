"""Shared fixtures. Resource-dependent fixtures skip locally and fail in CI (see support.require_all)."""

from __future__ import annotations

import pytest

import support


@pytest.fixture(scope="session")
def browser():
    """A real headless Chromium driven by Playwright."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover
        support.skip_or_fail("playwright not installed")
    exe = support.chromium_executable()
    with sync_playwright() as p:
        try:
            b = p.chromium.launch(executable_path=exe, headless=True, args=support.CHROMIUM_ARGS)
        except Exception as e:  # no browser available
            support.skip_or_fail(f"cannot launch Chromium: {e}")
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context()
    pg = ctx.new_page()
    yield pg
    ctx.close()


@pytest.fixture(scope="session")
def tripp_study():
    """The bundled TRIPP study (tripp against the do-minimum), run once for the whole session."""
    from corridor.study import load_spec, run_study

    return run_study(load_spec("tripp"))


@pytest.fixture(autouse=True, scope="session")
def _one_run_per_study():
    """``run_study`` is pure and its result a value, and the suite runs ``corridor run`` on the same inputs in
    many tests (each checks another view of the result): calls through ``corridor.study.run_study`` with the
    same spec, scenario names and options reuse the first run (its progress messages replayed). A network
    object, a scenario given as a file or object, or the ``fresh_study`` marker runs the study afresh. Tests that
    bound ``run_study`` at import call the real function."""
    from pathlib import Path

    import corridor.study as study
    from corridor.study import pipeline

    real = pipeline.run_study
    studies: dict = {}

    def plain(x) -> bool:
        return x is None or (isinstance(x, str) and not x.endswith((".yaml", ".yml")) and not Path(x).exists())

    def memo(spec, *, network=None, project=None, against=pipeline.DO_MINIMUM, cargo="container",
             gap=pipeline.GAP, simulate=None, progress=None):
        kwargs = dict(network=network, project=project, against=against, cargo=cargo, gap=gap, simulate=simulate)
        if network is not None or not plain(project) or not plain(against):
            return real(spec, progress=progress, **kwargs)
        s = pipeline.load_spec(spec)
        key = (s.model_dump_json(), project, against, cargo, gap, simulate)
        if key not in studies:
            said: list[str] = []

            def record(msg: str) -> None:
                said.append(msg)
                if progress:
                    progress(msg)

            studies[key] = (real(s, progress=record, **kwargs), said)
            return studies[key][0]
        result, said = studies[key]
        for msg in said:
            if progress:
                progress(msg)
        return result

    import corridor.uncertainty.model as unc_model
    import corridor.uncertainty.study_ranges as study_ranges

    real_prepare = unc_model.prepare
    prepared: dict = {}

    def prepare_memo(spec=None, **kwargs):
        """The sweep's prepared study, likewise (pure: spec → problems and central solutions)."""
        if kwargs.get("network") is not None or kwargs.get("link_ranges") is not None or \
                not all(plain(kwargs.get(k)) for k in ("project", "against")):
            return real_prepare(spec, **kwargs)
        s = pipeline.load_spec(spec) if spec is not None else None
        key = (None if s is None else s.model_dump_json(), tuple(sorted((k, str(v)) for k, v in kwargs.items())))
        if key not in prepared:
            prepared[key] = real_prepare(s, **kwargs)
        return prepared[key]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(study, "run_study", memo)
        mp.setattr(unc_model, "prepare", prepare_memo)
        mp.setattr(study_ranges, "prepare", prepare_memo)
        yield real


@pytest.fixture(autouse=True)
def _fresh_study(request, monkeypatch, _one_run_per_study):
    """The ``fresh_study`` marker: this test's ``corridor.study.run_study`` is the real one."""
    if request.node.get_closest_marker("fresh_study"):
        import corridor.study as study

        monkeypatch.setattr(study, "run_study", _one_run_per_study)
