"""The product's sandbox/driver.py under its old test name (same module object, not a copy)."""

import sys

from sandbox import driver

sys.modules[__name__] = driver
