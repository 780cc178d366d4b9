from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INTEROP_", extra="ignore", populate_by_name=True)

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
