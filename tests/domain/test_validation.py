from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidInputError
from domain.validation import cnj_check_digits, normalize_oab, normalize_process_number

digits = lambda n: st.text("0123456789", min_size=n, max_size=n)  # noqa: E731


def test_check_digits_satisfy_iso_7064_and_any_punctuation_is_accepted() -> None:
    # ISO 7064 MOD 97-10: the number rearranged as NNNNNNN AAAA J TR OOOO DD leaves remainder 1
    dd = cnj_check_digits("0000001", "2026", "4", "01", "3000")
    assert int(f"000000120264013000{dd}") % 97 == 1
    assert normalize_process_number(f"0000001{dd}20264013000") == f"0000001-{dd}.2026.4.01.3000"
    assert normalize_process_number(f" 0000001-{dd}.2026.4.01.3000 ") == f"0000001-{dd}.2026.4.01.3000"


@given(digits(7), digits(4), st.sampled_from("12345678"), digits(2), digits(4))
def test_any_number_with_its_check_digits_is_valid_and_one_changed_digit_is_not(
    seq: str, year: str, seg: str, tr: str, origin: str
) -> None:
    dd = cnj_check_digits(seq, year, seg, tr, origin)
    assert int(f"{seq}{year}{seg}{tr}{origin}{dd}") % 97 == 1
    number = f"{seq}-{dd}.{year}.{seg}.{tr}.{origin}"
    assert normalize_process_number(number) == number
    wrong = f"{(int(dd) + 1) % 100:02d}"
    with pytest.raises(InvalidInputError) as err:
        normalize_process_number(f"{seq}-{wrong}.{year}.{seg}.{tr}.{origin}")
    assert "dígitos verificadores" in err.value.fields["processNumber"]


@pytest.mark.parametrize("bad", ["", "123", "0000001-45.2026.4.01", "abcdefg-45.2026.4.01.3000"])
def test_malformed_process_numbers_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInputError):
        normalize_process_number(bad)


def test_oab() -> None:
    assert normalize_oab("012.345", "ac") == ("12345", "AC")
    with pytest.raises(InvalidInputError) as err:
        normalize_oab("12a34", "XX")
    assert set(err.value.fields) == {"oabNumber", "oabState"}
