"""Settings common to every service; each service subclasses with its own ``env_prefix``.

Secrets may come from files: for any setting ``X`` read from the variable ``<PREFIX>X`` (or one of its
aliases), ``<PREFIX>X_FILE`` names a file whose content (trailing newline removed) is the value, as
container secrets are mounted. Outside demo mode a service refuses to start while a secret it needs is
missing (:meth:`ServiceSettings.missing_secrets`, checked by ``python -m <svc> serve``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict


class FileSecretsSource(PydanticBaseSettingsSource):
    """``<VAR>_FILE=/run/secrets/x`` gives the setting read from ``<VAR>`` the file's content."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        self.env = EnvSettingsSource(settings_cls)

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        for _, env_name, _ in self.env._extract_field_info(field, field_name):
            variable = env_name.upper() + "_FILE"
            path = os.environ.get(variable) or os.environ.get(env_name + "_FILE")
            if path:
                try:
                    return Path(path).read_text(encoding="utf-8").rstrip("\r\n"), env_name, False
                except OSError as exc:
                    raise ValueError(f"{variable}={path}: cannot be read ({exc.strerror or exc})") from None
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name, field in self.settings_cls.model_fields.items():
            value, _, _ = self.get_field_value(field, name)
            if value is not None:
                data[name] = value  # populate_by_name: the field's own name is accepted
        return data


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", env_file=None, populate_by_name=True)

    service_name: str = "service"
    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str = Field(description="postgresql+asyncpg URL of this service's own database")
    nats_url: str = Field(default="nats://127.0.0.1:4222", validation_alias=AliasChoices("NATS_URL", "nats_url"))
    # NATS credentials: a creds file (JWT + nkey seed, as `nsc` writes it) or a user and password
    nats_creds_file: str | None = Field(
        default=None, validation_alias=AliasChoices("NATS_CREDS_FILE", "nats_creds_file"))
    nats_user: str | None = Field(default=None, validation_alias=AliasChoices("NATS_USER", "nats_user"))
    nats_password: str | None = Field(default=None, repr=False,
                                      validation_alias=AliasChoices("NATS_PASSWORD", "nats_password"))
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
    # retention: JetStream drops a message after 30 days (every consumer is far quicker than that; the inbox
    # keeps its rows longer, <SVC>_RETENTION_INBOX_DAYS); 0 keeps messages until a size limit or forever
    stream_max_age_seconds: float = Field(default=30 * 86400.0, ge=0,
                                          validation_alias=AliasChoices("DVC_STREAM_MAX_AGE", "stream_max_age_seconds"))
    stream_max_bytes: int = Field(default=-1, validation_alias=AliasChoices("DVC_STREAM_MAX_BYTES", "stream_max_bytes"))
    stream_max_msgs: int = Field(default=-1, validation_alias=AliasChoices("DVC_STREAM_MAX_MSGS", "stream_max_msgs"))
    # readiness stays green while NATS is away until this many events wait in the outbox
    outbox_ready_limit: int = 100_000
    trace_sql: bool = Field(default=False, validation_alias=AliasChoices("DVC_TRACE_SQL", "trace_sql"),
                            description="a span for every SQL statement (costly: for a debugging session)")
    ops_sample_seconds: float = Field(
        default=15.0, validation_alias=AliasChoices("DVC_OPS_SAMPLE_SECONDS", "ops_sample_seconds"),
        description="how often the sampled gauges (outbox backlog, consumer pending, overdue dossiers …) are read",
    )
    run_background: bool = Field(default=True, description="start the outbox relay and event consumers with the app")
    demo: bool = Field(default=False, validation_alias=AliasChoices("DVC_DEMO", "demo"),
                       description="demo mode: missing keys are generated (never outside a demo)")
    data_dir: str | None = Field(default=None, validation_alias=AliasChoices("DVC_DATA_DIR", "data_dir"))
    # the audit chain's head is signed with this Ed25519 key (PEM) every `audit_anchor_seconds`
    audit_key_file: str | None = Field(default=None, description="Ed25519 private key (PEM) signing the audit head")
    audit_anchor_seconds: float = Field(default=300.0, gt=0)
    # retention: what is older than this many days is pruned (outbox rows once sent, inbox, idempotency keys)
    retention_outbox_days: float = Field(default=7.0, gt=0)
    # longer than the streams keep messages: an event redelivered by the server still finds its inbox row
    retention_inbox_days: float = Field(default=45.0, gt=0)
    retention_idempotency_days: float = Field(default=2.0, gt=0)
    retention_sweep_seconds: float = Field(default=3600.0, gt=0)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, FileSecretsSource(settings_cls), dotenv_settings, file_secret_settings

    def env_name(self, field: str) -> str:
        """The variable a setting is read from, for messages (``INTAKE_AUDIT_KEY_FILE``)."""
        info = type(self).model_fields[field]
        alias = info.validation_alias
        if isinstance(alias, AliasChoices) and isinstance(alias.choices[0], str):
            return alias.choices[0]
        return (str(self.model_config.get("env_prefix", "")) + field).upper()

    def data_path(self, *parts: str) -> Path:
        return Path(self.data_dir or ".data").joinpath(*parts)

    def missing_secrets(self) -> list[str]:
        """What a production start lacks, each as the variable to set; services add their own."""
        missing = []
        if not self.auth_public_key_file and not self.auth_jwks_url:
            missing.append("AUTH_PUBLIC_KEY_FILE (or AUTH_JWKS_URL): the key that verifies tokens")
        if not self.audit_key_file:
            missing.append(f"{self.env_name('audit_key_file')}: the Ed25519 key that signs the audit chain's head")
        return missing
