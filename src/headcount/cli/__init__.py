"""The `headcount` command line: parses arguments, calls the library, explains errors."""
