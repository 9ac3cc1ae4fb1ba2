"""What the CLI prints after a run: a summary a non-programmer can read."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from headcount.contract.summary import Summary


def print_verify_summary(console: Console, summary: Summary, report: str) -> None:
    findings = summary["findings"]
    table = Table(title="Findings by rule", title_justify="left")
    table.add_column("rule", no_wrap=True)
    table.add_column("severity")
    table.add_column("findings", justify="right")
    table.add_column("payments", justify="right")
    table.add_column("amount at risk", justify="right")
    for code, row in findings["by_rule"].items():
        severities = ", ".join(f"{k} {v}" for k, v in row["by_severity"].items())
        table.add_row(
            code,
            severities,
            f"{row['findings']:,}",
            f"{row['payments']:,}",
            f"${row['amount_at_risk']:,.2f}",
        )
    console.print(table)
    payees = summary["payees"]
    status = payees["by_status"]
    console.print(
        f"Payees: {payees['total']:,} paid ${payees['total_paid']:,.2f} — "
        f"[green]{status['verified']:,} verified[/], [yellow]{status['review']:,} to review[/], "
        f"[red]{status['flagged']:,} flagged[/]."
    )
    amounts = summary["amount_at_risk"]
    console.print(
        f"Dollars at risk: ${amounts['distinct']:,.2f} (each payment counted once; "
        f"${amounts['sum_by_rule']:,.2f} summed over rules)."
    )
    for campaign in summary.get("existence", {}).get("campaigns", []):
        sentence = campaign["all_agencies"]["sentence"]
        console.print(f"Non-response, campaign {campaign['campaign_id']}: {sentence}", markup=False)
    console.print(
        "Findings are leads to verify, not proof. Not replying to a check-in is never a finding."
    )
    console.print(f"Report: [link=file://{report}]{report}[/link]")
