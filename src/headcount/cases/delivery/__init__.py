"""Letters delivered: by email (the PDF attached, only a reference in the subject and body)
and in print batches with a manifest; each letter's delivery recorded on its case, and the
periods that count from delivery started by it (docs/cases.md, "Letters delivered")."""
