"""The client's address behind trusted proxies (SPEC M): one helper decides it, and every per-address limit
(captcha images, SMS per day, allauth's failed logins) counts shoppers, not the load balancer."""

import uuid

import pytest
from django.test import RequestFactory

from config.client_address import client_ip
from tests.commerce.accounts.auth_helpers import PASSWORD, request_code
from tests.factories import UserFactory

BALANCER = "10.0.0.5"


def ip_of(settings, trusted, remote, forwarded=None):
    settings.TRUSTED_PROXIES = trusted
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **extra))


def test_without_trusted_proxies_the_header_is_ignored(settings):
    assert ip_of(settings, [], "203.0.113.7", "1.2.3.4") == "203.0.113.7"


def test_behind_a_trusted_balancer_the_hop_it_appended_is_the_client(settings):
    assert ip_of(settings, ["10.0.0.0/8"], BALANCER, "198.51.100.20") == "198.51.100.20"


def test_a_forged_left_part_of_the_header_changes_nothing(settings):
    assert ip_of(settings, ["10.0.0.0/8"], BALANCER, "6.6.6.6, 198.51.100.20") == "198.51.100.20"


def test_daphne_proxy_headers_remote_addr_is_not_counted_as_a_hop(settings):
    # daphne --proxy-headers sets REMOTE_ADDR to the left-most forwarded address
    assert ip_of(settings, ["10.0.0.0/8"], "6.6.6.6", "6.6.6.6, 198.51.100.20") == "198.51.100.20"


def test_several_trusted_hops_are_skipped(settings):
    chain = "198.51.100.20, 10.1.1.1, 192.168.5.5"
    assert ip_of(settings, ["10.0.0.0/8", "192.168.5.5"], BALANCER, chain) == "198.51.100.20"


def test_a_direct_client_not_behind_the_balancer_is_itself(settings):
    assert ip_of(settings, ["10.0.0.0/8"], "203.0.113.9") == "203.0.113.9"


def test_garbage_in_the_header_stops_the_walk(settings):
    assert ip_of(settings, ["10.0.0.0/8"], BALANCER, "<script>, 10.2.2.2") == "10.2.2.2"
    assert ip_of(settings, ["10.0.0.0/8"], BALANCER, "[2001:db8::1]:443") == "2001:db8::1"
    assert ip_of(settings, [], "", None) == "unknown"


@pytest.fixture
def behind_balancer(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]


def shopper_headers(address: str) -> dict:
    return {"REMOTE_ADDR": BALANCER, "HTTP_X_FORWARDED_FOR": address}


def test_captcha_limit_counts_each_shopper_behind_the_balancer(client, settings, behind_balancer):
    settings.CAPTCHA_PER_IP_PER_MINUTE = 2
    for _ in range(2):
        assert client.get(f"/image_codes/{uuid.uuid4()}/", **shopper_headers("198.51.100.1")).status_code == 200
    assert client.get(f"/image_codes/{uuid.uuid4()}/", **shopper_headers("198.51.100.1")).status_code == 429
    assert client.get(f"/image_codes/{uuid.uuid4()}/", **shopper_headers("198.51.100.2")).status_code == 200


@pytest.mark.django_db
def test_sms_daily_cap_counts_the_forwarded_address(client, settings, behind_balancer):
    settings.SMS_DAILY_LIMIT_PER_IP = 1
    first = client.__class__()
    second = client.__class__()
    for browser, address in ((first, "198.51.100.3"), (second, "198.51.100.4")):
        browser.defaults.update(shopper_headers(address))
    assert request_code(first, "13700000011").status_code == 200
    assert request_code(first, "13700000012").status_code == 429
    assert request_code(second, "13700000013").status_code == 200


@pytest.mark.django_db
def test_failed_login_limit_counts_the_forwarded_address(client, settings, behind_balancer):
    user = UserFactory(username="meihao_pal", mobile="13512340000")
    user.set_password(PASSWORD)
    user.save()
    attacker = client.__class__()
    attacker.defaults.update(shopper_headers("198.51.100.66"))
    for n in range(10):  # "10/m/ip": ten failures from one address, each for another login name
        attacker.post("/accounts/login/", {"login": f"nobody_{n}", "password": "wrong-password"})
    refused = attacker.post("/accounts/login/", {"login": "meihao_pal", "password": PASSWORD})
    assert refused.context["form"].non_field_errors() == ["登录失败次数过多，请稍后再试"]
    shopper = client.__class__()
    shopper.defaults.update(shopper_headers("198.51.100.67"))
    response = shopper.post("/accounts/login/", {"login": "meihao_pal", "password": PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" in shopper.session


def test_addresses_are_read_as_strictly_as_ipaddress_reads_them(settings):
    # The C parser reads IPv4 first; what it refuses (or cannot read, like a scope id) goes to ipaddress.
    for odd in ("1.2.3.04", "01.2.3.4", "1.2.3", "0x1.2.3.4", "256.1.1.1", "1::2::3", " 1.2.3.4x"):
        assert ip_of(settings, ["10.0.0.0/8"], BALANCER, odd) == BALANCER, odd  # garbage: the balancer itself
    assert ip_of(settings, ["10.0.0.0/8"], BALANCER, "::ffff:1.2.3.4") == "::ffff:102:304"
    assert ip_of(settings, ["10.0.0.0/8"], BALANCER, "fe80::1%eth0") == "fe80::1%eth0"


def test_a_changed_trusted_proxies_setting_is_read_again(settings):
    assert ip_of(settings, ["10.0.0.0/8"], BALANCER, "198.51.100.20") == "198.51.100.20"
    assert ip_of(settings, ["192.168.0.0/16"], BALANCER, "198.51.100.20") == BALANCER
