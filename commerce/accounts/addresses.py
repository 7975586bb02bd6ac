"""Delivery addresses (SPEC A8): at most 20 live addresses per user, one default, soft delete, and every
read or write scoped to the owner (another user's id behaves exactly like a missing one).

Orders use `list_addresses` / `get_address`; the user-center pages call the write services below.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from commerce.accounts.areas import RegionMismatch, resolve_region
from commerce.accounts.errors import AccountErrorCode
from commerce.accounts.models import Address, User

MAX_ADDRESSES = 20


class AddressError(Exception):
    """A refused address operation; `code` is stable, `message` is shown to the shopper, `field` (if any)
    names the form field at fault."""

    code = AccountErrorCode.ADDRESS_ERROR

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.message = message
        self.field = field
        super().__init__(message)


class AddressNotFound(AddressError):
    code = AccountErrorCode.ADDRESS_NOT_FOUND

    def __init__(self) -> None:
        super().__init__(_("收货地址不存在"))


class AddressLimitReached(AddressError):
    code = AccountErrorCode.ADDRESS_LIMIT_REACHED

    def __init__(self) -> None:
        super().__init__(_("最多只能保存 %(max)d 个收货地址，请先删除不用的地址") % {"max": MAX_ADDRESSES})


class AddressInvalid(AddressError):
    code = AccountErrorCode.ADDRESS_INVALID


@dataclass(frozen=True)
class AddressInput:
    """What a shopper fills in. Area fields are statistical codes (Area primary keys)."""

    title: str
    receiver: str
    province_id: int
    city_id: int
    district_id: int
    place: str
    mobile: str
    tel: str = ""
    email: str = ""


def _live(user: User) -> QuerySet[Address]:
    return Address.objects.filter(user_id=user.pk, is_deleted=False)


def list_addresses(*, user: User) -> list[Address]:
    """The user's live addresses, the default first, then the most recently changed."""
    addresses = list(_live(user).select_related("province", "city", "district"))
    addresses.sort(key=lambda a: a.pk != user.default_address_id)
    return addresses


def count_addresses(*, user: User) -> int:
    return _live(user).count()


def get_address(*, user: User, address_id: int) -> Address:
    """One live address of this user. Raises AddressNotFound for a missing, deleted or foreign id."""
    if not isinstance(address_id, int) or not 0 < address_id < 2**63:
        raise AddressNotFound()
    address = _live(user).select_related("province", "city", "district").filter(pk=address_id).first()
    if address is None:
        raise AddressNotFound()
    return address


def _lock_user(user: User) -> User:
    """Serialise address writes of one user (the 20-address cap and the default pointer)."""
    return User.objects.select_for_update().only("id", "default_address").get(pk=user.pk)


def _apply(address: Address, data: AddressInput) -> None:
    try:
        province, city, district = resolve_region(
            province_id=data.province_id, city_id=data.city_id, district_id=data.district_id
        )
    except RegionMismatch as exc:
        raise AddressInvalid(exc.message, field=exc.field) from exc
    fields = asdict(data)
    for name in ("province_id", "city_id", "district_id"):
        fields.pop(name)
    for name, value in fields.items():
        setattr(address, name, value.strip() if isinstance(value, str) else value)
    address.province, address.city, address.district = province, city, district
    try:
        address.full_clean(exclude=["user", "province", "city", "district"])
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise AddressInvalid(messages[0], field=field) from exc


@transaction.atomic
def create_address(*, user: User, data: AddressInput) -> Address:
    """Save a new address. The first address becomes the default.

    Raises AddressLimitReached at 20 live addresses, AddressInvalid for bad fields or a region that does
    not nest (district in city in province).
    """
    locked = _lock_user(user)
    if _live(locked).count() >= MAX_ADDRESSES:
        raise AddressLimitReached()
    address = Address(user=locked)
    _apply(address, data)
    address.save()
    if locked.default_address_id is None or not _live(locked).filter(pk=locked.default_address_id).exists():
        User.objects.filter(pk=locked.pk).update(default_address=address)
        user.default_address_id = address.pk
    return address


@transaction.atomic
def update_address(*, user: User, address_id: int, data: AddressInput) -> Address:
    """Replace every field of one of the user's addresses. Raises AddressNotFound or AddressInvalid."""
    _lock_user(user)
    address = get_address(user=user, address_id=address_id)
    _apply(address, data)
    address.save()
    return address


@transaction.atomic
def rename_address(*, user: User, address_id: int, title: str) -> Address:
    """Change only the title ("家", "公司", ...). Raises AddressNotFound or AddressInvalid."""
    address = get_address(user=user, address_id=address_id)
    title = (title or "").strip()
    if not title:
        raise AddressInvalid(_("请填写地址名称"), field="title")
    if len(title) > 20:
        raise AddressInvalid(_("地址名称最多 20 个字"), field="title")
    address.title = title
    address.save(update_fields=["title", "updated_at"])
    return address


@transaction.atomic
def delete_address(*, user: User, address_id: int) -> None:
    """Hide the address (orders keep pointing at it). Deleting the default leaves the user without one."""
    locked = _lock_user(user)
    address = get_address(user=locked, address_id=address_id)
    address.is_deleted = True
    address.save(update_fields=["is_deleted", "updated_at"])
    if locked.default_address_id == address.pk:
        User.objects.filter(pk=locked.pk).update(default_address=None)
        user.default_address_id = None


@transaction.atomic
def set_default_address(*, user: User, address_id: int) -> Address:
    """Make one of the user's live addresses the default. Raises AddressNotFound."""
    locked = _lock_user(user)
    address = get_address(user=locked, address_id=address_id)
    User.objects.filter(pk=locked.pk).update(default_address=address)
    user.default_address_id = address.pk
    return address
