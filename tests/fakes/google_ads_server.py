"""A local Google Ads API stand-in: gRPC over TLS (self-signed for localhost), serving
GoogleAdsService/SearchStream with the SDK's own message types.

Customers are configured with batches of rows (each batch one streamed response) and optional
behaviours: `throttle_once` (RESOURCE_EXHAUSTED with a GoogleAdsFailure carrying retry_delay in
the trailing metadata), `deny` (PERMISSION_DENIED with an authorization failure) and `status` (every
call ends with that gRPC status, its details echoing the developer token the call sent, as a
careless server might: what the client shows of it must be scrubbed).
"""

from __future__ import annotations

import datetime as dt
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from google.ads.googleads.v26.common.types.metrics import Metrics
from google.ads.googleads.v26.common.types.segments import Segments
from google.ads.googleads.v26.errors.types.authorization_error import AuthorizationErrorEnum
from google.ads.googleads.v26.errors.types.errors import (
    ErrorCode,
    ErrorDetails,
    GoogleAdsError,
    GoogleAdsFailure,
    QuotaErrorDetails,
)
from google.ads.googleads.v26.errors.types.quota_error import QuotaErrorEnum
from google.ads.googleads.v26.resources.types.campaign import Campaign
from google.ads.googleads.v26.resources.types.customer import Customer
from google.ads.googleads.v26.services.types.google_ads_service import (
    GoogleAdsRow,
    SearchGoogleAdsStreamRequest,
    SearchGoogleAdsStreamResponse,
)
from google.protobuf import duration_pb2

METHOD = "/google.ads.googleads.v26.services.GoogleAdsService/SearchStream"
FAILURE_KEY = "google.ads.googleads.v26.errors.googleadsfailure-bin"


def self_signed_cert(folder: Path) -> tuple[bytes, bytes, Path]:
    """(key PEM, cert PEM, cert path) for localhost."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    path = folder / "fake_google_ads.pem"
    path.write_bytes(cert_pem)
    return key_pem, cert_pem, path


@dataclass
class FakeCustomer:
    currency: str
    batches: list[list[tuple[str, int, str, int]]]  # (date, campaign id, name, cost_micros)
    throttle_once: bool = False
    deny: bool = False
    status: grpc.StatusCode | None = None
    calls: int = 0


@dataclass
class FakeGoogleAds:
    customers: dict[str, FakeCustomer] = field(default_factory=dict)
    queries: list[tuple[str, str]] = field(default_factory=list)
    metadata_seen: list[dict] = field(default_factory=list)

    def _search_stream(self, request: SearchGoogleAdsStreamRequest, context: grpc.ServicerContext):
        self.queries.append((request.customer_id, request.query))
        self.metadata_seen.append(dict(context.invocation_metadata()))
        customer = self.customers[request.customer_id]
        customer.calls += 1
        if customer.status is not None:
            sent = dict(context.invocation_metadata())
            context.abort(customer.status, f"rejected: developer-token={sent.get('developer-token')}")
        if customer.deny:
            failure = GoogleAdsFailure(
                errors=[
                    GoogleAdsError(
                        error_code=ErrorCode(
                            authorization_error=AuthorizationErrorEnum.AuthorizationError.USER_PERMISSION_DENIED
                        ),
                        message="User doesn't have permission to access customer.",
                    )
                ]
            )
            context.set_trailing_metadata(((FAILURE_KEY, GoogleAdsFailure.serialize(failure)),))
            context.abort(grpc.StatusCode.PERMISSION_DENIED, "The caller does not have permission")
        if customer.throttle_once and customer.calls == 1:
            failure = GoogleAdsFailure(
                errors=[
                    GoogleAdsError(
                        error_code=ErrorCode(quota_error=QuotaErrorEnum.QuotaError.RESOURCE_TEMPORARILY_EXHAUSTED),
                        message="Too many requests. Retry in 0.2 seconds.",
                        details=ErrorDetails(
                            quota_error_details=QuotaErrorDetails(
                                retry_delay=duration_pb2.Duration(seconds=0, nanos=200_000_000)
                            )
                        ),
                    )
                ]
            )
            context.set_trailing_metadata(((FAILURE_KEY, GoogleAdsFailure.serialize(failure)),))
            context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, "Resource has been exhausted")
        since, until = request.query.split("BETWEEN '")[1][:10], request.query.split("AND '")[1][:10]
        for batch in customer.batches:
            rows = [
                GoogleAdsRow(
                    segments=Segments(date=d),
                    customer=Customer(
                        id=int(request.customer_id), currency_code=customer.currency, time_zone="America/Toronto"
                    ),
                    campaign=Campaign(id=cid, name=name),
                    metrics=Metrics(cost_micros=micros, impressions=100, clicks=4),
                )
                for d, cid, name, micros in batch
                if since <= d <= until
            ]
            if rows:
                yield SearchGoogleAdsStreamResponse(results=rows)

    def start(self, key_pem: bytes, cert_pem: bytes) -> tuple[grpc.Server, str]:
        handler = grpc.method_handlers_generic_handler(
            "google.ads.googleads.v26.services.GoogleAdsService",
            {
                "SearchStream": grpc.unary_stream_rpc_method_handler(
                    self._search_stream,
                    request_deserializer=SearchGoogleAdsStreamRequest.deserialize,
                    response_serializer=SearchGoogleAdsStreamResponse.serialize,
                )
            },
        )
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        server.add_generic_rpc_handlers((handler,))
        port = server.add_secure_port("localhost:0", grpc.ssl_server_credentials([(key_pem, cert_pem)]))
        server.start()
        return server, f"localhost:{port}"
