"""Test helpers shared by all test modules (importable as ``support``)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def require_all() -> bool:
    """In CI (CORRIDOR_REQUIRE_ALL=1) a test that cannot find its resource fails instead of skipping."""
    return os.environ.get("CORRIDOR_REQUIRE_ALL", "") not in ("", "0")


def skip_or_fail(reason: str):
    if require_all():
        pytest.fail(f"required resource missing (CORRIDOR_REQUIRE_ALL=1): {reason}")
    pytest.skip(reason)


def tntp_dir() -> Path:
    """The TNTP reference data: $CORRIDOR_TNTP_DIR or ../shared/data/tntp; skip (or fail in CI) if absent."""
    d = Path(os.environ.get("CORRIDOR_TNTP_DIR", REPO.parent / "shared" / "data" / "tntp"))
    if not d.is_dir():
        skip_or_fail(f"TNTP data not found at {d}")
    return d


def postgres_url() -> str:
    url = os.environ.get("CORRIDOR_TEST_POSTGRES_URL", "")
    if not url:
        skip_or_fail("CORRIDOR_TEST_POSTGRES_URL not set (run `. .ci/postgres.sh`)")
    return url


def chromium_executable() -> str | None:
    """Debian's Chromium if installed (Playwright cannot download its own browser here)."""
    for name in ("chromium", "chromium-browser"):
        p = shutil.which(name)
        if p:
            return p
    return None


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
