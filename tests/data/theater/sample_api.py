import json
import unittest

import pytest

from shop.api import create_app, parse_order
from shop.errors import OrderError


@pytest.fixture
def client():
    return create_app(testing=True).test_client()


def expect_status(response, status):
    assert response.status_code == status, response.data


def expect_json(response, status, **fields):
    expect_status(response, status)
    body = json.loads(response.data)
    for key, value in fields.items():
        assert body[key] == value


# label: honest
def test_health_endpoint_answers_ok(client):
    expect_status(client.get("/health"), 200)


# label: honest
def test_order_is_created(client):
    response = client.post("/orders", json={"sku": "apple", "qty": 2})
    expect_json(response, 201, sku="apple", qty=2)


# label: honest
def test_parse_order_rejects_missing_sku():
    with pytest.raises(OrderError):
        parse_order({"qty": 1})


# label: honest
def test_parse_order_keeps_quantity():
    assert parse_order({"sku": "apple", "qty": 4}).qty == 4


# label: honest
def test_unknown_route_is_404(client):
    assert client.get("/nope").status_code == 404


# label: honest
def test_order_listing_is_paginated(client):
    response = client.get("/orders?limit=1")
    body = response.get_json()
    assert len(body["items"]) <= 1 and "next" in body


class OrderParsingTest(unittest.TestCase):
    # label: honest
    def test_quantity_must_be_positive(self):
        with self.assertRaises(OrderError):
            parse_order({"sku": "apple", "qty": 0})

    # label: honest
    def test_sku_is_normalised(self):
        self.assertEqual(parse_order({"sku": " Apple ", "qty": 1}).sku, "apple")

    # label: TH-T006
    def test_parse_does_not_crash(self):
        parse_order({"sku": "apple", "qty": 1})


# label: honest
def test_bad_json_is_a_client_error(client):
    response = client.post("/orders", data="{not json", content_type="application/json")
    assert 400 <= response.status_code < 500


# label: honest
def test_order_total_is_computed(client):
    response = client.post("/orders", json={"sku": "apple", "qty": 3})
    assert response.get_json()["total"] == "3.60"


# label: honest
def test_server_error_is_not_leaked(client):
    response = client.get("/boom")
    assert "Traceback" not in response.get_data(as_text=True)


# label: TH-T005
def test_create_order_tolerates_errors(client):
    try:
        response = client.post("/orders", json={"sku": "apple"})
        assert response.status_code == 201
    except Exception:
        pass


# label: TH-T005
def test_parse_order_handles_junk():
    try:
        parse_order({"junk": True})
        assert False
    except:  # noqa: E722
        pass


# label: TH-T005
def test_listing_never_fails(client):
    for page in range(3):
        try:
            assert client.get(f"/orders?page={page}").status_code == 200
        except BaseException:
            ...


# label: TH-T005
def test_parse_many_orders():
    for raw in ({"sku": "a", "qty": 1}, {"sku": "b", "qty": 2}):
        try:
            assert parse_order(raw).qty > 0
        except Exception:
            pass


# label: TH-T005
def test_delete_order(client):
    try:
        client.delete("/orders/1")
        assert client.get("/orders/1").status_code == 404
    except Exception:
        pass
