"""The training helper: live training runs in a process of their own, next to each worker."""
