"""Settings common to every service; each service subclasses with its own ``env_prefix``."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", env_file=None, populate_by_name=True)

    service_name: str = "service"
    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str = Field(description="postgresql+asyncpg URL of this service's own database")
    nats_url: str = Field(default="nats://127.0.0.1:4222", validation_alias=AliasChoices("NATS_URL", "nats_url"))
    # Tokens are signed by the gateway with an asymmetric key; every service verifies them itself.
    auth_public_key_file: str | None = Field(
        default=None, validation_alias=AliasChoices("AUTH_PUBLIC_KEY_FILE", "auth_public_key_file")
    )
    auth_jwks_url: str | None = Field(default=None, validation_alias=AliasChoices("AUTH_JWKS_URL", "auth_jwks_url"))
    auth_issuer: str = Field(default="dvc-gateway", validation_alias=AliasChoices("AUTH_ISSUER", "auth_issuer"))
    db_pool_size: int = 10
    relay_batch: int = 256
    # JetStream streams this platform creates (applied on creation only; an operator's later edit is kept)
    stream_replicas: int = Field(default=1, ge=1, le=5,
                                 validation_alias=AliasChoices("DVC_STREAM_REPLICAS", "stream_replicas"))
    stream_max_age_seconds: float = Field(default=0.0, ge=0,
                                          validation_alias=AliasChoices("DVC_STREAM_MAX_AGE", "stream_max_age_seconds"))
    stream_max_bytes: int = Field(default=-1, validation_alias=AliasChoices("DVC_STREAM_MAX_BYTES", "stream_max_bytes"))
    stream_max_msgs: int = Field(default=-1, validation_alias=AliasChoices("DVC_STREAM_MAX_MSGS", "stream_max_msgs"))
    # readiness stays green while NATS is away until this many events wait in the outbox
    outbox_ready_limit: int = 100_000
    trace_sql: bool = Field(default=False, validation_alias=AliasChoices("DVC_TRACE_SQL", "trace_sql"),
                            description="a span for every SQL statement (costly: for a debugging session)")
    run_background: bool = Field(default=True, description="start the outbox relay and event consumers with the app")
