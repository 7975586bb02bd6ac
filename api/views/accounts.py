"""Login by password (JWT pair), refresh with rotation, logout (blacklists the refresh token), the profile
and delivery addresses. Login goes through the site's own login form, so allauth's failed-login limits and
any rule the site adds to its login apply here unchanged."""

from __future__ import annotations

from allauth.account import app_settings as allauth_settings
from allauth.account.forms import LoginForm
from allauth.utils import get_form_class
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenRefreshView

from api.schema import errors
from api.serializers import (
    AddressInputSerializer,
    AddressSerializer,
    HistoryAddSerializer,
    LoginSerializer,
    ProfileSerializer,
    RefreshSerializer,
    SKUCardSerializer,
    TokenPairSerializer,
)
from api.throttles import AddressRateThrottle, LoginRateThrottle, UserRateThrottle
from api.views.base import ApiView, UserView, body, clean_form
from commerce.accounts import addresses as address_service
from commerce.accounts import history
from commerce.accounts.center_forms import AddressForm
from commerce.accounts.user_center import get_profile
from commerce.cart.services import parse_sku_id


def login_form_class():
    """The login form the site's login page uses (settings.ACCOUNT_FORMS["login"])."""
    return get_form_class(allauth_settings.FORMS, "login", LoginForm)


def token_pair(user, *, cart_token: object = None) -> dict:
    """A fresh refresh token for `user` and its access token, as login and register answer them; the app's
    anonymous cart (`cart_token`) is merged into the user's cart, as the site merges its cookie cart."""
    from api.views.cart import merge_cart_token

    merge_cart_token(token=cart_token, user_id=user.pk)
    refresh = RefreshToken.for_user(user)
    return {
        "access": str(refresh.access_token),
        "refresh": str(refresh),
        "user": {"id": user.pk, "username": user.get_username()},
    }


class LoginView(ApiView):
    throttle_classes = [AddressRateThrottle, LoginRateThrottle]

    @extend_schema(request=LoginSerializer, responses={200: TokenPairSerializer, **errors(400)}, tags=["auth"], auth=[])
    def post(self, request):
        """Username, mobile or email with the password: an access token (short-lived) and a refresh token."""
        data = body(request)
        form = login_form_class()(
            data={"login": data.get("login", ""), "password": data.get("password", "")}, request=request._request
        )
        clean_form(form)
        return Response(token_pair(form.user, cart_token=data.get("cart_token")))


class RefreshView(TokenRefreshView):
    """A new access token and a new refresh token; the one sent is blacklisted (rotation)."""

    throttle_classes = [AddressRateThrottle, UserRateThrottle]

    @extend_schema(tags=["auth"], auth=[], responses={200: RefreshSerializer, **errors(401)})
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        return response


class LogoutView(ApiView):
    @extend_schema(request=RefreshSerializer, responses={204: None, **errors(400)}, tags=["auth"], auth=[])
    def post(self, request):
        """Blacklist the refresh token: it can no longer be refreshed (the access token dies with its lifetime)."""
        raw = body(request).get("refresh")
        if not isinstance(raw, str) or not raw:
            raise exceptions.ValidationError({"refresh": [_("请提供刷新令牌")]})
        try:
            RefreshToken(raw).blacklist()
        except TokenError:
            pass  # already blacklisted, expired or forged: logged out either way
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProfileView(UserView):
    @extend_schema(responses={200: ProfileSerializer}, tags=["account"])
    def get(self, request):
        profile = get_profile(user=request.user)
        return Response(
            ProfileSerializer(
                {
                    "id": request.user.pk,
                    "username": profile.username,
                    "mobile": profile.mobile_masked,
                    "mobile_verified": profile.mobile_verified,
                    "email": profile.email.email,
                    "email_verified": profile.email.verified,
                }
            ).data
        )


def _address_data(request, address) -> dict:
    return AddressSerializer(address, context={"default_address_id": request.user.default_address_id}).data


def _address_input(request):
    return AddressForm(body(request))


class AddressListView(UserView):
    @extend_schema(responses={200: AddressSerializer(many=True)}, tags=["account"])
    def get(self, request):
        """The shopper's addresses (at most 20), the default first."""
        context = {"default_address_id": request.user.default_address_id}
        addresses = address_service.list_addresses(user=request.user)
        return Response(AddressSerializer(addresses, many=True, context=context).data)

    @extend_schema(request=AddressInputSerializer, responses={201: AddressSerializer, **errors(400)}, tags=["account"])
    def post(self, request):
        form = _address_input(request)
        clean_form(form)
        address = address_service.create_address(user=request.user, data=form.to_input())
        request.user.refresh_from_db(fields=["default_address"])
        return Response(_address_data(request, address), status=status.HTTP_201_CREATED)


class AddressDetailView(UserView):
    @extend_schema(responses={200: AddressSerializer, **errors(404)}, tags=["account"])
    def get(self, request, address_id: int):
        return Response(_address_data(request, address_service.get_address(user=request.user, address_id=address_id)))

    @extend_schema(
        request=AddressInputSerializer,
        responses={200: AddressSerializer, **errors(400, 404)},
        tags=["account"],
    )
    def put(self, request, address_id: int):
        address_service.get_address(user=request.user, address_id=address_id)  # 404 before input errors
        form = _address_input(request)
        clean_form(form)
        address = address_service.update_address(user=request.user, address_id=address_id, data=form.to_input())
        return Response(_address_data(request, address))

    @extend_schema(responses={204: None, **errors(404)}, tags=["account"])
    def delete(self, request, address_id: int):
        address_service.delete_address(user=request.user, address_id=address_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DefaultAddressView(UserView):
    @extend_schema(request=None, responses={200: AddressSerializer, **errors(404)}, tags=["account"])
    def post(self, request, address_id: int):
        """Make this address the default."""
        address = address_service.set_default_address(user=request.user, address_id=address_id)
        request.user.refresh_from_db(fields=["default_address"])
        return Response(_address_data(request, address))


class HistoryView(UserView):
    @extend_schema(responses={200: SKUCardSerializer(many=True)}, tags=["account"])
    def get(self, request):
        """The shopper's recently viewed SKUs still on sale, newest first (at most five)."""
        return Response(SKUCardSerializer(history.list_recent_skus(user_id=request.user.pk), many=True).data)

    @extend_schema(request=HistoryAddSerializer, responses={204: None, **errors(400)}, tags=["account"])
    def post(self, request):
        """Record a visit (GET skus/{id}/ with a token already does)."""
        sku_id = parse_sku_id(body(request).get("sku_id"))
        history.add_visit(user_id=request.user.pk, sku_id=sku_id)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={204: None}, tags=["account"])
    def delete(self, request):
        history.clear_history(user_id=request.user.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
