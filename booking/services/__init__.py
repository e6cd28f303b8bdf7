"""Use cases. Each public function is a verb that owns its transaction."""
