"""Writers and readers of standard documents (and of Assay's own evidence documents)."""
