from datetime import date

import pytest

from lms.customers.domain import CustomerDraft, check_new_customer
from lms.errors import InvalidArgument, PermissionDenied

TODAY = date(2026, 6, 1)


def draft(**overrides) -> CustomerDraft:
    values = dict(
        office_id=1,
        legal_form_id=1,
        firstname="Ada",
        lastname="Lovelace",
        active=True,
        activation_date=date(2026, 5, 23),
    )
    values.update(overrides)
    return CustomerDraft(**values)


def fields_of(**overrides) -> list[str]:
    with pytest.raises(InvalidArgument) as refused:
        check_new_customer(draft(**overrides), TODAY)
    return [d.field for d in refused.value.details]


def test_a_person_needs_first_and_last_name():
    assert fields_of(firstname=None, lastname=None) == ["firstname", "lastname"]


def test_an_entity_takes_fullname_instead():
    check_new_customer(draft(legal_form_id=2, firstname=None, lastname=None, fullname="Acme Ltd"), TODAY)
    assert fields_of(legal_form_id=2, fullname=None) == ["fullname", "firstname", "lastname"]


def test_activation_date_goes_with_active():
    assert fields_of(activation_date=None) == ["activationDate"]
    assert fields_of(active=False) == ["activationDate"]
    check_new_customer(draft(active=False, activation_date=None), TODAY)


def test_mobile_number_format():
    assert fields_of(mobile_no="07-12") == ["mobileNo"]


def test_activation_in_the_future_is_permission_denied():
    with pytest.raises(PermissionDenied):
        check_new_customer(draft(activation_date=date(2026, 6, 2)), TODAY)
