"""Users in the Wagtail admin (SPEC I): shoppers are users too, and most have no email or real name.

Wagtail's user forms make email, 名 (first name) and 姓 (last name) required, so an operator could not even
deactivate a shopper who signed up with a username and a mobile. Here they are optional; the rest of the
form (username rules, password, groups, active flag) is Wagtail's.
"""

from __future__ import annotations

from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views.users import UserViewSet

OPTIONAL_FIELDS = ("email", "first_name", "last_name")


def _make_optional(form) -> None:
    for name in OPTIONAL_FIELDS:
        if name in form.fields:
            form.fields[name].required = False


class ShopUserEditForm(UserEditForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _make_optional(self)


class ShopUserCreationForm(UserCreationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _make_optional(self)


class ShopUserViewSet(UserViewSet):
    def get_form_class(self, for_update=False):
        return ShopUserEditForm if for_update else ShopUserCreationForm
