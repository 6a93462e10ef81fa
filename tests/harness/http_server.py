"""The product's sandbox/http_server.py under its old name: the same module object, not a copy."""

import sys

from sandbox import http_server

sys.modules[__name__] = http_server
