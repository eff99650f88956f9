"""Package data: control catalogs and default mappings."""
