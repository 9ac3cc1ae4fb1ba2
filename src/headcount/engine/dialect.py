"""SQL fragments that differ between backends.

Rules are written in DuckDB's SQL; the few functions without a common spelling are asked for
through a `Dialect`, as Splink's dialects do, so one rule text serves every engine.
"""

from __future__ import annotations


class Dialect:
    """DuckDB spellings; other backends override what differs."""

    name = "duckdb"

    def edit_distance(self, a: str, b: str) -> str:
        """Levenshtein distance: one typo is one insertion, deletion or substitution."""
        return f"levenshtein({a}, {b})"

    def osa_within_one(self, a: str, b: str) -> str:
        """SQL boolean: within one typo or one swap of adjacent characters (a Damerau
        distance of at most 1; NULL when either side is). A predicate rather than a
        distance, since no engine but DuckDB has the distance built in."""
        return f"(damerau_levenshtein({a}, {b}) <= 1)"

    def sorted_list(self, expr: str) -> str:
        """Aggregate distinct non-null values into a sorted list."""
        return f"list_sort(list(DISTINCT {expr}) FILTER (WHERE {expr} IS NOT NULL))"

    def ordered_list(self, expr: str, order_by: str) -> str:
        """Aggregate values (e.g. structs) into a list ordered by `order_by`."""
        return f"list({expr} ORDER BY {order_by})"

    def struct(self, **fields: str) -> str:
        inner = ", ".join(f"{name} := {value}" for name, value in fields.items())
        return f"struct_pack({inner})"

    def array(self, *items: str) -> str:
        return f"list_value({', '.join(items)})"

    def empty_text_list(self) -> str:
        return "CAST([] AS VARCHAR[])"

    def list_len(self, expr: str) -> str:
        return f"len({expr})"

    def days_before(self, date: str, days: int) -> str:
        return f"CAST({date} - INTERVAL {days} DAY AS DATE)"

    def lower(self, text: str) -> str:
        """Lower case as DuckDB's Unicode tables give it (names compare case-insensitively)."""
        return f"lower({text})"

    def collapse_non_alnum(self, text: str) -> str:
        """Lower-case and turn every run of characters other than letters and digits into one space."""
        return f"trim(regexp_replace({self.lower(text)}, '[^[:alnum:]]+', ' ', 'g'))"

    def words(self, text: str) -> str:
        """The list of words in already-collapsed text."""
        return f"string_split({text}, ' ')"

    def explode(self, list_expr: str) -> str:
        """Set-returning: one row per element of a list, used in a SELECT list."""
        return f"unnest({list_expr})"

    def join_list(self, list_expr: str, sep: str) -> str:
        """A list's elements as one `sep`-separated string."""
        return f"array_to_string({list_expr}, '{sep}')"

    def join_present(self, sep: str, items: list[str], lists: list[str]) -> str:
        """The non-null scalar `items`, then the elements of `lists`, joined by `sep`."""
        present = f"list_filter(list_value({', '.join(items)}), lambda x: x IS NOT NULL)"
        combined = present
        for extra in lists:
            combined = f"list_concat({combined}, {extra})"
        return self.join_list(combined, sep)

    def as_text(self, expr: str) -> str:
        """A value cast to text (e.g. a row number inside a finding key)."""
        return f"CAST({expr} AS VARCHAR)"

    def year(self, date: str) -> str:
        return f"CAST(year({date}) AS INTEGER)"

    def median(self, expr: str) -> str:
        """Aggregate (or window): the exact median as DOUBLE, the mean of the two middle
        values for an even count."""
        return f"median({expr})"


DuckDBDialect = Dialect
