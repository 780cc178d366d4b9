"""interop-svc: Trao đổi XML."""
