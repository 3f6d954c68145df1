"""Masking personal data: pure column and ``DataFrame -> DataFrame`` functions.

Everything is built from Spark built-ins (no UDF): HMAC-SHA256 is composed from ``sha2`` with
the key's inner and outer pads, AES-GCM is ``aes_encrypt``. Keys arrive as bytes and enter the
plan as data, not literals (:func:`mask_keys`): a one-row relation holding the pads and the AES
key, read by scalar subqueries, so ``EXPLAIN``, the Spark UI and the pipeline's plans show
``scalar-subquery#n`` where a literal would show the key (the pads give the key away: each is
the key XOR a constant). What remains: the relation's row travels in the query's plan message
from the Python process to the Spark server (Spark Connect) and lives in the driver's memory,
as the key itself does. Every masked column still has a name of its own.

Null stays null and blank stays blank under every mask (neither is personal data, and silver
still tells missing values apart).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import BinaryType, StructField, StructType

from pipelines.config.model import Column as ColumnSpec
from pipelines.config.pii import PiiSpec
from pipelines.pii.keys import PiiKeys
from pipelines.transforms.conform import CORRUPT_COLUMN, INVALID, is_null_token
from pipelines.transforms.standardise import standardise

__all__ = [
    "REDACTED",
    "HmacKey",
    "MaskKeys",
    "decrypt",
    "encrypt",
    "hmac_sha256",
    "keyed_content_hash",
    "mask_column",
    "mask_keys",
    "mask_pii",
    "mask_value",
    "normalise",
    "partial",
    "redact",
    "redact_json",
    "token",
]

REDACTED = "[REDACTED]"
_BLOCK = 64  # SHA-256 block size
_SEPARATOR = "\u001f"  # as the content hash: ASCII unit separator
_NULL = "\u0000"


def normalise(value: Column, pii_class: str) -> Column:
    """The canonical text tokens are computed from, so variants of a value join.

    email, ip_address: trimmed, lower case; phone: digits and a leading ``+``;
    date_of_birth: digits; national_id, payment, bank_account: upper case without spaces,
    dots and dashes; anything else: trimmed, lower case, inner white space collapsed.
    """
    text = F.trim(value.cast("string"))
    if pii_class in {"email", "ip_address"}:
        return F.lower(text)
    if pii_class == "phone":
        return F.regexp_replace(text, r"(?!^\+)[^0-9]", "")
    if pii_class == "date_of_birth":
        return F.regexp_replace(text, r"[^0-9]", "")
    if pii_class in {"national_id", "payment", "bank_account"}:
        return F.upper(F.regexp_replace(text, r"[\s.\-]", ""))
    return F.regexp_replace(F.lower(text), r"\s+", " ")


def _pads(key: bytes) -> tuple[bytes, bytes]:
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    padded = key.ljust(_BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in padded), bytes(b ^ 0x5C for b in padded)


_KEY_ROW = StructType([StructField(n, BinaryType()) for n in ("i", "o", "a")])


@dataclass(frozen=True)
class HmacKey:
    """An HMAC key as the two Columns HMAC uses: its inner and outer pads."""

    inner: Column
    outer: Column


@dataclass(frozen=True)
class MaskKeys:
    """The run's keys as Columns (:func:`mask_keys`)."""

    token: HmacKey
    encryption: Column | None = None


def mask_keys(spark: SparkSession, keys: PiiKeys) -> MaskKeys:
    """``keys`` as scalar subqueries over a one-row relation: no plan holds them as literals.

    Cost: each subquery runs once per query (a micro-batch), then its value is a constant of
    the stage. Measured on 200,000 e-mails, a token column alternately with literals and with
    these subqueries, three times each on 2 shared cores: literals 3.9, 1.2, 1.8 s;
    subqueries 2.1, 1.2, 1.7 s (noise, no difference).
    """
    inner, outer = _pads(keys.token_key)
    row = [(inner, outer, keys.encryption_key)]
    # a StructType, not DDL text: parsing DDL asks the server (analysis, refused in a query
    # function of a pipeline)
    table = spark.createDataFrame(row, _KEY_ROW)
    token = HmacKey(table.select("i").scalar(), table.select("o").scalar())
    aes = table.select("a").scalar() if keys.encryption_key is not None else None
    return MaskKeys(token, aes)


def hmac_sha256(message: Column, key: HmacKey) -> Column:
    """HMAC-SHA256 (RFC 2104) of ``message`` (string, UTF-8) as 64 lower-case hex digits."""
    inner = F.sha2(F.concat(key.inner, F.encode(message, "UTF-8")), 256)
    return F.sha2(F.concat(key.outer, F.unhex(inner)), 256)


def _keep_blank(value: Column, masked: Column) -> Column:
    raw = value.cast("string")
    return F.when(raw.isNull() | (F.trim(raw) == ""), raw).otherwise(masked)


def token(value: Column, key: HmacKey, pii_class: str) -> Column:
    """Deterministic token: keyed HMAC-SHA256 of the normalised value (hex)."""
    return _keep_blank(value, hmac_sha256(normalise(value, pii_class), key))


def partial(value: Column, keep_last: int, pii_class: str) -> Column:
    """The normalised value with all but its last ``keep_last`` characters as ``*``.

    A value no longer than ``keep_last`` is masked whole (keeping it would show all of it).
    """
    text = normalise(value, pii_class)
    length = F.length(text)
    tail = F.concat(
        F.repeat(F.lit("*"), length - keep_last), F.substring(text, -keep_last, keep_last)
    )
    return _keep_blank(
        value, F.when(length > keep_last, tail).otherwise(F.repeat(F.lit("*"), length))
    )


def redact(value: Column) -> Column:
    """A constant in place of every present value."""
    return _keep_blank(value, F.lit(REDACTED))


def redact_json(value: Column) -> Column:
    """A JSON object with every present value replaced by ``[REDACTED]``, keys kept.

    For the raw-JSON columns of a source with PII (``_rescued_data``, REST's ``_record``).
    They hold values nobody declared, and a source that declares PII is one whose undeclared
    fields may be personal too (a new ``middle_name``, a nested ``contact``): nobody has
    decided how to mask them, so a demanding reader wants none of them in the clear outside
    ``bronze_pii``, where the raw JSON stays. The keys stay: they are the schema, not the
    data, and tell a reader that drift happened and what to declare. Null values stay null;
    JSON that is no object (or no JSON) becomes ``[REDACTED]`` whole.
    """
    parsed = F.from_json(value, "map<string,string>")
    keys_only = F.transform_values(parsed, lambda _key, v: F.when(v.isNotNull(), F.lit(REDACTED)))
    return (
        F.when(value.isNull(), value)
        .when(parsed.isNull(), F.lit(REDACTED))
        .otherwise(F.to_json(keys_only))
    )


def encrypt(value: Column, key: Column) -> Column:
    """AES-GCM (random IV) of the raw value, base64: reversible with the key only."""
    return _keep_blank(value, F.base64(F.aes_encrypt(value.cast("string"), key, F.lit("GCM"))))


def decrypt(value: Column, key: bytes) -> Column:
    """The clear value of an ``encrypt`` mask (null where the key or value does not match);
    for entitled readers' own queries: the key is a literal of that query's plan."""
    clear = F.try_aes_decrypt(F.unbase64(value), F.lit(key), F.lit("GCM")).cast("string")
    return _keep_blank(value, clear)


def mask_value(value: Column, spec: PiiSpec, keys: MaskKeys) -> Column:
    """``value`` masked as ``spec`` declares."""
    if spec.mask == "token":
        return token(value, keys.token, spec.pii_class)
    if spec.mask == "partial":
        return partial(value, spec.kept, spec.pii_class)
    if spec.mask == "encrypt":
        if keys.encryption is None:
            raise ValueError("mask: encrypt needs the encryption key")
        return encrypt(value, keys.encryption)
    return redact(value)


def keyed_content_hash(columns: Sequence[str], key: HmacKey) -> Column:
    """The content hash of a row with PII: HMAC-SHA256 over the raw values.

    Same input as the plain content hash (null distinct from empty), but keyed: an unkeyed
    hash over a row whose other values are visible could be confirmed by guessing its PII.
    """
    parts = [F.coalesce(F.col(c).cast("string"), F.lit(_NULL)) for c in columns]
    return hmac_sha256(F.concat_ws(_SEPARATOR, *parts), key)


def mask_column(value: Column, column: ColumnSpec, keys: MaskKeys) -> Column:
    """A PII column's bronze value: the mask of its standard form when it declares one.

    A present value that does not standardise is ``[INVALID]`` (silver reads it as NULL and
    its ``standardise_<col>`` rule counts it); the raw value stays in ``bronze_pii``.
    """
    assert column.pii is not None
    if column.standardise is None:
        masked = mask_value(value, column.pii, keys)
    else:
        standard = standardise(value, column.standardise)
        masked = _keep_blank(
            value,
            F.when(standard.isNull(), F.lit(INVALID)).otherwise(
                mask_value(standard, column.pii, keys)
            ),
        )
    if not column.null_values:
        return masked
    # A missing-value token ("NULL") is no personal data: kept, so silver reads it as missing.
    return F.when(is_null_token(value, column), value).otherwise(masked)


def mask_pii(
    df: DataFrame,
    columns: Sequence[ColumnSpec],
    keys: PiiKeys,
    *,
    has_corrupt_record: bool,
    raw_json: Sequence[str] = (),
) -> DataFrame:
    """Replace every PII column by its masked value; an unparseable line by its token; the
    values of the ``raw_json`` columns (rescued data, whole records) by ``[REDACTED]``.

    The corrupt-record column holds the whole raw line (PII included): it becomes the HMAC of
    the line, still non-null, so the row is still reported as unparseable.
    """
    columns_keys = mask_keys(df.sparkSession, keys)
    masked = {c.name: mask_column(F.col(c.name), c, columns_keys) for c in columns if c.pii}
    masked |= {name: redact_json(F.col(name)) for name in raw_json}
    if has_corrupt_record:
        line = F.col(CORRUPT_COLUMN)
        masked[CORRUPT_COLUMN] = F.when(line.isNotNull(), hmac_sha256(line, columns_keys.token))
    return df.withColumns(masked)
