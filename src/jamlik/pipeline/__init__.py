"""End-to-end jobs (layer 4½): init, load, build the demo, compute + equity + publish, refresh.

The only layer that calls several lower layers in one job; the CLI, the web app and tests call
these functions instead of wiring the steps themselves.
"""
