"""The pieces of bench/run.py: wrk, the app, the peer and the report."""
