"""Shapes of the API's answers (and, for the schema, of its inputs).

Output serializers only read what selectors and services returned. Inputs are parsed by the same forms and
parse functions the HTML views use (see api/views/), so the request serializers here document the shape and
hold no rule of their own.
"""

from __future__ import annotations

from rest_framework import serializers

from commerce.catalog.selectors import CARD_IMAGE, DETAIL_IMAGE, THUMB_IMAGE
from commerce.orders.models import PayMethod


def rendition_url(image, spec: str) -> str:
    return image.get_rendition(spec).url if image is not None else ""


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


# --- Catalog -----------------------------------------------------------------------------------------------------


class LinkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    url = serializers.CharField()


class MenuCategorySerializer(LinkSerializer):
    subs = LinkSerializer(many=True)


class MenuGroupSerializer(serializers.Serializer):
    name = serializers.CharField()
    channels = LinkSerializer(many=True)
    subs = MenuCategorySerializer(many=True)


class SKUSummarySerializer(serializers.Serializer):
    """What a SKU card and the SKU detail both show."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    caption = serializers.CharField()
    price = serializers.DecimalField(max_digits=10, decimal_places=2)
    market_price = serializers.DecimalField(max_digits=10, decimal_places=2)
    sales = serializers.IntegerField()
    comments = serializers.IntegerField()


class SKUCardSerializer(SKUSummarySerializer):
    image_url = serializers.SerializerMethodField()

    def get_image_url(self, sku) -> str:
        return rendition_url(sku.default_image, CARD_IMAGE)


class HotSKUSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    price = serializers.DecimalField(max_digits=10, decimal_places=2)
    url = serializers.CharField()
    image_url = serializers.CharField()


class SpecOptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    value = serializers.CharField()
    sku_id = serializers.IntegerField(allow_null=True, help_text="The SKU this option switches to (null: none).")
    active = serializers.BooleanField()
    available = serializers.BooleanField()


class SpecChoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    options = SpecOptionSerializer(many=True)


class ImageSerializer(serializers.Serializer):
    url = serializers.SerializerMethodField()
    thumb_url = serializers.SerializerMethodField()

    def get_url(self, image) -> str:
        return rendition_url(image, DETAIL_IMAGE)

    def get_thumb_url(self, image) -> str:
        return rendition_url(image, THUMB_IMAGE)


class NamedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class SPUSerializer(NamedSerializer):
    brand = NamedSerializer(allow_null=True)


class SKUDetailSerializer(SKUSummarySerializer):
    stock = serializers.IntegerField()
    spu = SPUSerializer()
    breadcrumb = NamedSerializer(many=True)
    images = ImageSerializer(many=True)
    specs = SpecChoiceSerializer(many=True)
    hot_skus = HotSKUSerializer(many=True)


class CategorySerializer(NamedSerializer):
    breadcrumb = NamedSerializer(many=True)


class NumberedPageSerializer(serializers.Serializer):
    """A page of a list paged by the site's own paginator (search, comments): the page number and how many."""

    count = serializers.IntegerField()
    page = serializers.IntegerField()
    num_pages = serializers.IntegerField()


class SearchPageSerializer(NumberedPageSerializer):
    query = serializers.CharField()
    sort = serializers.CharField()
    results = SKUCardSerializer(many=True)


class AreaSerializer(NamedSerializer):
    pass


class AreaWithSubsSerializer(NamedSerializer):
    subs = AreaSerializer(many=True)


# --- Accounts ----------------------------------------------------------------------------------------------------


class CartTokenInputSerializer(serializers.Serializer):
    """Inputs that log in: the app's anonymous cart rides along to be merged."""

    cart_token = serializers.CharField(required=False, help_text="The anonymous app cart, merged at login")


class LoginSerializer(CartTokenInputSerializer):
    login = serializers.CharField(help_text="用户名 / 手机号 / 邮箱")
    password = serializers.CharField()


class SmsCodeRequestSerializer(serializers.Serializer):
    mobile = serializers.CharField(max_length=11)
    purpose = serializers.ChoiceField(choices=["register", "login"])
    image_code_id = serializers.CharField(help_text="The uuid the app used for GET captcha/{uuid}/")
    image_code = serializers.CharField(max_length=8)


class SmsCodeSentSerializer(serializers.Serializer):
    mobile = serializers.CharField(help_text="Masked")
    remaining = serializers.IntegerField(help_text="Seconds before another code may be asked for")


class RegisterSerializer(CartTokenInputSerializer):
    username = serializers.CharField(max_length=20)
    password = serializers.CharField(max_length=20)
    password2 = serializers.CharField(max_length=20)
    mobile = serializers.CharField(max_length=11)
    sms_code = serializers.CharField(max_length=6)
    allow = serializers.BooleanField(help_text="Agrees to the user agreement (must be true)")


class SmsLoginSerializer(CartTokenInputSerializer):
    mobile = serializers.CharField(max_length=11)
    sms_code = serializers.CharField(max_length=6)


class UserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    user = UserSerializer()


class HistoryAddSerializer(serializers.Serializer):
    sku_id = serializers.IntegerField(min_value=1)


class RefreshSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class ProfileSerializer(UserSerializer):
    mobile = serializers.CharField(help_text="Masked: 138****0001")
    mobile_verified = serializers.BooleanField()
    email = serializers.CharField()
    email_verified = serializers.BooleanField()


class AddressInputSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, allow_blank=True, max_length=20)
    receiver = serializers.CharField(max_length=20)
    province = serializers.IntegerField(help_text="Area code (GET /api/v1/areas/)")
    city = serializers.IntegerField()
    district = serializers.IntegerField()
    place = serializers.CharField(max_length=100)
    mobile = serializers.CharField(max_length=11)
    tel = serializers.CharField(required=False, allow_blank=True, max_length=20)
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)


class AddressSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    receiver = serializers.CharField()
    province = NamedSerializer()
    city = NamedSerializer()
    district = NamedSerializer()
    place = serializers.CharField()
    mobile = serializers.CharField()
    tel = serializers.CharField()
    email = serializers.CharField()
    is_default = serializers.SerializerMethodField()

    def get_is_default(self, address) -> bool:
        return address.pk == self.context.get("default_address_id")


# --- Cart --------------------------------------------------------------------------------------------------------


class CartLineSerializer(serializers.Serializer):
    sku_id = serializers.IntegerField()
    name = serializers.CharField()
    caption = serializers.CharField()
    url = serializers.CharField()
    image_url = serializers.CharField()
    price = serializers.CharField()
    count = serializers.IntegerField()
    selected = serializers.BooleanField()
    stock = serializers.IntegerField()
    is_launched = serializers.BooleanField()
    available = serializers.BooleanField()
    problem = serializers.CharField()
    subtotal = serializers.CharField()


class CartSerializer(serializers.Serializer):
    lines = CartLineSerializer(many=True)
    total_count = serializers.IntegerField()
    selected_count = serializers.IntegerField()
    selected_amount = serializers.CharField()
    all_selected = serializers.BooleanField()
    max_items = serializers.IntegerField()
    max_count = serializers.IntegerField()
    cart_token = serializers.CharField(
        required=False, help_text="Only without an access token: send it back in X-Cart-Token next time."
    )


class CartAddSerializer(serializers.Serializer):
    sku_id = serializers.IntegerField(min_value=1)
    count = serializers.IntegerField(min_value=1, required=False, default=1)


class CartChangeSerializer(serializers.Serializer):
    count = serializers.IntegerField(min_value=1, required=False)
    selected = serializers.BooleanField(required=False)


class SelectAllSerializer(serializers.Serializer):
    selected = serializers.BooleanField(required=False, default=True)


# --- Orders and payment ------------------------------------------------------------------------------------------


class QuoteSerializer(serializers.Serializer):
    total_count = serializers.IntegerField()
    goods_amount = serializers.CharField()
    freight = serializers.CharField()
    coupon_id = serializers.IntegerField(allow_null=True)
    discount = serializers.CharField()
    points_balance = serializers.IntegerField()
    points_cap = serializers.IntegerField()
    points = serializers.IntegerField()
    points_amount = serializers.CharField()
    pay_amount = serializers.CharField()


class CheckoutLineSerializer(serializers.Serializer):
    sku_id = serializers.IntegerField(source="sku.id")
    name = serializers.CharField(source="sku.name")
    image_url = serializers.SerializerMethodField()
    price = serializers.DecimalField(max_digits=10, decimal_places=2)
    count = serializers.IntegerField()
    subtotal = serializers.DecimalField(max_digits=12, decimal_places=2)

    def get_image_url(self, line) -> str:
        return rendition_url(line.sku.default_image, CARD_IMAGE)


class UserCouponSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="coupon.name")
    threshold = serializers.DecimalField(source="coupon.threshold", max_digits=10, decimal_places=2)
    discount = serializers.DecimalField(source="coupon.discount", max_digits=10, decimal_places=2)
    valid_until = serializers.DateTimeField(source="coupon.valid_until")


class CouponSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    threshold = serializers.DecimalField(max_digits=10, decimal_places=2)
    discount = serializers.DecimalField(max_digits=10, decimal_places=2)
    valid_from = serializers.DateTimeField()
    valid_until = serializers.DateTimeField()


class MyCouponSerializer(UserCouponSerializer):
    coupon_id = serializers.IntegerField()
    claimed_at = serializers.DateTimeField()
    used_order_id = serializers.CharField(allow_null=True)


class PointsEntrySerializer(serializers.Serializer):
    delta = serializers.IntegerField()
    reason = serializers.CharField()
    reason_display = serializers.CharField(source="get_reason_display")
    order_id = serializers.CharField(allow_null=True)
    note = serializers.CharField()
    balance_after = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class PayMethodSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()


class CheckoutSerializer(serializers.Serializer):
    addresses = AddressSerializer(many=True)
    lines = CheckoutLineSerializer(many=True)
    quote = QuoteSerializer()
    coupons = UserCouponSerializer(many=True)
    pay_methods = PayMethodSerializer(many=True)
    token = serializers.CharField(help_text="One-time order token: send it with POST /api/v1/orders/.")


class PlaceOrderSerializer(serializers.Serializer):
    address_id = serializers.IntegerField(min_value=1)
    pay_method = serializers.ChoiceField(choices=PayMethod.choices)
    token = serializers.CharField(min_length=16, max_length=64)
    coupon_id = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    points = serializers.IntegerField(min_value=0, required=False)
    expected_total = serializers.DecimalField(max_digits=12, decimal_places=2, required=False)


class OrderLineSerializer(serializers.Serializer):
    sku_id = serializers.IntegerField()
    name = serializers.CharField(source="sku_name")
    price = serializers.DecimalField(max_digits=10, decimal_places=2)
    count = serializers.IntegerField()
    is_commented = serializers.BooleanField()
    image_url = serializers.SerializerMethodField()

    def get_image_url(self, line) -> str:
        return rendition_url(line.sku.default_image, CARD_IMAGE)


class OrderSerializer(serializers.Serializer):
    order_id = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    pay_method = serializers.CharField()
    receiver = serializers.CharField()
    full_address = serializers.CharField()
    mobile = serializers.CharField()
    total_count = serializers.IntegerField()
    total_amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    freight = serializers.DecimalField(max_digits=12, decimal_places=2)
    discount = serializers.DecimalField(max_digits=12, decimal_places=2)
    points_used = serializers.IntegerField()
    points_amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    pay_amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    cancel_reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)
    lines = OrderLineSerializer(many=True)


class OrderStatusSerializer(serializers.Serializer):
    order_id = serializers.CharField()
    status = serializers.CharField()


class PayUrlSerializer(serializers.Serializer):
    order_id = serializers.CharField()
    pay_url = serializers.CharField(help_text="Open in a browser / web view: the Alipay cashier.")


# --- Comments ----------------------------------------------------------------------------------------------------


class CommentSerializer(serializers.Serializer):
    display_name = serializers.CharField()
    score = serializers.IntegerField()
    content = serializers.CharField()
    created_at = serializers.DateTimeField()
    sku_name = serializers.CharField()
    is_anonymous = serializers.BooleanField()


class CommentPageSerializer(NumberedPageSerializer):
    results = CommentSerializer(many=True)


class CommentInputSerializer(serializers.Serializer):
    line_id = serializers.IntegerField(min_value=1)
    score = serializers.IntegerField(min_value=1, max_value=5)
    content = serializers.CharField()
    is_anonymous = serializers.BooleanField(required=False, default=False)


class CommentCreatedSerializer(serializers.Serializer):
    comment_id = serializers.IntegerField()
    order_finished = serializers.BooleanField()
