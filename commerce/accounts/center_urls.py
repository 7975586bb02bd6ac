"""User center (/center/...), area JSON (/areas/...) and browsing history JSON (/browse_histories/).
Appended to commerce.accounts.urls, so the names live in the "accounts" namespace."""

from django.urls import path

from commerce.accounts import center_views as views

urlpatterns = [
    path("center/", views.profile, name="center"),
    path("center/email/", views.change_email, name="center_email"),
    path("center/password/", views.password, name="center_password"),
    path("center/addresses/", views.address_list, name="addresses"),
    path("center/addresses/new/", views.address_create, name="address_create"),
    path("center/addresses/<int:address_id>/edit/", views.address_edit, name="address_edit"),
    path("center/addresses/<int:address_id>/delete/", views.address_delete, name="address_delete"),
    path("center/addresses/<int:address_id>/default/", views.address_set_default, name="address_default"),
    path("center/addresses/<int:address_id>/title/", views.address_title, name="address_title"),
    path("areas/", views.areas, name="areas"),
    path("areas/<str:code>/", views.area_subs, name="area_subs"),
    path("browse_histories/", views.browse_histories, name="browse_histories"),
]
