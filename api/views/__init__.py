"""API entry points, one module per domain. Each view parses input, calls one service or selector and
serializes what it returned; errors travel to api.errors.exception_handler."""
