from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    service_name: str = "gateway"
    host: str = "127.0.0.1"
    port: int = 8000
    signing_key_file: str | None = Field(
        default=None,
        description="PEM Ed25519 private key the gateway signs tokens with; when unset, one is "
        "generated once under $DVC_DATA_DIR/keys (single-gateway set-ups)",
    )
    data_dir: str = Field(default=".data", validation_alias=AliasChoices("DVC_DATA_DIR", "GATEWAY_DATA_DIR"))
    token_ttl_seconds: int = 3600
    client_token_ttl_seconds: int = 900
    admin_password: str | None = Field(
        default=None, validation_alias=AliasChoices("DVC_ADMIN_PASSWORD", "GATEWAY_ADMIN_PASSWORD")
    )
    demo: bool = Field(default=False, validation_alias=AliasChoices("DVC_DEMO", "GATEWAY_DEMO"))
    # each service's base URL, or its replicas' comma-separated (the gateway balances across them)
    catalog_url: str = "http://127.0.0.1:8001"
    intake_url: str = "http://127.0.0.1:8002"
    workflow_url: str = "http://127.0.0.1:8003"
    notify_url: str = "http://127.0.0.1:8004"
    interop_url: str = "http://127.0.0.1:8005"
    portal_url: str = "http://127.0.0.1:8006"
    upstream_connect_timeout: float = 2.0
    upstream_timeout: float = 60.0
    upstream_pool_size: int = 200
    max_body_bytes: int = 60 * 1024 * 1024
    cors_origins: list[str] = Field(default_factory=list)
    # login attempts per client address per minute (password and client-credential grants)
    auth_rate_per_minute: int = 30
