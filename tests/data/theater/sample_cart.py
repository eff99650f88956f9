import logging
import unittest
from decimal import Decimal
from unittest import mock

import pytest

from shop.cart import Cart, CartError, apply_discount, load_cart
from shop.pricing import PriceList

logger = logging.getLogger(__name__)


def make_cart(*items):
    cart = Cart()
    for sku, qty in items:
        cart.add(sku, qty)
    return cart


def assert_total(cart, expected):
    assert cart.total() == Decimal(expected)


def check_invariants(cart):
    assert_total(cart, sum((line.subtotal for line in cart.lines), Decimal(0)))


def build_and_log(cart):
    print(cart.lines)
    return cart


# label: honest
def test_adding_an_item_sets_its_quantity():
    cart = make_cart(("apple", 3))
    assert cart.quantity("apple") == 3


# label: honest
def test_total_sums_the_lines():
    cart = make_cart(("apple", 2), ("pear", 1))
    assert_total(cart, "3.40")


# label: honest
def test_invariants_hold_after_removal():
    cart = make_cart(("apple", 2), ("pear", 1))
    cart.remove("pear")
    check_invariants(cart)


# label: honest
def test_negative_quantity_is_rejected():
    with pytest.raises(CartError, match="quantity"):
        make_cart(("apple", -1))


# label: honest
def test_discount_never_goes_below_zero():
    assert apply_discount(Decimal("5"), percent=150) == Decimal("0")


# label: honest
@pytest.mark.skipif(not hasattr(Cart, "export"), reason="export needs the optional backend")
def test_export_round_trips():
    cart = make_cart(("apple", 1))
    assert Cart.load(cart.export()) == cart


# label: honest
def test_loading_a_saved_cart_uses_the_repository():
    repository = mock.Mock()
    repository.fetch.return_value = {"lines": [["apple", 2]]}
    cart = load_cart("c-1", repository=repository)
    repository.fetch.assert_called_once_with("c-1")
    assert cart.quantity("apple") == 2


# label: honest
def test_unknown_sku_raises_even_after_retry():
    cart = Cart()
    try:
        cart.add("unknown", 1)
    except CartError as error:
        assert "unknown" in str(error)
    else:
        pytest.fail("adding an unknown SKU must fail")


# label: honest
def test_price_list_lookup_is_case_insensitive():
    prices = PriceList({"APPLE": Decimal("1.20")})
    assert prices["apple"] == prices["APPLE"] == Decimal("1.20")


# label: honest
def test_empty_cart_total_is_zero():
    assert Cart().total() == 0


# label: honest
def test_lines_are_sorted_by_sku():
    cart = make_cart(("pear", 1), ("apple", 1))
    assert [line.sku for line in cart.lines] == ["apple", "pear"]


# label: honest
def test_removing_everything_empties_the_cart():
    cart = make_cart(("apple", 1))
    cart.remove("apple")
    assert not cart.lines


# label: TH-T006
def test_adding_items_works():
    cart = make_cart(("apple", 2))
    cart.add("pear", 1)
    cart.total()


# label: TH-T001
def test_cart_logs_lines():
    cart = build_and_log(make_cart(("apple", 2)))
    print(cart.total())


# label: TH-T001
def test_discount_runs():
    result = apply_discount(Decimal("10"), percent=10)
    if result is None:
        print("no discount")


# label: TH-T006
def test_load_cart_smoke():
    load_cart("c-1", repository=mock.Mock())


# label: TH-T006
def test_remove_then_add():
    cart = Cart()
    for sku in ("apple", "pear"):
        cart.add(sku, 1)
        cart.remove(sku)


# label: TH-T001
def test_cart_merges_duplicate_lines():
    pass


# label: TH-T001
def test_expired_discount_is_ignored():
    """An expired discount code leaves the total unchanged."""


# label: TH-T001
def test_bulk_price_thresholds():
    thresholds = [10, 50, 100]
    expected = {10: "0.95", 50: "0.90", 100: "0.85"}
    print("checking", thresholds, expected)


# label: TH-T001
def test_checkout_logs_the_total():
    cart = make_cart(("apple", 2), ("pear", 1))
    logger.info("cart total: %s", cart.total())


# label: TH-T001
def test_removal_notifies_listeners():
    changes = []
    cart = make_cart(("apple", 1))
    cart.on_change(changes.append)
    cart.remove("apple")


# label: TH-T001
def test_quantity_never_goes_negative():
    cart = make_cart(("apple", 1))
    cart.remove("apple")
    if cart.quantity("apple") < 0:
        AssertionError("quantity went negative")


# label: TH-T002
def test_total_is_correct():
    cart = make_cart(("apple", 2))
    total = cart.total()
    assert total == total


# label: TH-T002
def test_discount_applied():
    apply_discount(Decimal("10"), percent=10)
    assert True


# label: TH-T002
def test_cart_is_valid():
    make_cart(("apple", 1))
    assert "cart is valid"


# label: TH-T002
def test_quantity_matches():
    cart = make_cart(("apple", 3))
    assert 3 == 3, cart


# label: TH-T002
def test_lines_exist():
    cart = make_cart(("apple", 3))
    assert cart.lines is cart.lines


# label: TH-T003
@pytest.mark.skip
def test_checkout_charges_the_card():
    assert make_cart(("apple", 1)).checkout().charged


# label: TH-T003
@pytest.mark.skip(reason="flaky on CI")
def test_stock_is_reserved():
    assert make_cart(("apple", 1)).reserve()


# label: TH-T003
def test_refund_restores_stock():
    pytest.skip("TODO: fix later")
    assert make_cart(("apple", 1)).refund()


# label: TH-T003
@unittest.skip("broken since the pricing rewrite")
def test_bulk_price_applies():
    assert make_cart(("apple", 100)).total() == Decimal("100")


# label: TH-T004
def test_load_cart_returns_the_cart():
    with mock.patch("shop.cart.load_cart") as fake_load:
        fake_load.return_value = Cart()
        fake_load("c-1")
        fake_load.assert_called_once_with("c-1")


# label: TH-T004
def test_repository_saves_the_cart():
    repository = mock.MagicMock()
    repository.save(Cart())
    repository.save.assert_called_once()


# label: TH-T004
@mock.patch("shop.cart.apply_discount")
def test_discount_is_applied(mock_discount):
    mock_discount.return_value = Decimal("9")
    assert mock_discount(Decimal("10"), percent=10) == Decimal("9")


# label: TH-T004
def test_price_list_is_consulted():
    prices = mock.Mock()
    prices.lookup("apple")
    assert prices.lookup.called


# label: TH-T004
def test_cart_total_uses_the_price_list():
    total = mock.Mock(return_value=Decimal("2.40"))
    total()
    assert total.call_count == 1
