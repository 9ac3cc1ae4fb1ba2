"""The data contract: the fixed names other tools read (see docs/data-contract.md)."""
