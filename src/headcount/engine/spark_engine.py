"""Apache Spark backend: the same rule SQL, run by Spark SQL in local mode or on a cluster.

pyspark is an optional extra (`pip install 'headcount[spark]'`) and is imported only when a
`SparkEngine` is opened, so nothing else in headcount needs it installed.

Spark is asked for DuckDB's semantics wherever the two differ and the results could show it:
NULL-ordering in ordered lists (NULLS LAST), NULL rather than an empty list from an
aggregate over no values, string distances counted in UTF-8 bytes as DuckDB counts them,
ASCII-only `[:alnum:]`, and timestamps without a time zone (TIMESTAMP_NTZ).
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from headcount.engine.base import Engine, EngineError
from headcount.engine.dialect import Dialect

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

INSTALL_HINT = "pip install 'headcount[spark]'"
DEFAULT_MASTER = "local[2]"

# Settings the rules rely on (SQL semantics), then defaults for a small local run that a
# user's own configuration (spark-submit --conf, spark-defaults.conf) takes precedence over.
REQUIRED_CONF = {
    # Rule SQL quotes identifiers such as "row" and "column" with double quotes.
    "spark.sql.ansi.enabled": "true",
    "spark.sql.ansi.doubleQuotedIdentifiers": "true",
    # Ingest stores timestamps as UTC without a zone; read and compare them that way.
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.timestampType": "TIMESTAMP_NTZ",
    "spark.sql.parquet.inferTimestampNTZ.enabled": "true",
    # headcount's own progress bars report the stages; Spark's would draw over them.
    "spark.ui.showConsoleProgress": "false",
}
DEFAULT_CONF = {
    "spark.log.structuredLogging.enabled": "false",
    "spark.sql.adaptive.enabled": "true",
}
LOCAL_CONF = {
    # Spark's 200 shuffle partitions suit a cluster; on a few local cores they are overhead.
    "spark.sql.shuffle.partitions": "8",
    # A local run serves nobody else: no web UI, and nothing listening beyond loopback.
    "spark.ui.enabled": "false",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
}


class SparkUnavailableError(EngineError):
    """pyspark (or the Java runtime it drives) is not there."""


def _latin1(text: str) -> str:
    """The UTF-8 bytes of `text`, one character per byte, so that Spark's character-based
    distances count bytes as DuckDB's levenshtein and damerau_levenshtein do."""
    return f"decode(encode({text}, 'UTF-8'), 'ISO-8859-1')"


_ORDER_KEY = re.compile(
    r"^(?P<expr>.+?)(?:\s+(?P<dir>ASC|DESC))?(?:\s+NULLS\s+(?P<nulls>FIRST|LAST))?$",
    re.IGNORECASE | re.DOTALL,
)


def split_top_level(text: str, sep: str = ",") -> list[str]:
    """Split on `sep` outside parentheses and quotes (an ORDER BY list into its keys)."""
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]


class SparkDialect(Dialect):
    """Spark SQL spellings of everything `Dialect` names."""

    name = "spark"

    def edit_distance(self, a: str, b: str) -> str:
        return f"levenshtein({_latin1(a)}, {_latin1(b)})"

    def osa_within_one(self, a: str, b: str) -> str:
        # One insertion, deletion or substitution, or one swap of adjacent bytes: swap
        # each adjacent pair of b in turn and compare with a.
        la, lb = _latin1(a), _latin1(b)
        swapped = (
            f"concat(substr({lb}, 1, hc_pos - 1), substr({lb}, hc_pos + 1, 1), "
            f"substr({lb}, hc_pos, 1), substr({lb}, hc_pos + 2))"
        )
        return (
            f"(CASE WHEN {a} IS NULL OR {b} IS NULL THEN NULL "
            f"ELSE levenshtein({la}, {lb}, 1) <> -1 OR (length({la}) = length({lb}) "
            f"AND length({la}) >= 2 "
            f"AND exists(sequence(1, length({la}) - 1), hc_pos -> {la} = {swapped})) END)"
        )

    def sorted_list(self, expr: str) -> str:
        # collect_set gives [] where DuckDB's filtered list() gives NULL: keep NULL.
        return f"CASE WHEN count({expr}) = 0 THEN NULL ELSE array_sort(collect_set({expr})) END"

    def ordered_list(self, expr: str, order_by: str) -> str:
        # collect_list has no order; collect (keys, value) structs, sort them with a
        # comparator that follows DuckDB's ORDER BY (NULLS LAST unless told), keep values.
        keys = [_ORDER_KEY.match(k) for k in split_top_level(order_by)]
        fields: dict[str, str] = {}
        cases: list[str] = []
        for i, m in enumerate(keys):
            if m is None:  # pragma: no cover - the pattern matches any non-empty text
                raise ValueError(f"cannot read ORDER BY key in {order_by!r}")
            k = f"k{i}"
            fields[k] = m["expr"]
            desc = (m["dir"] or "").upper() == "DESC"
            nulls_first = (m["nulls"] or "LAST").upper() == "FIRST"
            before, after = ("-1", "1") if not desc else ("1", "-1")
            null_l = "-1" if nulls_first else "1"
            null_r = "1" if nulls_first else "-1"
            cases += [
                f"WHEN l.{k} IS NULL AND r.{k} IS NOT NULL THEN {null_l}",
                f"WHEN l.{k} IS NOT NULL AND r.{k} IS NULL THEN {null_r}",
                f"WHEN l.{k} < r.{k} THEN {before}",
                f"WHEN l.{k} > r.{k} THEN {after}",
            ]
        fields["v"] = expr
        comparator = f"(l, r) -> CASE {' '.join(cases)} ELSE 0 END"
        return (
            f"transform(array_sort(collect_list({self.struct(**fields)}), {comparator}), x -> x.v)"
        )

    def struct(self, **fields: str) -> str:
        inner = ", ".join(f"'{name}', {value}" for name, value in fields.items())
        return f"named_struct({inner})"

    def array(self, *items: str) -> str:
        return f"array({', '.join(items)})"

    def empty_text_list(self) -> str:
        return "CAST(array() AS ARRAY<STRING>)"

    def list_len(self, expr: str) -> str:
        return f"size({expr})"

    def days_before(self, date: str, days: int) -> str:
        return f"date_sub({date}, {days})"

    def lower(self, text: str) -> str:
        # Java lower-cases the Turkish dotted capital I to "i" plus a combining dot, DuckDB
        # to plain "i"; every other character of the Unicode version both know agrees.
        return f"lower(replace({text}, '\u0130', 'I'))"

    def collapse_non_alnum(self, text: str) -> str:
        # DuckDB's (RE2's) [:alnum:] is ASCII letters and digits only; so is this class.
        return f"trim(regexp_replace({self.lower(text)}, '[^0-9A-Za-z]+', ' '))"

    def words(self, text: str) -> str:
        return f"split({text}, ' ')"

    def explode(self, list_expr: str) -> str:
        return f"explode({list_expr})"

    def join_list(self, list_expr: str, sep: str) -> str:
        return f"array_join({list_expr}, '{sep}')"

    def join_present(self, sep: str, items: list[str], lists: list[str]) -> str:
        # concat_ws skips NULL strings and NULL elements of arrays, as DuckDB's form does.
        return f"concat_ws('{sep}', {', '.join([*items, *lists])})"

    def as_text(self, expr: str) -> str:
        return f"CAST({expr} AS STRING)"

    def year(self, date: str) -> str:
        return f"CAST(year({date}) AS INTEGER)"

    def median(self, expr: str) -> str:
        # percentile (not percentile_approx) is exact and interpolates as DuckDB's median.
        return f"percentile({expr}, 0.5)"


def require_pyspark() -> None:
    """Raise SparkUnavailableError, naming the extra to install, when pyspark is missing."""
    try:
        import pyspark  # noqa: F401
    except ImportError as exc:
        raise SparkUnavailableError(
            f"the Spark engine needs pyspark, which is not installed: {INSTALL_HINT}"
        ) from exc


def _session(master: str | None, conf: Mapping[str, str]) -> tuple[SparkSession, bool]:
    """The active session if there is one (spark-submit, a test's), else a new one; and
    whether this engine created it (and so stops it on close)."""
    require_pyspark()
    from pyspark import SparkConf, SparkContext
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        for key, value in {**REQUIRED_CONF, **conf}.items():
            # A running session keeps its static settings (the console progress bar, say).
            if active.conf.isModifiable(key):
                active.conf.set(key, value)
        return active, False
    # spark-submit starts Python with the gateway's port in the environment; its --master
    # then stands unless one is given here.
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ
    try:
        # Start (or join) the JVM first, so that settings made outside headcount
        # (spark-submit --conf, PYSPARK_SUBMIT_ARGS, spark-defaults.conf) can be read.
        SparkContext._ensure_initialized()
        given = SparkConf()
        if master is None:
            master = given.get("spark.master", DEFAULT_MASTER) if submitted else DEFAULT_MASTER
        settings = {**DEFAULT_CONF, **(LOCAL_CONF if master.startswith("local") else {})}
        builder = SparkSession.builder.master(master)
        if not submitted:  # else spark-submit's --name (or the script's name) stands
            builder = builder.appName("headcount verify")
        for key, value in settings.items():
            if not given.contains(key):
                builder = builder.config(key, value)
        for key, value in {**REQUIRED_CONF, **conf}.items():
            builder = builder.config(key, value)
        session = builder.getOrCreate()
    except Exception as exc:  # py4j and Java start-up errors have no common base class
        raise SparkUnavailableError(f"Spark could not start ({master}): {exc}") from exc
    # Failures reach the caller as EngineError; Spark's own log would repeat them.
    session.sparkContext.setLogLevel("OFF")
    return session, True


class SparkEngine(Engine):
    """Runs rule SQL with Spark SQL. Tables are temporary views; derived ones are cached."""

    name = "spark"

    def __init__(self, master: str | None = None, *, conf: Mapping[str, str] | None = None) -> None:
        self.dialect = SparkDialect()
        self.spark, self._owns_session = _session(master, conf or {})
        self._views: dict[str, DataFrame] = {}
        self._uploads: list[str] = []

    def _sql(self, sql: str) -> DataFrame:
        try:
            return self.spark.sql(sql)
        except Exception as exc:  # Spark's AnalysisException and parse errors
            raise EngineError(f"Spark could not run a query: {exc}\n{sql}") from exc

    def _view(self, name: str, frame: DataFrame) -> None:
        old = self._views.pop(name, None)
        if old is not None:
            old.unpersist()
        frame.createOrReplaceTempView(name)
        self._views[name] = frame

    def execute(self, sql: str) -> None:
        """Run a statement for its effect; create tables with `create_table`, which Spark's
        session catalog needs as views rather than CREATE TABLE … AS."""
        try:
            self._sql(sql).collect()
        except EngineError:
            raise
        except Exception as exc:
            raise EngineError(f"Spark could not run a statement: {exc}\n{sql}") from exc

    def fetch_arrow(self, sql: str) -> pa.Table:
        try:
            return self._sql(sql).toArrow()
        except EngineError:
            raise
        except Exception as exc:
            raise EngineError(f"Spark could not run a query: {exc}\n{sql}") from exc

    def register_arrow(self, name: str, table: pa.Table) -> None:
        if table.num_rows == 0:
            # pyspark cannot convert a column with no chunks (an empty query result).
            table = table.schema.empty_table()
        self._view(name, self.spark.createDataFrame(table))

    def register_parquet(self, name: str, path: str | Path) -> None:
        """Make a Parquet file or folder (a local path or a URI such as s3a://…) a view,
        cached (in memory, spilling to disk) on first read: most rules read the same
        tables, and decoding Parquet again for each would dominate their time."""
        location = path.as_uri() if isinstance(path, Path) else path
        self._view(name, self.spark.read.parquet(location).cache())

    def create_table(self, name: str, sql: str) -> None:
        # Cached: derived tables such as death_matches are read by several rules.
        self._view(name, self._sql(sql).cache())

    def _hadoop_path(self, uri: str) -> tuple[Any, Any]:
        """A Hadoop Path and its FileSystem (s3a://, hdfs://, abfss://, file:// …)."""
        jvm = self.spark._jvm
        if jvm is None:  # Spark Connect sessions have no JVM on the driver side
            raise SparkUnavailableError("staging needs a classic (not Spark Connect) session")
        path = jvm.org.apache.hadoop.fs.Path(uri)
        conf = self.spark._jsc.hadoopConfiguration()
        return path, path.getFileSystem(conf)

    def upload(self, files: Mapping[str, Path], uri: str) -> dict[str, str]:
        """Copy the driver's local `files` into a new folder under `uri`, through Hadoop's
        file systems, for executors that cannot read the driver's disk; returns name -> URI
        of each copy. The folder is deleted on close."""
        folder = f"{uri.rstrip('/')}/headcount-{uuid.uuid4().hex}"
        copies: dict[str, str] = {}
        try:
            for name, local in files.items():
                src, _ = self._hadoop_path(local.resolve().as_uri())
                dst, fs = self._hadoop_path(f"{folder}/{local.name}")
                fs.copyFromLocalFile(False, True, src, dst)
                copies[name] = str(dst.toString())
        except Exception as exc:  # py4j wraps Hadoop's IOExceptions
            raise SparkUnavailableError(f"could not stage tables at {uri}: {exc}") from exc
        finally:
            self._uploads.append(folder)
        return copies

    def close(self) -> None:
        for name, frame in self._views.items():
            frame.unpersist()
            self.spark.catalog.dropTempView(name)
        self._views.clear()
        for folder in self._uploads:
            path, fs = self._hadoop_path(folder)
            fs.delete(path, True)
        self._uploads.clear()
        if self._owns_session:
            self.spark.stop()
