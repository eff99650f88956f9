"""Collectors read the world (environments, lockfiles, git) into core types."""
