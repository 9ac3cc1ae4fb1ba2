"""Check-ins attributed to roster employees: by employee_id, else by work email."""

from __future__ import annotations

from headcount.engine.dialect import Dialect


def attributed_checkins(d: Dialect) -> str:
    """One row per check-in with `eid`, the roster employee it belongs to (or NULL)."""
    return f"""
    SELECT c.*, coalesce(by_id.employee_id, by_mail.employee_id) AS eid
    FROM checkins c
    LEFT JOIN roster by_id ON by_id.employee_id = c.employee_id
    LEFT JOIN (
        SELECT {d.lower("work_email")} AS email, min(employee_id) AS employee_id FROM roster
        WHERE work_email IS NOT NULL GROUP BY {d.lower("work_email")} HAVING count(*) = 1
    ) by_mail ON c.employee_id IS NULL AND by_mail.email = {d.lower("c.work_email")}
    """
