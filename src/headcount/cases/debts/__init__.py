"""Recovery of overpayments (claims.md; 5 U.S.C. 5514, 5584; 31 U.S.C. 3716): the debt an
overpayment determination opens, its notice, repayment agreement, payments, waiver,
salary offset and referral to the Treasury Offset Program (docs/cases.md)."""
