"""Operators' catalog tools in the Wagtail admin (issue #15), beside the snippet viewsets of wagtail_hooks.py:

- 生成SKU (`/admin/catalog-tools/spus/<id>/variants/`, `catalog.add_sku`, a button on each SPU row): tick option
  values per specification, a default price, stock and 上架; the missing combinations become SKUs
  (`bulk.generate_variants`, idempotent).
- 批量修改价格库存 (the SKU listing's bulk action, then `/admin/catalog-tools/skus/bulk-edit/?id=…`,
  `catalog.change_sku`): one row per ticked SKU with its price, stock and 上架; checked per row, saved all or
  nothing (`bulk.bulk_edit_skus`).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import include, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.views.bulk_action import BulkAction
from wagtail.snippets.widgets import SnippetListingButton

from commerce.catalog import bulk
from commerce.catalog.models import SKU, SPU, SPUSpecification
from commerce.errors import CommerceError


def _sku_list_url(**params) -> str:
    url = reverse(SKU.snippet_viewset.get_url_name("list"))
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit() and len(v) < 19][: bulk.MAX_BULK_ROWS]


# --- 生成SKU ---------------------------------------------------------------------------------------------------------


def generate_variants(request: HttpRequest, spu_id: int) -> HttpResponse:
    if not request.user.has_perm("catalog.add_sku"):
        raise PermissionDenied
    spu = SPU.objects.filter(pk=spu_id).first()
    if spu is None:
        raise Http404
    values = {"option_ids": set(), "price": "", "stock": "0", "launched": False}
    status = 200
    if request.method == "POST":
        values = {
            "option_ids": set(_ids(request.POST.getlist("option"))),
            "price": (request.POST.get("price") or "")[:20],
            "stock": (request.POST.get("stock") or "")[:12],
            "launched": request.POST.get("launched") == "1",
        }
        try:
            result = bulk.generate_variants(
                spu_id=spu.pk,
                option_ids=sorted(values["option_ids"]),
                price=bulk.parse_price(values["price"]),
                stock=bulk.parse_stock(values["stock"]),
                launched=values["launched"],
            )
        except CommerceError as error:
            messages.error(request, error.message)
            status = 400
        else:
            messages.success(
                request,
                _("已为“%(spu)s”生成 %(created)s 个 SKU，跳过 %(skipped)s 个已有组合")
                % {"spu": spu.name, "created": len(result.created), "skipped": result.skipped},
            )
            return redirect(_sku_list_url(spu=spu.pk))
    specs = SPUSpecification.objects.filter(spu=spu).prefetch_related("options").order_by("sequence", "id")
    existing = SKU.objects.filter(spu=spu).prefetch_related("specs__option").order_by("pk")
    return TemplateResponse(
        request,
        "catalog/admin/generate_variants.html",
        {"spu": spu, "specs": specs, "existing": existing, "values": values, "max": bulk.MAX_VARIANTS},
        status=status,
    )


# --- 批量修改价格库存 ----------------------------------------------------------------------------------------


def bulk_edit(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("catalog.change_sku"):
        raise PermissionDenied
    source = request.POST if request.method == "POST" else request.GET
    ids = _ids(source.getlist("id"))
    next_url = source.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=False):
        next_url = ""
    next_url = next_url or _sku_list_url()
    skus = list(SKU.objects.filter(pk__in=ids).order_by("pk"))
    if not skus:
        messages.error(request, _("请先在列表中勾选要修改的 SKU"))
        return redirect(next_url)
    errors: dict[int, list[str]] = {}
    posted: dict[int, dict] = {}
    status = 200
    if request.method == "POST":
        rows = [
            bulk.BulkRow(
                sku_id=sku.pk,
                price=(request.POST.get(f"price_{sku.pk}") or "")[:20],
                stock=(request.POST.get(f"stock_{sku.pk}") or "")[:12],
                is_launched=request.POST.get(f"launched_{sku.pk}") == "1",
            )
            for sku in skus
        ]
        posted = {row.sku_id: {"price": row.price, "stock": row.stock, "is_launched": row.is_launched} for row in rows}
        try:
            changed = bulk.bulk_edit_skus(rows)
        except bulk.InvalidBulkEdit as error:
            errors = error.errors
            messages.error(request, error.message)
            status = 400
        except CommerceError as error:
            messages.error(request, error.message)
            status = 400
        else:
            messages.success(request, _("已修改 %(count)s 个 SKU") % {"count": changed})
            return redirect(next_url)
    table = [
        (sku, posted.get(sku.pk, {"price": sku.price, "stock": sku.stock, "is_launched": sku.is_launched}),
         errors.get(sku.pk, []))
        for sku in skus
    ]  # fmt: skip
    return TemplateResponse(
        request, "catalog/admin/bulk_edit_skus.html", {"table": table, "next_url": next_url}, status=status
    )


class BulkEditSKUAction(BulkAction):
    """The SKU listing's bulk action: hands the ticked ids to the bulk edit page (one row per SKU)."""

    display_name = gettext_lazy("批量修改价格库存")
    action_type = "edit_price_stock"
    aria_label = gettext_lazy("批量修改所选 SKU 的价格、库存和上架状态")
    models = [SKU]
    action_priority = 20

    def check_perm(self, obj):
        return self.request.user.has_perm("catalog.change_sku")

    def get(self, request, *args, **kwargs):
        query = "&".join(f"id={i}" for i in _ids(request.GET.getlist("id")))
        return redirect(f"{reverse('catalog_tools:bulk_edit')}?{query}&next={self.next_url}")

    @classmethod
    def execute_action(cls, objects, **kwargs):  # the page above does the work
        return 0, 0


hooks.register("register_bulk_action", BulkEditSKUAction)  # the hook takes the class itself


@hooks.register("register_snippet_listing_buttons")
def spu_variant_button(snippet, user, next_url=None):
    if isinstance(snippet, SPU) and user.has_perm("catalog.add_sku"):
        yield SnippetListingButton(
            _("生成SKU"),
            reverse("catalog_tools:generate_variants", args=[snippet.pk]),
            icon_name="plus",
            priority=30,
            attrs={"data-generate-variants": snippet.pk},
        )


@hooks.register("register_admin_urls")
def register_catalog_tool_urls():
    urls = [
        path("spus/<int:spu_id>/variants/", generate_variants, name="generate_variants"),
        path("skus/bulk-edit/", bulk_edit, name="bulk_edit"),
    ]
    return [path("catalog-tools/", include((urls, "catalog_tools")))]
