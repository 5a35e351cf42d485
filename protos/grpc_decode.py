"""A server interceptor that answers an undecodable request message with INVALID_ARGUMENT.

grpcio answers a request its deserializer cannot parse with INTERNAL ("Exception deserializing
request"), which tells a client the server is broken when the client sent garbage. Every gRPC
server of Hydro installs this: `grpc.server(..., interceptors=[DecodeErrorsAreInvalid()])`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc


class _Undecodable:
    """Stands in for a request message that did not parse, carrying the parser's complaint."""

    def __init__(self, problem: str) -> None:
        self.problem = problem


class DecodeErrorsAreInvalid(grpc.ServerInterceptor):
    """Unary-request methods only: streaming requests keep grpcio's own handling."""

    def intercept_service(self, continuation: Callable[[grpc.HandlerCallDetails], Any],
                          handler_call_details: grpc.HandlerCallDetails) -> Any:
        handler = continuation(handler_call_details)
        if handler is None or handler.request_streaming or handler.request_deserializer is None:
            return handler
        method = handler_call_details.method
        decode, behavior = handler.request_deserializer, handler.unary_unary or handler.unary_stream

        def tolerant_decode(data: bytes) -> Any:
            try:
                return decode(data)
            except Exception as exc:  # protobuf raises DecodeError, and others for some malformed input
                return _Undecodable(f"{type(exc).__name__}: {exc}")

        def guarded(request: Any, context: grpc.ServicerContext) -> Any:
            if isinstance(request, _Undecodable):
                context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                              f"{method}: the request is not a valid protobuf message ({request.problem})")
            return behavior(request, context)

        kind = "unary_unary" if handler.unary_unary is not None else "unary_stream"
        return handler._replace(request_deserializer=tolerant_decode, **{kind: guarded})
