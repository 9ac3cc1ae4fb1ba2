"""The verify job: ingest, shared relations, rules, payees, summary and outputs."""
