"""embedlab."""
