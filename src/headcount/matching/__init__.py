"""Identity matching shared by the rules: SSN validity and name equivalence."""
