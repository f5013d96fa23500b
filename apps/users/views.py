from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.schema import error_responses
from apps.common.throttles import LoginThrottle, RegisterThrottle, TokenRefreshThrottle
from apps.users import services
from apps.users.serializers import (
    LoginResponseSerializer,
    LoginSerializer,
    RefreshSerializer,
    RegisterResponseSerializer,
    RegisterSerializer,
    TokenPairSerializer,
    UserSerializer,
)


class RegisterView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [RegisterThrottle]

    @extend_schema(
        tags=["auth"],
        request=RegisterSerializer,
        responses={201: RegisterResponseSerializer, **error_responses(400, 409, 429)},
    )
    def post(self, request: Request) -> Response:
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_register(**serializer.validated_data)
        body = {"user": UserSerializer(user).data, **services.token_pair_for(user)}
        return Response(body, status=status.HTTP_201_CREATED)


class LoginView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle]

    @extend_schema(
        tags=["auth"],
        request=LoginSerializer,
        responses={200: LoginResponseSerializer, **error_responses(400, 401, 429)},
    )
    def post(self, request: Request) -> Response:
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user, tokens = services.user_login(**serializer.validated_data, request=request)
        return Response({"user": UserSerializer(user).data, **tokens})


class TokenRefreshView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenRefreshThrottle]

    @extend_schema(
        tags=["auth"], request=RefreshSerializer, responses={200: TokenPairSerializer, **error_responses(400, 401, 429)}
    )
    def post(self, request: Request) -> Response:
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(services.token_refresh(refresh=serializer.validated_data["refresh"]))


class LogoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["auth"], request=RefreshSerializer, responses={204: None, **error_responses(400, 401)})
    def post(self, request: Request) -> Response:
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.token_revoke(refresh=serializer.validated_data["refresh"], user=request.user)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["me"], responses={200: UserSerializer, **error_responses(401)})
    def get(self, request: Request) -> Response:
        return Response(UserSerializer(request.user).data)
