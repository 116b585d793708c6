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
