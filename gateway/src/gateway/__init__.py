"""The gateway: every request's entry point (routing, identity, tokens, merged OpenAPI)."""
