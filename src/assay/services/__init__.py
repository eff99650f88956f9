"""Use cases shared by every front end: each wires collectors, formats, store and core."""
