"""Provenance of a results folder: its manifest, its signature, and attesting it.

Imports only from lower layers (contract, engine, ingest, report, rules), so pipeline code and
the CLI can both use it.
"""
