"""The native (JVM) fast path of ingest validation, compiled from the same JSON Schema.

A record takes the fast path only when Spark can prove it valid on its own: it is valid UTF-8,
``to_json(from_json(value))`` gives back the exact bytes (so it is canonical JSON with no unknown
or duplicate keys and every value of the declared JSON type) and every schema keyword plus the
event-time and ticker limits hold. Everything else, valid or not, goes to the Python parser, which
alone writes dead-letter reasons. The fast path is conservative by construction: it may send a
valid record to Python, never accept one that Python would reject.
"""

from __future__ import annotations

from typing import Any

from lam_models.contracts import Contract
from lam_models.ingest.parse import ParseLimits

# JSON Schema type -> Spark type for the from_json struct; a keyword outside these sets (or a
# property of another shape) makes the whole contract Python-only rather than half-checked.
_SCALAR_TYPES = {"string": "string", "integer": "bigint", "number": "double", "boolean": "boolean"}
_CHECKED = {"type", "const", "enum", "minLength", "maxLength", "pattern", "minimum", "maximum", "maxItems",
            "minItems", "uniqueItems", "items", "format"}
_ANNOTATIONS = {"description", "title", "$comment", "examples"}
# Java's `$` also matches before a final \r, \u0085, \u2028 or \u2029; Python's only before \n.
# Strings under a pattern must hold none of them, so both engines agree on what `$` means.
_LINE_TERMINATORS = "[\\n\\r\\u0085\\u2028\\u2029]"
# Strict ISO-8601 with an explicit offset: a subset of what the Python parser accepts.
_ISO_TIMESTAMP = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$"


class Unsupported(ValueError):
    """The schema uses something the native path cannot check exactly; Python checks it all."""


def _spark_type(prop: dict[str, Any]) -> str:
    kind = prop.get("type")
    if "const" in prop or "enum" in prop:
        values = [prop["const"]] if "const" in prop else prop["enum"]
        kinds = {type(v) for v in values}
        if kinds == {str}:
            return "string"
        if kinds == {int}:
            return "bigint"
        raise Unsupported(f"const/enum of {sorted(k.__name__ for k in kinds)}")
    if isinstance(kind, list):  # ["number", "null"]: nullable scalar
        scalar = [k for k in kind if k != "null"]
        if len(scalar) != 1:
            raise Unsupported(f"type {kind}")
        kind = scalar[0]
    if kind in _SCALAR_TYPES:
        return _SCALAR_TYPES[kind]
    if kind == "array":
        return f"array<{_spark_type(prop.get('items', {}))}>"
    raise Unsupported(f"type {kind!r}")


def _safe_pattern(pattern: str) -> str:
    if "(?" in pattern or "\\p" in pattern or "\\Z" in pattern or "\\A" in pattern:
        raise Unsupported(f"pattern {pattern!r} may differ between Java and Python regex")
    return pattern


def _value_checks(column: Any, prop: dict[str, Any]) -> list[Any]:
    """Spark conditions for one property's keywords (``column`` is its parsed value, not null)."""
    from pyspark.sql import functions as F

    unknown = set(prop) - _CHECKED - _ANNOTATIONS
    if unknown:
        raise Unsupported(f"keywords {sorted(unknown)}")
    checks = []
    if "const" in prop:
        checks.append(column == F.lit(prop["const"]))
    if "enum" in prop:
        checks.append(column.isin(prop["enum"]))
    if "minLength" in prop:
        checks.append(F.char_length(column) >= prop["minLength"])
    if "maxLength" in prop:
        checks.append(F.char_length(column) <= prop["maxLength"])
    if "pattern" in prop:
        checks.append(column.rlike(_safe_pattern(prop["pattern"])) & ~column.rlike(_LINE_TERMINATORS))
    if "minimum" in prop:
        checks.append(column >= prop["minimum"])
    if "maximum" in prop:
        checks.append(column <= prop["maximum"])
    if "minItems" in prop:
        checks.append(F.size(column) >= prop["minItems"])
    if "maxItems" in prop:
        checks.append(F.size(column) <= prop["maxItems"])
    if prop.get("uniqueItems"):
        checks.append(F.size(F.array_distinct(column)) == F.size(column))
    items = prop.get("items")
    if items:
        checks.append(F.forall(column, lambda item: _all(_value_checks(item, items))))
    return checks


def _all(conditions: list[Any]) -> Any:
    from pyspark.sql import functions as F

    result = F.lit(True)
    for condition in conditions:
        result = result & condition
    return result


class FastPath:
    """Native parse + proof of validity for one contract; build once per run."""

    def __init__(self, contract: Contract, limits: ParseLimits) -> None:
        schema = contract.schema
        if schema.get("type") != "object" or schema.get("additionalProperties") is not False:
            raise Unsupported("only closed objects (additionalProperties: false) can be proved canonical")
        self.contract, self.limits = contract, limits
        self.properties: dict[str, dict[str, Any]] = schema["properties"]
        self.ddl = ", ".join(f"`{name}` {_spark_type(prop)}" for name, prop in self.properties.items())
        self.required = list(schema.get("required", ()))
        self._checks_or_raise()

    def _checks_or_raise(self) -> None:
        from pyspark.sql import functions as F

        self._value_checks(F.col("_record"))  # raises Unsupported now, not in the middle of a run

    def _value_checks(self, record: Any) -> list[Any]:
        checks = [record[name].isNotNull() for name in self.required]
        for name, prop in self.properties.items():
            value = record[name]
            checks.append(value.isNull() | _all(_value_checks(value, prop)))
        return checks

    def judge(self, frame: Any) -> Any:
        """Add ``_record`` (the parsed struct), ``_event_time`` and ``_fast`` (proved valid) to ``frame``."""
        from pyspark.sql import functions as F

        options = {"allowSingleQuotes": "false", "allowNonNumericNumbers": "false", "mode": "PERMISSIVE"}
        text = F.col("value").cast("string")
        record = F.from_json(text, self.ddl, options)
        frame = frame.withColumn("_record", record)
        event_text = F.col("_record")[self.contract.event_time_field]
        frame = frame.withColumn(
            "_event_time", F.when(event_text.rlike(_ISO_TIMESTAMP), F.try_to_timestamp(event_text))
        )
        limits = self.limits
        conditions = [
            F.col("value").isNotNull(),
            F.length(F.col("value")) <= limits.max_record_bytes,
            F.is_valid_utf8(text),
            F.col("_record").isNotNull(),
            F.to_json(F.col("_record")) == text,
            *self._value_checks(F.col("_record")),
            F.col("_event_time").isNotNull(),
            F.col("_event_time") >= F.lit(limits.min_event_time),
            F.col("_event_time") <= F.lit(limits.max_event_time),
        ]
        if limits.known_tickers is not None and "tickers" in self.properties:
            known = F.array(*[F.lit(t) for t in sorted(limits.known_tickers)])
            conditions.append(F.size(F.array_except(F.col("_record")["tickers"], known)) == 0)
        return frame.withColumn("_fast", F.coalesce(_all(conditions), F.lit(False)))

    def rows(self, judged: Any, columns: list[str]) -> Any:
        """The bronze columns of fast-path rows, shaped exactly as the Python parser shapes them."""
        from pyspark.sql import functions as F

        native = {name: F.col("_record")[name] for name in self.properties if name != "schema_version"}
        native[self.contract.event_time_field] = F.col("_event_time")
        native["event_date"] = F.to_date(F.col("_event_time"))
        return judged.select(*[(native[c] if c in native else F.col(c)).alias(c) for c in columns])


def fast_path(contract: Contract, limits: ParseLimits) -> FastPath | None:
    """The contract's fast path, or None when its schema needs the Python validator for everything."""
    try:
        return FastPath(contract, limits)
    except Unsupported:
        return None

