"""Accomplishment check-ins: campaigns, signed links, email out and in, the reply form's
rules, the sensitive-data guard, response rates and the contract export."""
