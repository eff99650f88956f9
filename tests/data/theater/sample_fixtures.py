from decimal import Decimal
from unittest import mock

import pytest

from shop.checkout import checkout, notify
from shop.orders import Order, parse_order


# label: honest
@pytest.fixture
def test_orders(tmp_path):
    path = tmp_path / "orders.json"
    path.write_text("[]")
    yield path


# label: honest
def test_teardown_runs_after_a_handled_error(app):
    closed = []
    app.on_close(closed.append)
    try:
        raise RuntimeError("handled before the request")
    except Exception:
        pass
    with app.request():
        pass
    assert closed == [None]


# label: honest
def test_checkout_charges_the_computed_total():
    gateway = mock.Mock()
    checkout([("apple", 2)], gateway=gateway)
    gateway.charge.assert_called_once_with(Decimal("2.40"))


# label: honest
def test_notify_mails_the_order_owner():
    with mock.patch("shop.checkout.send_mail") as send_mail:
        notify(Order(owner="ada@example.org"))
        send_mail.assert_called_once_with("ada@example.org")


# label: TH-T006
def test_parse_order_with_a_fixture(test_orders):
    parse_order(test_orders.read_text())


# label: TH-T004
def test_gateway_is_charged():
    gateway = mock.Mock()
    gateway.charge(Decimal("2.40"))
    gateway.charge.assert_called_once_with(Decimal("2.40"))


# label: TH-T005
def test_checkout_survives_a_bad_gateway():
    try:
        assert checkout([("apple", 1)], gateway=None) is None
    except Exception:
        pass


class TestOrders:
    # label: TH-T006
    def test_parse_order_twice(self):
        parse_order('{"sku": "apple"}')
        parse_order('{"sku": "pear"}')
