"""What an operator sees of a running server: Prometheus metrics, request ids and JSON log lines.

A leaf that knows no database, so that the outbox, the auth layer and the web layer can all report into it.
"""
