"""The tamper-evident audit log: `record` an event, `verify_chain` the log, export it.

Who did what to which record, when and from where, each entry chained to the one before by
an HMAC whose key is never in the database (see audit/keys.py).
"""

from headcount.audit.chain import AuditError, Detail, local_actor, record
from headcount.audit.keys import audit_key
from headcount.audit.models import AuditEntry, AuditHead
from headcount.audit.verify import Verdict, verify_chain

__all__ = [
    "AuditEntry",
    "AuditError",
    "AuditHead",
    "Detail",
    "Verdict",
    "audit_key",
    "local_actor",
    "record",
    "verify_chain",
]
