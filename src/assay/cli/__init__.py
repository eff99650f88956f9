"""The command line: the only place that prints for people and decides exit codes."""
