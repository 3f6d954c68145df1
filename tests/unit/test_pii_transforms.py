"""Masking strategies: exact values, checked with chispa against Python's own HMAC."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import TYPE_CHECKING

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from pipelines.config.model import Column, PiiSpec
from pipelines.pii.keys import PiiKeys
from pipelines.transforms.pii import (
    HmacKey,
    decrypt,
    hmac_sha256,
    keyed_content_hash,
    mask_keys,
    mask_pii,
    normalise,
    partial,
    redact,
    token,
)

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = pytest.mark.spark

KEY = b"k" * 32  # a test key: never a real one
AES_KEY = bytes(range(32))


def _hmac(text: str, key: bytes = KEY) -> str:
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def _key(spark: SparkSession, key: bytes) -> HmacKey:
    return mask_keys(spark, PiiKeys(key)).token


def _pii(pii_class: str, mask: str, **more: int) -> PiiSpec:
    return PiiSpec.model_validate({"class": pii_class, "mask": mask, **more})


def test_hmac_matches_rfc_2104_for_short_and_long_keys(spark: SparkSession) -> None:
    long_key = b"x" * 100  # longer than a block: hashed first
    frame = spark.createDataFrame([("héllo",), ("",)], "v string")
    short, long = _key(spark, KEY), _key(spark, long_key)
    out = frame.select(
        hmac_sha256(F.col("v"), short).alias("short"), hmac_sha256(F.col("v"), long).alias("long")
    )
    expected = spark.createDataFrame(
        [(_hmac("héllo"), _hmac("héllo", long_key)), (_hmac(""), _hmac("", long_key))],
        "short string, long string",
    )
    assert_df_equality(out, expected, ignore_nullable=True)


def test_normalise_per_class(spark: SparkSession) -> None:
    frame = spark.createDataFrame(
        [("  Jane.Doe@Example.COM ", "+61 (02) 9876-5432", " 14/05/1987", " 4111-1111 1111.1111",
          "  Mary   Ann  SMITH ")],
        "email string, phone string, dob string, card string, name string",
    )  # fmt: skip
    out = frame.select(
        normalise(F.col("email"), "email").alias("email"),
        normalise(F.col("phone"), "phone").alias("phone"),
        normalise(F.col("dob"), "date_of_birth").alias("dob"),
        normalise(F.col("card"), "payment").alias("card"),
        normalise(F.col("name"), "name").alias("name"),
    )
    expected = spark.createDataFrame(
        [
            (
                "jane.doe@example.com",
                "+610298765432",
                "14051987",
                "4111111111111111",
                "mary ann smith",
            )
        ],
        "email string, phone string, dob string, card string, name string",
    )
    assert_df_equality(out, expected, ignore_nullable=True)


def test_token_partial_redact_keep_null_and_blank(spark: SparkSession) -> None:
    frame = spark.createDataFrame(
        [(" Jane.Doe@Example.COM",), ("jane.doe@example.com",), ("abc",), ("  ",), (None,)],
        "v string",
    )
    out = frame.select(
        token(F.col("v"), _key(spark, KEY), "email").alias("token"),
        partial(F.col("v"), 4, "email").alias("partial"),
        redact(F.col("v")).alias("redact"),
    )
    same = _hmac("jane.doe@example.com")
    expected = spark.createDataFrame(
        [
            (same, "****************.com", "[REDACTED]"),
            (same, "****************.com", "[REDACTED]"),
            (_hmac("abc"), "***", "[REDACTED]"),  # not longer than keep_last: masked whole
            ("  ", "  ", "  "),
            (None, None, None),
        ],
        "token string, partial string, redact string",
    )
    assert_df_equality(out, expected, ignore_nullable=True)


def test_encrypt_round_trips_only_with_the_key(spark: SparkSession) -> None:
    columns = (Column.model_validate({"name": "address", "pii": {"class": "address", "mask": "encrypt"}}),)  # fmt: skip
    frame = spark.createDataFrame([("12 Banksia Street",), (None,)], "address string")
    masked = mask_pii(frame, columns, PiiKeys(KEY, AES_KEY), has_corrupt_record=False)
    out = masked.select(
        (F.col("address") != F.lit("12 Banksia Street")).alias("hidden"),
        decrypt(F.col("address"), AES_KEY).alias("clear"),
        decrypt(F.col("address"), bytes(32)).alias("wrong_key"),
    )
    expected = spark.createDataFrame(
        [(True, "12 Banksia Street", None), (None, None, None)],
        "hidden boolean, clear string, wrong_key string",
    )
    assert_df_equality(out, expected, ignore_nullable=True)
    text = masked.collect()[0][0]
    assert len(base64.b64decode(text)) == 12 + len("12 Banksia Street") + 16  # IV, text, tag


def test_mask_pii_masks_declared_columns_and_the_corrupt_line(spark: SparkSession) -> None:
    columns = (
        Column(name="id"),
        Column(name="phone", pii=_pii("phone", "partial", keep_last=3)),
        Column(name="dob", pii=_pii("date_of_birth", "redact")),
    )
    frame = spark.createDataFrame(
        [("C1", "0412 345 678", "1987-05-14", None), ("C2", None, None, "C2,0412,1987,x")],
        "id string, phone string, dob string, _corrupt_record string",
    )
    out = mask_pii(frame, columns, PiiKeys(KEY), has_corrupt_record=True)
    expected = spark.createDataFrame(
        [("C1", "*******678", "[REDACTED]", None), ("C2", None, None, _hmac("C2,0412,1987,x"))],
        "id string, phone string, dob string, _corrupt_record string",
    )
    assert_df_equality(out, expected, ignore_nullable=True)


def test_mask_pii_keeps_only_the_keys_of_raw_json(spark: SparkSession) -> None:
    """Rescued data and whole records: keys stay, present values become [REDACTED] (nested
    ones too), null stays null, JSON that is no object is redacted whole."""
    frame = spark.createDataFrame(
        [
            ('{"middle_name":"Rose","fax":null}', '{"id":1,"mail":"a@b.example","tags":["x"]}'),
            (None, "[1, 2]"),
            ('{"contact":{"name":"Jo Bloggs"}}', "not json"),
        ],
        "_rescued_data string, _record string",
    )
    out = mask_pii(frame, (), PiiKeys(KEY), has_corrupt_record=False,
                   raw_json=["_rescued_data", "_record"])  # fmt: skip
    assert [tuple(r) for r in out.collect()] == [
        ('{"middle_name":"[REDACTED]","fax":null}',
         '{"id":"[REDACTED]","mail":"[REDACTED]","tags":"[REDACTED]"}'),
        (None, "[REDACTED]"),
        ('{"contact":"[REDACTED]"}', "[REDACTED]"),
    ]  # fmt: skip


def test_keyed_content_hash_is_hmac_of_the_joined_values(spark: SparkSession) -> None:
    frame = spark.createDataFrame([("a", None)], "x string, y string")
    out = frame.select(keyed_content_hash(["x", "y"], _key(spark, KEY)).alias("h")).collect()[0][0]
    assert out == _hmac("a\u001f\u0000")


def test_no_plan_holds_a_key_or_its_pads(spark: SparkSession) -> None:
    """The keys are data of a one-row relation, read by scalar subqueries: EXPLAIN shows
    neither the keys nor the HMAC pads (each the key XOR a constant)."""
    import contextlib
    import io

    columns = (
        Column(name="email", pii=_pii("email", "token")),
        Column(name="address", pii=_pii("address", "encrypt")),
    )
    frame = spark.createDataFrame(
        [("a@b.example", "12 Banksia Street")], "email string, address string"
    )
    masked = mask_pii(frame, columns, PiiKeys(KEY, AES_KEY), has_corrupt_record=False)
    plans = io.StringIO()
    with contextlib.redirect_stdout(plans):
        masked.explain(mode="extended")
    text = plans.getvalue().lower()
    inner, outer = (bytes(b ^ pad for b in KEY.ljust(64, b"\0")) for pad in (0x36, 0x5C))
    assert "scalar-subquery" in text
    assert [k.hex() for k in (KEY, AES_KEY, inner, outer) if k.hex() in text] == []
    assert masked.collect()[0][0] == _hmac("a@b.example")
