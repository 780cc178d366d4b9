from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from servicekit.retry import Backoff
from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INTEROP_", extra="ignore", populate_by_name=True,
                                      env_nested_delimiter="__")

    service_name: str = "interop-svc"
    port: int = 8005
    # The platform's signing identity (PEM files). When absent and DVC_DATA_DIR is set (dev stack), a
    # self-signed one is generated once under $DVC_DATA_DIR/interop/ and reused.
    signing_key_file: str | None = None
    signing_cert_file: str | None = None
    signing_key_password: str | None = None
    data_dir: str | None = Field(default=None, validation_alias=AliasChoices("DVC_DATA_DIR", "data_dir"))
    # The platform's own agency code: Header/From of what it sends, Header/To of what it accepts.
    organ_id: str = "000.00.00.H19"
    max_message_bytes: int = 2 * 1024 * 1024
    # How long a rotated-out certificate still verifies messages, unless the request names another overlap.
    certificate_overlap_hours: int = 72
    feed_page_default: int = 100
    feed_page_max: int = 500
    # Base of the download links in the feed: the public gateway (GET {public_url}/api/v1/files/{id}).
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        validation_alias=AliasChoices("INTEROP_PUBLIC_URL", "DVC_PUBLIC_URL", "public_url"),
    )
    # The catalog (agencies a system may be registered for).
    catalog_url: str = Field(
        default="http://127.0.0.1:8001",
        validation_alias=AliasChoices("INTEROP_CATALOG_URL", "DVC_CATALOG_URL", "GATEWAY_CATALOG_URL", "catalog_url"),
    )
    catalog_timeout_seconds: float = 5.0
    # Push delivery to systems with a push_url: attempts and backoff (INTEROP_PUSH_RETRY__MAX_ATTEMPTS, …), poll period.
    push_retry: Backoff = Backoff(max_attempts=12)
    push_poll_seconds: float = 1.0
    push_timeout_seconds: float = 10.0

    def missing_secrets(self) -> list[str]:
        missing = super().missing_secrets()
        if not self.signing_key_file:
            missing.insert(0, "INTEROP_SIGNING_KEY_FILE: the private key that signs XML messages")
        if not self.signing_cert_file:
            missing.insert(1, "INTEROP_SIGNING_CERT_FILE: its certificate")
        return missing
