"""intake-svc: Tiếp nhận hồ sơ."""
