"""workflow-svc: Xử lý hồ sơ."""
