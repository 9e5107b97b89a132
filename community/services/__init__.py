"""Every write with side effects, one module per sub-domain (accounts, discussion,
newsletter, digests, moderation). Each public function is atomic."""
