"""The training helper: practice runs and chapter 8's tuning, computed whole in a process of their own next to each worker."""
