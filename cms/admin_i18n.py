"""Two fixes to Wagtail's admin so each language is whole (SPEC I, issue 15), installed by CmsConfig.ready():

- Snippet choosers ("选择商品SKU", "Choose 商品SKU"): Wagtail's AdminSnippetChooser formats its three button
  texts when the widget is made, which happens once at start-up with no language active, so every admin saw
  English with the Chinese model name. Here the texts are lazy: formatted in the language of each request.
- Texts Wagtail translates once at import (in whichever language is active then): the image/document/collection
  permission labels are put back to Wagtail's English source here and translated per request in our template
  overrides (templates/wagtailadmin/permissions/...), the page
  permission boxes get their long labels instead of "Wagtail 核心组件 | 页面 | Can add page", and the redirects
  report's type filter (类型 / 永久 / 临时 / 所有) is made lazy here.
- The account page (账户设置) is one form of all panels, and Wagtail makes 名, 姓 and email required there: an
  admin without a name (the demo admin, most staff) could not even switch language. They are optional here,
  as in the user admin (cms/users.py).
"""

from __future__ import annotations

from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy
from wagtail.admin.forms.account import NameEmailForm
from wagtail.admin.views.account import NameEmailSettingsPanel
from wagtail.contrib.redirects.filters import RedirectsReportFilterSet
from wagtail.models.pages import PAGE_PERMISSION_TYPES
from wagtail.snippets.widgets import AdminSnippetChooser
from wagtail.users.forms import PagePermissionsForm


def _format(text: str, model) -> str:
    return gettext(text) % {"object": model._meta.verbose_name}


_lazy_format = lazy(_format, str)


_wagtail_chooser_init = AdminSnippetChooser.__init__


def _chooser_init(self, model, **kwargs):
    """AdminSnippetChooser.__init__, then its texts made lazy (they follow the request's language)."""
    _wagtail_chooser_init(self, model, **kwargs)
    self.choose_one_text = _lazy_format("Choose %(object)s", model)
    self.choose_another_text = _lazy_format("Choose another %(object)s", model)
    self.link_to_chosen_text = _lazy_format("Edit this %(object)s", model)


class OptionalNameEmailForm(NameEmailForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name", "email"):
            if name in self.fields:
                self.fields[name].required = False


_PAGE_PERMISSION_LABELS = {codename: long_label for codename, _short, long_label in PAGE_PERMISSION_TYPES}


def _page_permission_label(permission) -> str:
    return _PAGE_PERMISSION_LABELS.get(permission.codename, permission.name)


def _lazy_redirect_filter() -> None:
    redirect_type = RedirectsReportFilterSet.base_filters["is_permanent"]
    redirect_type.label = gettext_lazy("Type")
    redirect_type.extra["choices"] = ((True, gettext_lazy("Permanent")), (False, gettext_lazy("Temporary")))
    redirect_type.extra["empty_label"] = gettext_lazy("All")


#: Wagtail's collection permission labels as its source has them. wagtail.images.forms, wagtail.documents.forms
#: and wagtail.admin.forms.collections make them with gettext at import, so they came out in whichever language
#: was active then (Chinese in the English admin, or the reverse); our permission templates translate these.
_COLLECTION_PERMISSION_LABELS = {
    "add_image": ("Add", "Add/edit images you own"),
    "change_image": ("Edit", "Edit any image"),
    "choose_image": ("Choose", "Select images in choosers"),
    "add_document": ("Add", "Add/edit documents you own"),
    "change_document": ("Edit", "Edit any document"),
    "choose_document": ("Choose", "Select documents in choosers"),
    "add_collection": ("Add", "Add collections"),
    "change_collection": ("Edit", "Edit collections"),
    "delete_collection": ("Delete", "Delete collections"),
}


def _untranslated_collection_permission_labels() -> None:
    from wagtail.admin.forms.collections import GroupCollectionManagementPermissionFormSet
    from wagtail.documents.forms import GroupDocumentPermissionFormSet
    from wagtail.images.forms import GroupImagePermissionFormSet

    formsets = (GroupImagePermissionFormSet, GroupDocumentPermissionFormSet, GroupCollectionManagementPermissionFormSet)
    for formset in formsets:
        types = formset.permission_types  # the list the form's label_from_instance reads too: changed in place
        types[:] = [(code, *_COLLECTION_PERMISSION_LABELS.get(code, (short, long))) for code, short, long in types]
        formset.form.base_fields["collection"].label = gettext_lazy("Collection")  # also made at import


def install() -> None:
    AdminSnippetChooser.__init__ = _chooser_init
    _untranslated_collection_permission_labels()
    NameEmailSettingsPanel.form_class = OptionalNameEmailForm
    PagePermissionsForm.base_fields["permissions"].label_from_instance = _page_permission_label
    PagePermissionsForm.base_fields["page"].label = gettext_lazy("Page")  # Django's "Page" from the field name
    _lazy_redirect_filter()
