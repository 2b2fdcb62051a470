"""Reading: formulas as people type them — text and LaTeX — into syntax trees (no ``eval``),
and a claim's meaning for a target (its names, indices and shape)."""
