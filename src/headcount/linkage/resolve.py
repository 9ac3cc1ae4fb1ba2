"""Identity resolution for one run: train, score, apply the hard rules, cluster.

Writes three tables into the run's database, which DUPLICATE_PERSON then reads:

- `person_links`: every pair judged one person, with its match probability and the
  per-comparison evidence (level, Bayes factor, log2 weight) that adds up to it;
- `person_clusters(cluster_id, employee_id)`: the connected groups of those pairs;
- `linkage_model`: one row saying how the model was fitted and with which prior.

Hard rules after scoring, whatever the score: two records with the same SSN are never a
DUPLICATE_PERSON pair (that is DUPLICATE_SSN), and twins — same surname, birth date and
home address, given names not equivalent — are two people.

Identity resolution steps aside (RuleSkipped: DUPLICATE_PERSON is left out of the run and
summary.json says why) when the roster cannot support it: fewer than two records, or no
readable birth date at all (the model blocks and weighs on birth dates; without any it
cannot tell a person from a namesake). A roster whose training pairs run out (few birth
dates) is scored with the reference model, as a small roster is.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from splink import DuckDBAPI, Linker
from splink.clustering import cluster_pairwise_predictions_at_threshold
from splink.internals.exceptions import EMTrainingException

from headcount.contract.findings import RuleSkipped
from headcount.engine.base import Engine, EngineError
from headcount.linkage import model, persist, skew
from headcount.linkage.estimate_u import Shares, exact_shares
from headcount.linkage.honour import (
    LABELS_TABLE,
    cannot_link,
    label_join,
    must_link,
    register_labels,
    unscored_must_links,
)
from headcount.linkage.inputs import current
from headcount.linkage.records import RECORDS_TABLE, build_records
from headcount.linkage.train import (
    MIN_TRAIN_RECORDS,
    duplicates_per_record,
    estimate_prior,
    quiet_splink,
    reference_settings,
    train,
)

AGREES = ("date_of_birth_agrees", "home_address_agrees", "zip_agrees")
LINKS_TABLE = "person_links"
CLUSTERS_TABLE = "person_clusters"
MODEL_TABLE = "linkage_model"

COMPARISON = pa.struct(
    [
        ("comparison", pa.string()),
        ("level", pa.string()),
        ("bayes_factor", pa.float64()),
        ("log2_weight", pa.float64()),
    ]
)
LINKS_SCHEMA = pa.schema(
    [
        ("employee_id_l", pa.string()),
        ("employee_id_r", pa.string()),
        ("match_probability", pa.float64()),
        ("match_weight", pa.float64()),
        ("prior_weight", pa.float64()),
        ("date_of_birth_agrees", pa.bool_()),
        ("home_address_agrees", pa.bool_()),
        ("zip_agrees", pa.bool_()),
        ("comparisons", pa.list_(COMPARISON)),
        ("decided_by", pa.string()),  # the analyst whose must-link label keeps the pair
    ]
)


@dataclass(frozen=True)
class Fitted:
    linker: Linker
    records: int
    trained: bool  # on this roster (False: the reference model, or a kept one)
    source: str  # in words: fitted here, a kept model reused, or the reference model
    exact: Shares  # this roster's exact u shares: the fingerprint a kept model is checked by
    capped: tuple[skew.Capped, ...] = ()  # blocking rules the skew guard capped

    @property
    def blocks_capped(self) -> int:
        return sum(c.blocks for c in self.capped)

    @property
    def prior(self) -> float:
        return float(self.linker._settings_obj._probability_two_random_records_match)


def _given_differs(a: str, b: str) -> str:
    """Both given names present and not equivalent under the contract: not equal, not a
    nickname of each other, not within one typo (a swapped pair of letters is one typo).
    A missing given name proves nothing, so it never makes two records twins."""
    return (
        f"({a}.given_name IS NOT NULL AND {b}.given_name IS NOT NULL"
        f" AND {a}.given_name <> {b}.given_name"
        f" AND damerau_levenshtein({a}.given_name, {b}.given_name) > 1"
        f" AND NOT list_contains({a}.given_nicknames, {b}.given_name)"
        f" AND NOT list_contains({b}.given_nicknames, {a}.given_name))"
    )


def twins(a: str, b: str) -> str:
    """SQL: same surname (or one typo/transposition), birth date and home address, yet
    given names that are not equivalent: two people, whatever the model says."""
    return (
        f"(coalesce(damerau_levenshtein({a}.surname, {b}.surname) <= 1, FALSE)"
        f" AND coalesce({a}.dob = {b}.dob, FALSE)"
        f" AND coalesce({a}.address_key = {b}.address_key, FALSE)"
        f" AND {_given_differs(a, b)})"
    )


def housemates(a: str, b: str) -> str:
    """SQL: records whose given names are not equivalent, whose birth dates differ and whose
    SSNs are more than two digits apart share no mark of one identity — only what a
    household shares (surname, address, an account): two people, whatever the model says.
    A duplicate keeps its given name or birth date, or an SSN keyed one or two digits wrong."""
    return (
        f"({_given_differs(a, b)}"
        f" AND {a}.dob IS NOT NULL AND {b}.dob IS NOT NULL AND {a}.dob <> {b}.dob"
        f" AND {a}.ssn IS NOT NULL AND {b}.ssn IS NOT NULL"
        f" AND NOT coalesce({model.dl(f'{a}.ssn', f'{b}.ssn', 2)}, FALSE))"
    )


def namesakes(a: str, b: str) -> str:
    """SQL: records that share nothing but names and birth date — home addresses in
    different places (not the same or a similar street line, ZIPs more than one typo
    apart, different cities), SSNs more than two digits apart, a different work email and
    supervisor — are two people, whatever the model says. A person who moved keeps
    something (an email, a supervisor, an SSN keyed one digit wrong); strangers with one
    name and birthday keep nothing."""
    return (
        f"({a}.address_key IS NOT NULL AND {b}.address_key IS NOT NULL"
        f" AND {a}.address_key <> {b}.address_key"
        f" AND NOT coalesce({a}.house_number = {b}.house_number"
        f" AND jaro_winkler_similarity({a}.street, {b}.street) >= 0.9, FALSE)"
        f" AND jaro_winkler_similarity({a}.address_key, {b}.address_key) < 0.9"
        f" AND NOT coalesce({model.dl(f'{a}.zip', f'{b}.zip', 1)}, FALSE)"
        f" AND coalesce({a}.city <> {b}.city, TRUE)"
        f" AND NOT coalesce({model.dl(f'{a}.ssn', f'{b}.ssn', 2)}, FALSE)"
        f" AND NOT coalesce({a}.email = {b}.email, FALSE)"
        f" AND NOT coalesce({a}.supervisor_id = {b}.supervisor_id, FALSE))"
    )


def fit(engine: Engine) -> Fitted:
    """The model for this run: a kept model that still fits the roster (persist.py), else
    one trained on it, else (too small, or no training pairs) the reference model."""
    con = getattr(engine, "con", None)
    if engine.name != "duckdb" or con is None:
        raise EngineError(f"identity resolution has no {engine.name} backend yet")
    quiet_splink()
    build_records(engine)
    records = _check_records(engine)
    capped = skew.guard(engine)
    rules = [c.rule for c in capped]
    table = DuckDBAPI(connection=con).register(RECORDS_TABLE, table_name="hc_linkage_input")
    exact = exact_shares(engine)
    chosen = current()
    refit = ""
    if chosen.model is not None:
        saved = persist.load(chosen.model)
        reason = persist.moved(saved, records, exact)
        if reason is None:
            kept = _guarded(persist.splink_settings(saved), rules)
            linker = Linker(table, kept, validate_settings=False)
            estimate_prior(linker, records)
            fitted_on = int(saved["headcount_records"])
            source = f"a kept model fitted on {fitted_on:,} records"
            return Fitted(linker, records, False, source, exact, capped)
        refit = f" (the kept model was refitted: {reason})"
    if records >= MIN_TRAIN_RECORDS:
        linker = Linker(table, model.settings(rules), validate_settings=False)
        try:
            train(engine, linker, records, exact)
        except EMTrainingException:
            pass  # no pairs to learn from under a training rule: the reference model below
        else:
            return Fitted(linker, records, True, f"fitted on this roster{refit}", exact, capped)
    return Fitted(
        Linker(table, _guarded(reference_settings(records), rules), validate_settings=False),
        records,
        False,
        "the reference model",
        exact,
        capped,
    )


def _guarded(settings: dict[str, Any], capped: list[int]) -> dict[str, Any]:
    """A saved model's settings with the blocking rules the skew guard capped rewritten;
    left as saved where nothing was capped."""
    if not capped:
        return settings
    return {**settings, "blocking_rules_to_generate_predictions": model.blocking_rule_dicts(capped)}


def model_json(fitted: Fitted) -> str:
    """The fitted model as a file `persist.load` reads back."""
    splink_model: dict[str, Any] = fitted.linker.misc.save_model_to_json()
    return persist.to_json(splink_model, fitted.records, fitted.trained, fitted.exact)


def _check_records(engine: Engine) -> int:
    """The number of roster records; RuleSkipped when they cannot be resolved at all."""
    counts = engine.fetch_arrow(
        f"SELECT count(*) AS records, count(dob) AS dated FROM {RECORDS_TABLE}"
    ).to_pylist()[0]
    records, dated = int(counts["records"]), int(counts["dated"])
    reason = None
    if records < 2:
        reason = (
            f"the roster has {records} record{'' if records == 1 else 's'}; identity "
            "resolution needs at least two to compare"
        )
    elif dated == 0:
        reason = (
            "no roster record has a readable date_of_birth; identity resolution compares "
            "and groups records by birth date and cannot tell a person from a namesake "
            "without it"
        )
    if reason is not None:
        engine.execute(f"DROP TABLE IF EXISTS {RECORDS_TABLE}")
        raise RuleSkipped(reason)
    return records


def _levels(linker: Linker) -> list[tuple[str, str, dict[int, str]]]:
    """(output column, gamma column, gamma value -> level label) for every comparison."""
    out = []
    for c in linker._settings_obj.comparisons:
        labels = {lv.comparison_vector_value: lv.label_for_charts for lv in c.comparison_levels}
        out.append((c.output_column_name, c._gamma_column_name, labels))
    return out


def _comparisons(row: dict[str, Any], levels: list[tuple[str, str, dict[int, str]]]) -> list[Any]:
    out = []
    for name, gamma_col, labels in levels:
        gamma = int(row[gamma_col])
        # Term-frequency adjustment: a match on a rare name counts for more than on a
        # common one. Splink keeps it as a separate weight; the reviewer sees the sum.
        weight = float(row.get(f"mw_{name}") or 0.0) + float(row.get(f"mw_tf_adj_{name}") or 0.0)
        out.append(
            {
                "comparison": name,
                "level": labels.get(gamma, str(gamma)),
                "bayes_factor": 2.0**weight,
                "log2_weight": weight,
            }
        )
    return out


def resolve(engine: Engine) -> None:
    """The `prepare` hook of DUPLICATE_PERSON: build person_links and person_clusters."""
    started = time.perf_counter()
    fitted = fit(engine)
    linker = fitted.linker
    fit_s = time.perf_counter() - started
    prior_weight = math.log2(fitted.prior / (1 - fitted.prior))
    predictions = linker.inference.predict(
        threshold_match_probability=model.PREDICT_FLOOR, warning_mode="never"
    )
    labels = current().labels
    register_labels(engine, labels)
    # Labels decide over the score and over the twins, namesakes and housemates rules; never over a
    # shared SSN.
    kept = engine.fetch_arrow(
        f"""
        SELECT p.*,
               coalesce(l.dob = r.dob, FALSE) AS date_of_birth_agrees,
               coalesce(l.address_key = r.address_key, FALSE) AS home_address_agrees,
               coalesce(l.zip = r.zip, FALSE) AS zip_agrees,
               CASE WHEN {must_link()} THEN lab.analyst END AS decided_by
        FROM {predictions.physical_name} p
        JOIN {RECORDS_TABLE} l ON l.unique_id = p.unique_id_l
        JOIN {RECORDS_TABLE} r ON r.unique_id = p.unique_id_r
        {label_join("p")}
        WHERE p.match_probability >= {model.THRESHOLD}
          AND NOT coalesce(l.ssn = r.ssn, FALSE)
          AND NOT {cannot_link()}
          AND ({must_link()}
               OR NOT ({twins("l", "r")} OR {namesakes("l", "r")} OR {housemates("l", "r")}))
        """
    ).to_pylist()
    kept += unscored_must_links(
        engine, linker, labels, {(r["unique_id_l"], r["unique_id_r"]) for r in kept}
    )
    for row in kept:  # one orientation and order, however the pair was scored
        if row["unique_id_l"] > row["unique_id_r"]:
            row["unique_id_l"], row["unique_id_r"] = row["unique_id_r"], row["unique_id_l"]
    kept.sort(key=lambda r: (r["unique_id_l"], r["unique_id_r"]))
    predict_s = time.perf_counter() - started - fit_s
    levels = _levels(linker)
    links = {
        "employee_id_l": [r["unique_id_l"] for r in kept],
        "employee_id_r": [r["unique_id_r"] for r in kept],
        "match_probability": [float(r["match_probability"]) for r in kept],
        "match_weight": [float(r["match_weight"]) for r in kept],
        "prior_weight": [prior_weight] * len(kept),
        **{k: [r[k] for r in kept] for k in AGREES},
        "comparisons": [_comparisons(r, levels) for r in kept],
        "decided_by": [r["decided_by"] for r in kept],
    }
    engine.register_arrow(LINKS_TABLE, pa.table(links, schema=LINKS_SCHEMA))
    _cluster(engine, linker)
    engine.register_arrow(
        MODEL_TABLE,
        pa.table(
            {
                "records": [fitted.records],
                "trained_on_this_roster": [fitted.trained],
                "source": [fitted.source],
                "probability_two_random_records_match": [fitted.prior],
                "duplicates_per_record": [duplicates_per_record(linker, fitted.records)],
                "threshold": [model.THRESHOLD],
                "blocks_capped": [fitted.blocks_capped],
                "capped_rules": ["; ".join(c.describe() for c in fitted.capped)],
                "fit_seconds": [round(fit_s, 1)],
                "predict_seconds": [round(predict_s, 1)],
                "cluster_seconds": [round(time.perf_counter() - started - fit_s - predict_s, 1)],
            }
        ),
    )
    predictions.drop_table_from_database_and_remove_from_cache()
    # Only the three tables above outlive the hook (another engine may receive them).
    for table in ("hc_link_nodes", "hc_link_edges", LABELS_TABLE, RECORDS_TABLE):
        engine.execute(f"DROP TABLE IF EXISTS {table}")


def _cluster(engine: Engine, linker: Linker) -> None:
    if engine.count(LINKS_TABLE) == 0:
        engine.create_table(
            CLUSTERS_TABLE,
            "SELECT CAST(NULL AS VARCHAR) AS cluster_id, CAST(NULL AS VARCHAR) AS employee_id "
            "WHERE FALSE",
        )
        return
    engine.create_table(
        "hc_link_nodes",
        f"SELECT employee_id_l AS unique_id FROM {LINKS_TABLE} "
        f"UNION SELECT employee_id_r FROM {LINKS_TABLE}",
    )
    engine.create_table(
        "hc_link_edges",
        f"SELECT employee_id_l AS unique_id_l, employee_id_r AS unique_id_r FROM {LINKS_TABLE}",
    )
    clusters = cluster_pairwise_predictions_at_threshold(
        "hc_link_nodes", "hc_link_edges", linker._db_api, node_id_column_name="unique_id"
    )
    engine.create_table(
        CLUSTERS_TABLE,
        f"SELECT CAST(cluster_id AS VARCHAR) AS cluster_id, unique_id AS employee_id "
        f"FROM {clusters.physical_name}",
    )
    clusters.drop_table_from_database_and_remove_from_cache()
