"""catalog-svc: Danh mục thủ tục hành chính."""
