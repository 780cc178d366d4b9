"""notify-svc: Thông báo."""
