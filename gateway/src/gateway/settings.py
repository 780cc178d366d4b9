from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from gateway.throttle import Network, Policy, parse_networks
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
    # access tokens are short: with the revocation check below, a disabled user's access ends within seconds at
    # the gateway, and a token copied elsewhere dies with its lifetime
    token_ttl_seconds: int = 300
    # a login session (its refresh tokens) lasts at most this long
    refresh_ttl_seconds: int = 14 * 86400
    revocation_poll_seconds: float = 2.0
    # officers and admins must set up a TOTP second factor before their token carries roles (never in demo mode)
    require_mfa: bool = True
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
    # X-Forwarded-For is believed only from these addresses or networks (the reverse proxy, the portal)
    trusted_proxies: list[str] = Field(default_factory=list)
    # failed logins: free ones per account before delays start (1 s, 2 s, 4 s … up to the maximum), the
    # quiet time that ends a burst, and the much higher limit of failures per address
    login_free_failures: int = 5
    login_burst_seconds: float = 900.0
    login_max_delay_seconds: float = 900.0
    login_address_failures: int = 200
    # public calls per client address per minute
    rate_register_per_minute: int = 30
    rate_code_per_minute: int = 10
    rate_tracking_per_minute: int = 120
    rate_search_per_minute: int = 600
    rate_upload_per_minute: int = 600
    # the catalog's public reads (search, one procedure, sectors) answered from the gateway's memory until the next
    # catalog event or a write this gateway sends to the catalog (the portal's console writes through it too)
    catalog_read_cache: bool = True

    @property
    def trusted_networks(self) -> list[Network]:
        return parse_networks(self.trusted_proxies)

    def throttle_policy(self) -> Policy:
        return Policy(
            account_free_failures=self.login_free_failures,
            account_window=self.login_burst_seconds,
            account_max_delay=self.login_max_delay_seconds,
            address_failures=self.login_address_failures,
            address_window=self.login_burst_seconds,
        )

    def missing_secrets(self) -> list[str]:
        # the gateway verifies tokens with its own signing key: no AUTH_PUBLIC_KEY_FILE of its own
        missing = [m for m in super().missing_secrets() if not m.startswith("AUTH_PUBLIC_KEY_FILE")]
        if not self.signing_key_file:
            missing.insert(0, "GATEWAY_SIGNING_KEY_FILE: the Ed25519 key that signs tokens")
        if not self.admin_password:
            missing.append("DVC_ADMIN_PASSWORD: the first admin's password")
        return missing
