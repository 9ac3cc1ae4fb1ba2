"""The debt ledger driven by random sequences of steps (a Hypothesis state machine) against a
model kept here: every step the law allows succeeds, every other is refused with a reason,
and after each one the balance equals the debt less what was received and waived, to the
cent, in the store and in the history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import select

from headcount.auth.roles import Role
from headcount.cases.access import Actor, CaseError, Forbidden
from headcount.cases.debts import ledger
from headcount.cases.debts.models import Debt
from headcount.cases.delivery.models import Letter
from headcount.cases.delivery.record import record_sent
from headcount.cases.models import Case, Person
from headcount.store import Store

START = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
FIN = Actor("fin", Role.FINANCE, "VA")
FAY = Actor("fay", Role.FINANCE, "VA")
CENT = Decimal("0.01")
money = st.decimals(min_value=CENT, max_value=Decimal("5000"), places=2)


@dataclass
class Plan:
    balance_at: Decimal
    instalment: Decimal
    first_due: date
    interval: int


class Model:
    """What the law says the debt is, computed without the ledger's code."""

    def __init__(self, principal: Decimal) -> None:
        self.principal, self.received, self.waived = principal, Decimal(0), Decimal(0)
        self.state = "established"
        self.notice_at: datetime | None = None  # written
        self.delivered_at: datetime | None = None  # emailed: the periods count from it
        self.due: date | None = None
        self.plan: Plan | None = None
        self.pending_waiver, self.employed = False, True
        self.offsets: dict[date, Decimal] = {}

    @property
    def balance(self) -> Decimal:
        return self.principal - self.received - self.waived

    def delinquent_days(self, today: date) -> int:
        if self.balance <= 0 or self.due is None:
            return 0
        if self.plan is None:
            return max(0, (today - self.due).days)
        covered, left, due = self.plan.balance_at - self.balance, self.plan.balance_at, None
        due = self.plan.first_due
        while left > 0:
            item = min(self.plan.instalment, left)
            if covered < item:
                return max(0, (today - due).days)
            covered, left = covered - item, left - item
            due += timedelta(days=self.plan.interval)
        return 0

    def settle(self) -> None:
        if self.balance == 0:
            self.state = "satisfied"


class DebtMachine(RuleBasedStateMachine):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store, self.now = store, START
        with store.begin() as s:
            person = s.query(Person).filter_by(employee_id="VA1").one()
            case = Case(finding_id=f"HC-{id(self):x}"[:32], rule="PAID_AFTER_SEPARATION",
                        severity="high", amount_at_risk=Decimal("9000"), summary="s",
                        evidence="{}", source="test", state="determined",
                        determination_reason="paid after separation")  # fmt: skip
            case.people.append(person)
            s.add(case)
            s.flush()
            principal = Decimal("2345.67")
            self.debt_id = ledger.open_debt(s, case, person, principal, FIN, now=self.now).id
        self.model = Model(principal)

    def _try(self, legal: bool, step, **kwargs) -> bool:
        try:
            with self.store.begin() as s:
                step(s, self.debt_id, FIN, now=self.now, **kwargs)
        except CaseError:
            assert not legal, f"{step.__name__} refused but the law allows it"
            return False
        assert legal, f"{step.__name__} succeeded but the law forbids it"
        return True

    @rule(days=st.integers(min_value=0, max_value=90))
    def time_passes(self, days: int) -> None:
        self.now += timedelta(days=days)

    @rule()
    def notice(self) -> None:
        m = self.model
        if self._try(m.state == "established", ledger.send_notice):
            m.state, m.notice_at = "notified", self.now
            m.due = self.now.date() + timedelta(days=30)

    @rule()
    def delivery(self) -> None:
        """The notice of debt is emailed (the server accepts it) now: the date to pay and
        the 30 days before an offset count from here."""
        m = self.model
        with self.store.begin() as s:
            letter = s.scalars(
                select(Letter).where(Letter.debt_id == self.debt_id, Letter.state == "queued")
            ).one_or_none()
            assert (letter is not None) == (m.notice_at is not None and m.delivered_at is None)
            if letter is None:
                return
            record_sent(s, letter, actor="fin", accepted_at=self.now)
        m.delivered_at = self.now
        m.due = max(m.due or self.now.date(), self.now.date() + timedelta(days=30))

    @rule(instalment=money, start=st.integers(min_value=-5, max_value=60),
          interval=st.sampled_from([14, 30]))  # fmt: skip
    def agree(self, instalment: Decimal, start: int, interval: int) -> None:
        m = self.model
        first_due = self.now.date() + timedelta(days=start)
        legal = (
            m.state in ("notified", "repaying")
            and m.notice_at is not None and first_due >= m.notice_at.date()
        )  # fmt: skip
        if self._try(legal, ledger.agree, instalment=instalment, first_due=first_due,
                     interval_days=interval):  # fmt: skip
            m.state, m.plan = "repaying", Plan(m.balance, instalment, first_due, interval)

    @rule(amount=money)
    def repayment(self, amount: Decimal) -> None:
        m = self.model
        legal = m.state not in ("satisfied",) and amount <= m.balance
        if self._try(legal, ledger.pay, amount=amount):
            m.received += amount
            m.settle()

    @rule(amount=money)
    def treasury_offset(self, amount: Decimal) -> None:
        m = self.model
        legal = m.state == "referred" and amount <= m.balance
        if self._try(legal, ledger.pay, amount=amount, method="treasury_offset"):
            m.received += amount
            m.settle()

    @rule(pay=st.decimals(min_value=100, max_value=6000, places=2),
          period=st.integers(min_value=0, max_value=3), share=st.sampled_from([None, "max", "over"]))  # fmt: skip
    def salary_offset(self, pay: Decimal, period: int, share: str | None) -> None:
        m = self.model
        period_end = START.date() + timedelta(days=14 * period)
        cap = (pay * Decimal("0.15")).quantize(CENT, rounding="ROUND_DOWN")
        limit = max(Decimal(0), min(cap - m.offsets.get(period_end, Decimal(0)), m.balance))
        amount = None if share is None else limit if share == "max" else limit + CENT
        legal = (
            m.state in ("notified", "repaying", "referred") and m.employed
            and m.delivered_at is not None and self.now >= m.delivered_at + timedelta(days=30)
            and not m.pending_waiver and limit > 0 and share != "over"
        )  # fmt: skip
        if self._try(legal, ledger.offset, disposable_pay=pay, pay_period_end=period_end,
                     amount=amount):  # fmt: skip
            m.received += limit
            m.offsets[period_end] = m.offsets.get(period_end, Decimal(0)) + limit
            m.settle()

    @rule()
    def waiver_request(self) -> None:
        m = self.model
        legal = m.state != "satisfied" and not m.pending_waiver
        if self._try(legal, ledger.request_waiver, reason="no fault of the employee"):
            m.pending_waiver = True

    @rule(fraction=st.sampled_from([Decimal(0), Decimal("0.5"), Decimal(1), Decimal(2)]))
    def waiver_decision(self, fraction: Decimal) -> None:
        m = self.model
        amount = (m.balance * fraction).quantize(CENT)
        legal = m.pending_waiver and amount <= m.balance
        try:
            with self.store.begin() as s:
                ledger.decide_waiver(s, self.debt_id, FAY, amount=amount, reason="decided",
                                     now=self.now)  # fmt: skip
        except CaseError:
            assert not legal
            return
        assert legal
        m.pending_waiver, m.waived = False, m.waived + amount
        m.settle()

    @rule()
    def separation(self) -> None:
        m = self.model
        if self._try(m.state != "satisfied" and m.employed, ledger.separate):
            m.employed = False

    @rule()
    def referral(self) -> None:
        m = self.model
        legal = (
            m.state in ("notified", "repaying") and not m.pending_waiver
            and m.delivered_at is not None and m.delinquent_days(self.now.date()) >= 120
        )  # fmt: skip
        if self._try(legal, ledger.refer):
            m.state = "referred"

    @invariant()
    def balance_reconciles(self) -> None:
        with self.store.begin() as s:
            debt = s.get_one(Debt, self.debt_id)
            received = sum((p.amount for p in debt.payments), Decimal(0))
            waived = sum((w.amount or Decimal(0) for w in debt.waivers), Decimal(0))
            assert debt.received == received and debt.waived == waived
            assert debt.balance == debt.principal - received - waived == self.model.balance
            assert debt.balance >= 0 and debt.state == self.model.state
            assert debt.events[-1].balance == debt.balance
            for period, taken in self.model.offsets.items():
                pays = [p for p in debt.payments if p.pay_period_end == period]
                assert all(taken <= (p.disposable_pay or 0) * Decimal("0.15") for p in pays)


def test_the_balance_always_reconciles_and_steps_keep_their_legal_order(imported: Store) -> None:
    class OnThisStore(DebtMachine):
        def __init__(self) -> None:
            super().__init__(imported)

    run_state_machine_as_test(
        OnThisStore,
        settings=settings(max_examples=10, stateful_step_count=25, deadline=None,
                          suppress_health_check=list(HealthCheck)),
    )  # fmt: skip


@pytest.mark.parametrize("who", ["ana", "aud", "fred"])
def test_only_finance_of_the_debtors_agency_acts_on_a_debt(imported, users, who):
    machine = DebtMachine(imported)
    with pytest.raises((Forbidden, ledger.DebtNotFound)), imported.begin() as s:
        ledger.send_notice(s, machine.debt_id, users[who])
