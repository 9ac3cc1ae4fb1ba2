"""The outcome report (claims.md): what became of the leads, per agency and rule, every
figure on its rung of the evidence ladder. records.py reads the case store (the one reader,
shared with `headcount publish`), report.py counts, export.py writes CSV, JSON and text."""
