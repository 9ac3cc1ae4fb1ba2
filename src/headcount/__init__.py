"""headcount: workforce check-ins and payee-by-payee payroll verification."""

__version__ = "0.1.0"
