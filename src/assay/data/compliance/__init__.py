"""Control catalogs (JSON) and default evidence mappings (mappings.toml)."""
