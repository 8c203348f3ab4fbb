import gc
import os
from pathlib import Path

import pytest

FD_DIR = Path("/proc/self/fd")


@pytest.fixture(autouse=True)
def no_leaked_handles():
    """Every test, failing files included, must leave no file open (Python or calamine's Rust side)."""
    before = len(os.listdir(FD_DIR)) if FD_DIR.exists() else None
    yield
    gc.collect(1)  # a leaked Python file object would raise ResourceWarning (an error) here
    if before is not None:
        assert len(os.listdir(FD_DIR)) <= before
