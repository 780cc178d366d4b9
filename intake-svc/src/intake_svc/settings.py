from __future__ import annotations

import os
from pathlib import Path

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


def default_storage_dir() -> str:
    data_dir = os.environ.get("DVC_DATA_DIR")
    return str(Path(data_dir) / "files") if data_dir else ".data/files"


def default_signing_dir() -> str:
    data_dir = os.environ.get("DVC_DATA_DIR")
    return str(Path(data_dir) / "signing") if data_dir else ".data/signing"


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INTAKE_", extra="ignore")

    service_name: str = "intake-svc"
    port: int = 8002
    max_file_bytes: int = Field(default=20 * 1024 * 1024, gt=0, description="upload limit per file (413 above)")
    storage_dir: str = Field(default_factory=default_storage_dir, description="local content-addressed file store "
                             "(with an object store: where uploads are spooled and read objects cached)")
    # an S3-compatible object store for the files (when s3_bucket is set): AWS S3, MinIO, SeaweedFS, Ceph RGW…
    s3_endpoint: str = Field(default="https://s3.amazonaws.com", description="the store's URL (http:// or https://)")
    s3_bucket: str | None = Field(default=None, description="the bucket; unset keeps the files in storage_dir")
    s3_region: str | None = None
    s3_access_key: str | None = None
    s3_secret_key: str | None = Field(default=None, repr=False)
    s3_secret_key_file: str | None = Field(default=None, description="the secret key read from this file instead")
    catalog_url: str = Field(
        default="http://127.0.0.1:8001",
        # GATEWAY_CATALOG_URL: the dev stack (make run) hands every service the gateway's upstream URLs
        validation_alias=AliasChoices("INTAKE_CATALOG_URL", "DVC_CATALOG_URL", "GATEWAY_CATALOG_URL", "catalog_url"),
    )
    workflow_url: str = Field(
        default="http://127.0.0.1:8003",
        validation_alias=AliasChoices("INTAKE_WORKFLOW_URL", "DVC_WORKFLOW_URL", "GATEWAY_WORKFLOW_URL",
                                      "workflow_url"),
        description="workflow-svc, for the applicant's form 04 (read with the applicant's own token)",
    )
    catalog_cache_ttl: float = Field(default=30.0, ge=0, description="seconds a procedure read stays cached")
    catalog_timeout: float = Field(default=3.0, gt=0)

    # online payment (VNPAY 2.1.0 protocol); the secrets come from configuration only
    payment_url: str | None = Field(default=None, description="the provider's pay page (vnp_ redirect URL)")
    payment_tmn_code: str | None = Field(default=None, description="merchant code (vnp_TmnCode)")
    payment_hash_secret: str | None = Field(default=None, repr=False, description="HMAC-SHA512 key")
    # the platform's public address (the gateway, which serves the portal at its root)
    public_url: str = Field(default="http://127.0.0.1:8000",
                            validation_alias=AliasChoices("INTAKE_PUBLIC_URL", "DVC_PUBLIC_URL", "public_url"))
    payment_return_url: str = Field(
        default="{public_url}/thanh-toan/ket-qua",
        description="where the provider sends the browser back (vnp_ReturnUrl, the provider appends its vnp_ "
                    "parameters): the portal's payment result page; placeholders {public_url}, {code} (the "
                    "dossier) and {payment_id} (32 hex digits, the same as vnp_TxnRef)")
    payment_ipn_url: str | None = Field(default=None, description="sent as vnp_IpnUrl (local provider only)")
    payment_ttl: float = Field(default=900.0, gt=0, description="seconds before an unpaid request expires")
    payment_sweep_interval: float = Field(default=5.0, gt=0, description="seconds between expiry sweeps")
    # PAdES signing of result documents: <dir>/<agency_code>.key.pem + .cert.pem (or default.*), issued by ca.cert.pem
    signing_dir: str = Field(default_factory=default_signing_dir)
    # feedback and recommendations (phản ánh, kiến nghị): the agency answers within this many working days
    feedback_days: float = Field(default=10, gt=0, description="working days to answer a feedback")
    feedback_sweep_interval: float = Field(default=60.0, gt=0, description="seconds between overdue sweeps")
    signing_generate: bool = Field(default=True, description="create a local CA and agency keys when absent (dev)")

    def missing_secrets(self) -> list[str]:
        missing = super().missing_secrets()
        signing = Path(self.signing_dir)
        if not (signing / "ca.cert.pem").is_file() or not any(signing.glob("*.key.pem")):
            missing.insert(0, f"INTAKE_SIGNING_DIR ({self.signing_dir}): the document-signing CA certificate "
                              "(ca.cert.pem) and the agencies' keys (<agency_code>.key.pem + .cert.pem, or default.*)")
        return missing

    @field_validator("payment_return_url")
    @classmethod
    def _return_url_template(cls, v: str) -> str:
        try:
            v.format(public_url="http://x", code="X", payment_id="0" * 32)
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError("INTAKE_PAYMENT_RETURN_URL: only {public_url}, {code} and {payment_id} may be used "
                             f"({exc})") from exc
        return v
