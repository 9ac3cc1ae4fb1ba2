"""generate(): build a whole synthetic agency dataset with planted cases and its truth.json."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from headcount.contract.progress import Progress, quiet
from headcount.contract.tables import (
    ACTIVITY,
    CAMPAIGNS,
    CHECKINS,
    DEATHS,
    HR_CHANGES,
    PAYROLL,
    ROSTER,
    VENDORS,
)
from headcount.report.outputs import FolderKind, atomic_directory
from headcount.synth import columns, deaths, hr_changes, truth
from headcount.synth import plants_changes as pch
from headcount.synth import plants_checkin as pc_
from headcount.synth import plants_identity as pi
from headcount.synth import plants_life as plife
from headcount.synth import plants_movers as pm
from headcount.synth import plants_pay as ppay
from headcount.synth import plants_people as ppl
from headcount.synth import plants_work as pw
from headcount.synth.activity import activity_table
from headcount.synth.checkins import active_at_sent, campaigns_table, replies
from headcount.synth.common import I64, Bool
from headcount.synth.payroll import Extras, background_extras, write_payroll
from headcount.synth.people import People, background, dedupe_name_dob, finalize_pay
from headcount.synth.plants import Planter, plant_count
from headcount.synth.ssn import sample_unique
from headcount.synth.vendors import vendor_count, vendors_table
from headcount.synth.vocab import build_places
from headcount.synth.writer import CsvSink, write_table

MIN_EMPLOYEES = 500
DEATHS_FORMATS = ("csv", "dmf")
SYNTH_TABLES = (
    "roster", "payroll", "deaths", "campaigns", "checkins", "activity", "hr_changes", "vendors",
)  # fmt: skip
SYNTH_FOLDER = FolderKind(
    "a synthetic dataset from headcount synth",
    frozenset(f"{name}.csv" for name in SYNTH_TABLES) | {"deaths.dmf", "truth.json"},
    marker="truth.json",
)


@dataclass(frozen=True)
class SynthResult:
    out_dir: Path
    employees: int
    payments: int
    deaths: int
    checkins: int
    truth_path: Path
    seconds: float


def _plant_everything(pl: Planter, n: int) -> None:
    """Every anomaly and look-alike; order fixes who gets picked, so keep it stable."""
    plife.paid_after_death(pl, n)
    plife.death_record_conflict(pl, n)
    plife.death_lookalikes(pl, n)
    plife.paid_after_separation(pl, n)
    plife.separation_lookalikes(pl, n)
    pi.payee_not_in_roster(pl, n)
    pi.duplicate_ssn(pl, n)
    pi.shared_bank_account(pl, n)
    pi.household_account(pl, n)
    pi.invalid_ssn(pl, n)
    pi.identity_mismatch(pl, n)
    pi.identity_lookalikes(pl, n)
    ppay.duplicate_payment(pl, n)
    ppay.no_withholding(pl, n)
    ppay.waived_health(pl, n)
    ppay.pay_above_cap(pl, n)
    ppay.cap_lookalikes(pl, n)
    ppay.award_and_retro(pl, n)
    pc_.checkin_from_inactive(pl, n)
    pc_.checkin_template(pl, n)
    pc_.short_identical(pl, n)
    pc_.check_forced(pl)
    ppl.duplicate_person(pl, n)
    ppl.twins(pl, n)
    ppl.spouses(pl, n)
    ppl.common_name_strangers(pl, n)
    ppl.possible_death_match(pl, n)
    pm.movers(pl, n)
    pm.namesakes(pl, n)
    pw.paid_without_activity(pl, n)
    pw.activity_lookalikes(pl, n)
    pw.activity_after_separation(pl, n)
    pw.address_cluster(pl, n)
    pw.address_lookalikes(pl, n)
    pw.po_box_address(pl, n)
    pw.employee_vendor_match(pl, n)
    pch.bank_change_after_exit(pl, n)
    pch.bank_change_lookalikes(pl, n)
    pch.self_approved_change(pl, n)
    pch.self_approved_lookalikes(pl, n)
    pch.pay_spike(pl, n)
    pch.pay_spike_lookalikes(pl, n)


def _streams(seed: int) -> list[np.random.Generator]:
    # Independent streams per stage: changing one stage never reshuffles another.
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(10)]


def _roster(
    streams: list[np.random.Generator], employees: int, out: Path
) -> tuple[People, Planter, I64, columns.PersonText, Bool]:
    """People, plants and roster.csv: the first stages of generate(), reused by roster_only()."""
    r_places, r_ssn, r_people, r_plants = streams[:4]
    n = plant_count(employees)
    places = build_places(
        r_places,
        n_cities=int(np.clip(employees // 40, 150, 4000)),
        n_streets=int(np.clip(employees // 10, 400, 20_000)),
    )
    n_people = employees + n  # n spare rows become payees unknown to the roster
    n_spare = 20 * n + 50
    ssns = sample_unique(r_ssn, n_people + employees + n_spare)
    people = background(r_people, employees, n, places, ssns[:n_people])
    planter = Planter(r_plants, people, places, ssns[n_people + employees :])
    _plant_everything(planter, n)
    tracked = planter.tracked()
    dedupe_name_dob(people, frozen=tracked)
    finalize_pay(people)
    text = columns.build(people, places)
    write_table(out / "roster.csv", ROSTER, columns.roster_table(people, text))
    return people, planter, ssns, text, tracked


def roster_only(out_dir: Path, employees: int, seed: int = 0) -> dict[str, list[list[str]]]:
    """Just roster.csv (the same file generate() writes for this seed and size) and a
    header-only payroll.csv, for identity-resolution work at scale. Returns, for the planted
    duplicate people and for the look-alikes that must stay apart, their two employee_ids
    followed by the variant or kind."""
    if employees < MIN_EMPLOYEES:
        raise ValueError(f"employees must be at least {MIN_EMPLOYEES} to plant every case")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    people, planter, _, _, _ = _roster(_streams(seed), employees, out)
    empty = pa.table({c: pa.array([], pa.string()) for c in PAYROLL.column_names})
    write_table(out / "payroll.csv", PAYROLL, empty)

    def ids(persons: list[int]) -> list[str]:
        return sorted(f"E{int(people.emp_num[i]):07d}" for i in persons)

    return {
        "duplicates": [
            [*ids(p.persons), p.variant] for p in planter.plants if p.name == "DUPLICATE_PERSON"
        ],
        "lookalikes": [
            [*ids(p.persons), p.name]
            for p in planter.plants
            if "DUPLICATE_PERSON" in p.must_not_flag
        ],
    }


def generate(
    out_dir: Path,
    employees: int,
    seed: int = 0,
    *,
    deaths_format: str = "csv",
    progress: Progress | None = None,
) -> SynthResult:
    """Write roster, payroll, deaths, campaigns, checkins, activity and truth.json to out_dir.

    The same seed and employee count always give byte-identical files. out_dir is written
    as a whole or not at all, and replaced only when it is new, empty or an earlier
    synthetic dataset (OutputError otherwise: it may be an agency's real files).
    """
    if deaths_format not in DEATHS_FORMATS:
        raise ValueError(f"deaths_format must be one of {DEATHS_FORMATS}, not {deaths_format!r}")
    if employees < MIN_EMPLOYEES:
        raise ValueError(f"employees must be at least {MIN_EMPLOYEES} to plant every case")
    out = Path(out_dir)
    with atomic_directory(out, SYNTH_FOLDER) as work:
        made = _write_dataset(work, employees, seed, deaths_format, progress)
    return dataclasses.replace(made, out_dir=out, truth_path=out / made.truth_path.name)


def _write_dataset(
    out: Path, employees: int, seed: int, deaths_format: str, progress: Progress | None
) -> SynthResult:
    start = time.perf_counter()
    report = progress or quiet
    # Independent streams per stage: changing one stage never reshuffles another.
    streams = _streams(seed)
    r_extras, r_deaths, r_checkins, r_activity, r_changes, r_vendors = streams[4:]
    n = plant_count(employees)

    report("roster", 0, employees)
    people, planter, ssns, text, tracked = _roster(streams, employees, out)
    n_people = employees + n
    report("roster", employees, employees)

    extras: Extras = planter.extras
    roster = np.arange(people.n) < employees
    background_extras(r_extras, people, roster & ~planter.used, extras)
    # Before payroll: background pay actions and bank changes bend the pay they explain.
    changes = hr_changes.background(r_changes, people, text, roster & ~planter.used)
    report("payroll", 0, 26)
    with CsvSink(out / "payroll.csv", PAYROLL.column_names, background=True) as sink:
        n_payments, paid = write_payroll(
            people, text, extras, tracked, sink.write, lambda k: report("payroll", k, 26)
        )

    report("deaths", 0, 1)
    records = deaths.with_planted(
        deaths.strangers(r_deaths, ssns[n_people : n_people + employees]), planter.deaths
    )
    if deaths_format == "dmf":
        (out / "deaths.dmf").write_bytes(deaths.dmf_bytes(records))
    else:
        write_table(out / "deaths.csv", DEATHS, deaths.csv_table(records))
    report("deaths", 1, 1)

    report("checkins", 0, 1)
    write_table(out / "campaigns.csv", CAMPAIGNS, campaigns_table())
    checkin_table, replied = replies(r_checkins, people, text, planter.no_reply, planter.forced)
    n_checkins = write_table(out / "checkins.csv", CHECKINS, checkin_table)
    active = active_at_sent(people)
    pc_.non_responders(planter, replied, active, count=min(25, 5 * n))
    report("checkins", 1, 1)

    report("activity", 0, 1)
    with CsvSink(out / "activity.csv", ACTIVITY.column_names) as sink:
        sink.write(activity_table(r_activity, people, text, planter.activity))
        n_activity = sink.rows
    report("activity", 1, 1)

    report("hr_changes and vendors", 0, 1)
    n_changes = write_table(
        out / "hr_changes.csv",
        HR_CHANGES,
        hr_changes.hr_changes_table(changes, planter.changes.planted, text),
    )
    n_vendors = write_table(
        out / "vendors.csv",
        VENDORS,
        vendors_table(r_vendors, people, planter.places, planter.vendors, vendor_count(employees)),
    )
    report("hr_changes and vendors", 1, 1)

    report("writing", 0, 1)
    counts = {
        "employees": employees,
        "payments": n_payments,
        "deaths": len(records),
        "checkins": n_checkins,
        "non_responders": int((active & ~replied).sum()),
        "active_at_campaign": int(active.sum()),
        "activity": n_activity,
        "campaigns": len(campaigns_table()),
        "hr_changes": n_changes,
        "vendors": n_vendors,
    }
    header = {
        "seed": seed,
        "employees": employees,
        "generated_by": "headcount synth",
        "deaths_file": f"deaths.{deaths_format}",
        "definitions": {
            "non_responders": "roster employees active and alive on the campaign's sent date "
            "(any agency, exempt included) who sent no check-in",
        },
    }
    doc = truth.build(
        planter.plants, paid, lambda i: f"E{int(people.emp_num[i]):07d}", header, counts
    )
    truth_path = out / "truth.json"
    truth.write(truth_path, doc)
    report("writing", 1, 1)
    return SynthResult(
        out_dir=out,
        employees=employees,
        payments=n_payments,
        deaths=len(records),
        checkins=n_checkins,
        truth_path=truth_path,
        seconds=time.perf_counter() - start,
    )
