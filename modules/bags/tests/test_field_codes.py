# ruff: noqa: F811  (the shared "bags" fixture is imported, then requested by name)
"""The bag code: every code round-trips, typos are told apart from forgeries, nothing crashes —
and none of it needs the database."""

import pytest
from django.test import override_settings
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from modules.bags import codes
from modules.bags.codes import ALPHABET, CODE_LEN, CodeStatus

ids = st.integers(min_value=1, max_value=codes.MAX_SERIAL)


@given(st.text(max_size=60))
def test_random_text_never_crashes(text):
    result = codes.parse(text)
    assert result.status in set(CodeStatus)
    assert (result.bag_id is not None) == result.ok


@given(st.one_of(st.none(), st.integers(), st.binary(), st.lists(st.text())))
def test_non_strings_are_unknown(value):
    assert codes.parse(value).status is CodeStatus.UNKNOWN


@given(ids)
def test_every_code_round_trips(bag_id):
    code = codes.encode(bag_id)
    assert len(code) == CODE_LEN
    for shown in (code, code.lower(), codes.group(code), f"https://x.example/b/{code}?from=qr", f"  {codes.group(code)} "):
        parsed = codes.parse(shown)
        assert parsed.ok, shown
        assert parsed.bag_id == bag_id
        assert parsed.code == code


@given(ids, st.data())
def test_single_character_substitution_is_mistyped(bag_id, data):
    code = codes.encode(bag_id)
    position = data.draw(st.integers(0, CODE_LEN - 1))
    symbols = codes.CHECK_SYMBOLS if position == CODE_LEN - 1 else ALPHABET
    replacement = data.draw(st.sampled_from(symbols))
    assume(replacement != code[position])
    typo = code[:position] + replacement + code[position + 1 :]
    assert codes.parse(typo).status is CodeStatus.MISTYPED


@given(ids, st.integers(0, CODE_LEN - 3))
def test_swapped_neighbours_are_mistyped(bag_id, position):
    code = codes.encode(bag_id)
    assume(code[position] != code[position + 1])
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
    assert codes.parse(swapped).status is CodeStatus.MISTYPED


@settings(max_examples=200)
@given(ids, st.text(alphabet=ALPHABET, min_size=codes.TAG_LEN, max_size=codes.TAG_LEN))
def test_a_made_up_tag_with_a_good_check_is_forged(bag_id, tag):
    genuine = codes.encode(bag_id)
    payload = genuine[: codes.SERIAL_LEN] + tag
    assume(payload != genuine[:-1])
    forged = payload + codes._check(codes._value(payload))
    assert codes.parse(forged).status is CodeStatus.FORGED


def test_codes_of_another_key_are_forged():
    code = codes.encode(123456)
    with override_settings(BAG_CODE_KEY="another-district-key"):
        assert codes.parse(code).status is CodeStatus.FORGED
        assert codes.parse(codes.encode(123456)).ok


def test_crockford_confusables_are_read_as_digits():
    code = codes.encode(1)
    assert code.startswith("000000")
    assert codes.parse("OOO" + code[3:]).bag_id == 1


@pytest.mark.parametrize("raw", ["", "   ", "hello", "0" * 16, "https://x/b/", "1" * 300, "😀" * 16])
def test_junk_is_unknown_or_mistyped_never_ok(raw):
    assert not codes.parse(raw).ok


def test_parsing_touches_no_database(django_assert_num_queries, db):
    with django_assert_num_queries(0):
        for raw in (codes.encode(99), "nonsense", codes.encode(99)[:-1] + "*"):
            codes.parse(raw)


def test_encode_refuses_out_of_range_ids():
    for bad in (0, -1, codes.MAX_SERIAL + 1):
        with pytest.raises(ValueError):
            codes.encode(bad)
