"""Who may do what on the orders' admin pages: the permission names and two permission policies."""

from __future__ import annotations

from wagtail.permissions import ModelPermissionPolicy

SHIP_PERMISSION = "orders.ship_order"
CANCEL_PERMISSION = "orders.cancel_order"
DASHBOARD_PERMISSION = "orders.view_dashboard"
NOTE_PERMISSION = "orders.add_order_note"
VIEW_PERMISSION = "orders.view_order"


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """Model permissions, except that nobody (superusers included) may add, change or delete."""

    refused = frozenset({"add", "change", "delete"})

    def user_has_permission(self, user, action):
        return action not in self.refused and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        return super().users_with_any_permission([a for a in actions if a not in self.refused])


class NoDeletePermissionPolicy(ModelPermissionPolicy):
    """Coupons are switched off (``is_active``), never deleted: claimed ones are referenced by shoppers' rows."""

    def user_has_permission(self, user, action):
        return action != "delete" and super().user_has_permission(user, action)


def can_view_dashboard(user) -> bool:
    return user.has_perm(DASHBOARD_PERMISSION)
