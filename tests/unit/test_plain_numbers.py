"""The fast plain-number rule agrees with the regular expression on every value."""

from __future__ import annotations

import random
import re

import pyarrow as pa
import pytest

from anaplan_pandas.parse.plain_numbers import _PLAIN_NUMBER, as_numbers

RULE = re.compile(_PLAIN_NUMBER)
EDGES = ["0", "-0", "00", "007", "-007", "0.5", "-0.5", "00.5", ".5", "-.5", "5.", "5.e3",
         "1e5", "01e5", "1.5E-7", "+5", "+0.5", "1e+20", "NaN", "nan", "Infinity", "inf",
         "-Infinity", "123456789012345", "1234567890123456", "-123456789012345",
         "-1234567890123456", "12345678901234.5", "1234567890123456.5", "29833.559999999998",
         "1.5.2", "-", "5-", " 5", "1,5", "0x10", "٣"]


def rule(values):
    return all(RULE.search(v) for v in values if v is not None)


@pytest.mark.parametrize("value", EDGES)
def test_every_edge_case_alone_and_among_plain_numbers(value):
    for values in ([value], ["1", value, None, "2.5"], [None, value]):
        column = pa.chunked_array([pa.array(values, pa.string())])
        result = as_numbers(column)
        assert (result is not None) == rule(values), values
        if result is not None:
            want = [None if v is None else float(v) for v in values]
            assert str(result.to_pylist()) == str(want)  # NaN too


def test_random_text_of_digits_signs_and_dots_agrees_with_the_rule():
    rng = random.Random(20261201)
    alphabet = "0123456789" * 3 + ".-+eE"
    for _ in range(3000):
        values = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 19))) or None
                  for _ in range(rng.randint(1, 5))]
        padded = pa.array(["x", *values], pa.string()).slice(1)  # a sliced array, too
        for array in (pa.array(values, pa.string()), padded):
            assert (as_numbers(pa.chunked_array([array])) is not None) == rule(values), values
