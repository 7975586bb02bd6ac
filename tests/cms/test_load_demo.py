"""`manage.py load_demo`: catalog, staff groups, one admin account whose credentials are written once."""

import io

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.core.management import call_command
from wagtail.models import Site

from cms.management.staff_groups import CONTENT_EDITORS, ORDER_STAFF
from commerce.catalog.models import SKU, SPU, GoodsChannel
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def base_dir(settings, tmp_path):
    settings.BASE_DIR = tmp_path
    return tmp_path


def run_load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def counts() -> tuple[int, int, int, int]:
    return GoodsChannel.objects.count(), SPU.objects.count(), SKU.objects.count(), Group.objects.count()


def test_load_demo_twice_gives_the_same_catalog_and_one_admin_whose_password_is_written_once(base_dir):
    first_output = run_load_demo()
    credentials = base_dir / "var" / "admin-credentials.txt"
    first_credentials = credentials.read_text(encoding="utf-8")
    first_counts = counts()

    second_output = run_load_demo()

    assert counts() == first_counts
    assert first_counts[0] >= 4 and first_counts[1] >= 12 and first_counts[2] >= 40
    assert credentials.read_text(encoding="utf-8") == first_credentials
    username, password = first_credentials.split()[1], first_credentials.split()[3]
    assert first_credentials.startswith("username: admin  password: ")
    admin = authenticate(username=username, password=password)
    assert admin is not None and admin.is_superuser
    assert "演示数据就绪" in first_output and "本次新建 0 条" in second_output
    assert "admin-credentials.txt" in first_output and "admin-credentials.txt" not in second_output
    home = Site.objects.get(is_default_site=True).root_page.specific
    assert home.live and type(home).__name__ == "HomePage"


def test_existing_admin_is_left_alone_and_no_credentials_file_is_written(base_dir):
    UserFactory(username="admin")

    run_load_demo()

    assert not (base_dir / "var" / "admin-credentials.txt").exists()
    assert authenticate(username="admin", password="meihao-pass-1") is not None


def test_staff_groups_separate_content_editors_from_order_staff(base_dir):
    run_load_demo()

    editors = Group.objects.get(name=CONTENT_EDITORS)
    order_staff = Group.objects.get(name=ORDER_STAFF)
    editor = UserFactory(username="editor")
    editor.groups.add(editors)
    clerk = UserFactory(username="clerk")
    clerk.groups.add(order_staff)

    assert editor.has_perms(["wagtailadmin.access_admin", "catalog.change_sku", "catalog.add_spu"])
    assert editors.page_permissions.filter(permission__codename="publish_page").exists()
    assert editors.collection_permissions.filter(permission__codename="add_image").exists()
    assert clerk.has_perms(["wagtailadmin.access_admin", "catalog.view_sku"])
    assert not clerk.has_perm("catalog.change_sku")
    assert not order_staff.page_permissions.exists()
